import Foundation

/// A line chart (training curves, learning-rate schedules) rendered as SVG for reports and as
/// PNG through `Canvas`, from the same description.
public struct LineChart {
    public struct Series {
        public let name: String
        public let color: (UInt8, UInt8, UInt8)
        public let points: [(x: Double, y: Double)]
        public init(name: String, color: (UInt8, UInt8, UInt8), points: [(x: Double, y: Double)]) {
            self.name = name; self.color = color; self.points = points
        }
    }
    public let title: String, xLabel: String, yLabel: String
    public let series: [Series]
    public let width = 560, height = 320
    let left = 64, right = 16, top = 36, bottom = 44

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel
        self.series = series.filter { !$0.points.isEmpty }
    }

    var bounds: (x0: Double, x1: Double, y0: Double, y1: Double) {
        let xs = series.flatMap { $0.points.map(\.x) }, ys = series.flatMap { $0.points.map(\.y) }.filter(\.isFinite)
        var (y0, y1) = (ys.min() ?? 0, ys.max() ?? 1)
        if y1 - y0 < 1e-12 { y0 -= 0.5; y1 += 0.5 }
        let pad = (y1 - y0) * 0.05
        return (xs.min() ?? 0, Swift.max(xs.max() ?? 1, (xs.min() ?? 0) + 1), y0 - pad, y1 + pad)
    }

    func position(_ x: Double, _ y: Double) -> (Double, Double) {
        let b = bounds
        let px = Double(left) + (x - b.x0) / (b.x1 - b.x0) * Double(width - left - right)
        let py = Double(height - bottom) - (y - b.y0) / (b.y1 - b.y0) * Double(height - top - bottom)
        return (px, py)
    }

    static func hex(_ c: (UInt8, UInt8, UInt8)) -> String { String(format: "#%02x%02x%02x", c.0, c.1, c.2) }

    public func svg() -> String {
        let b = bounds
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"\(escapeHTML(title))\">"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
        s += "<text x=\"\(width / 2)\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-family=\"sans-serif\">\(escapeHTML(title))</text>"
        for i in 0...4 {
            let y = b.y0 + (b.y1 - b.y0) * Double(i) / 4, (_, py) = position(b.x0, y)
            s += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(py)\" y2=\"\(py)\" stroke=\"#e5e5e5\"/>"
            s += "<text x=\"\(left - 6)\" y=\"\(py + 4)\" text-anchor=\"end\" font-size=\"11\" font-family=\"sans-serif\">\(format(y))</text>"
        }
        let ticks = Swift.min(10, Int(b.x1 - b.x0))
        for i in 0...Swift.max(ticks, 1) {
            let x = b.x0 + (b.x1 - b.x0) * Double(i) / Double(Swift.max(ticks, 1)), (px, _) = position(x, b.y0)
            s += "<text x=\"\(px)\" y=\"\(height - bottom + 16)\" text-anchor=\"middle\" font-size=\"11\" font-family=\"sans-serif\">\(format(x))</text>"
        }
        s += "<line x1=\"\(left)\" x2=\"\(left)\" y1=\"\(top)\" y2=\"\(height - bottom)\" stroke=\"#333\"/>"
        s += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(height - bottom)\" y2=\"\(height - bottom)\" stroke=\"#333\"/>"
        s += "<text x=\"\((width + left) / 2)\" y=\"\(height - 8)\" text-anchor=\"middle\" font-size=\"12\" font-family=\"sans-serif\">\(escapeHTML(xLabel))</text>"
        s += "<text x=\"14\" y=\"\(height / 2)\" transform=\"rotate(-90 14 \(height / 2))\" text-anchor=\"middle\" font-size=\"12\" font-family=\"sans-serif\">\(escapeHTML(yLabel))</text>"
        for (i, line) in series.enumerated() {
            let path = line.points.filter { $0.y.isFinite }.map { let p = position($0.x, $0.y); return "\(p.0),\(p.1)" }.joined(separator: " ")
            s += "<polyline fill=\"none\" stroke=\"\(Self.hex(line.color))\" stroke-width=\"2\" points=\"\(path)\"/>"
            for point in line.points where point.y.isFinite && line.points.count <= 60 {
                let p = position(point.x, point.y)
                s += "<circle cx=\"\(p.0)\" cy=\"\(p.1)\" r=\"2.5\" fill=\"\(Self.hex(line.color))\"/>"
            }
            let ly = top + 4 + i * 16
            s += "<rect x=\"\(width - right - 150)\" y=\"\(ly)\" width=\"12\" height=\"3\" fill=\"\(Self.hex(line.color))\"/>"
            s += "<text x=\"\(width - right - 132)\" y=\"\(ly + 5)\" font-size=\"11\" font-family=\"sans-serif\">\(escapeHTML(line.name))</text>"
        }
        return s + "</svg>"
    }

    public func raster() -> Canvas {
        var canvas = Canvas(width: width, height: height)
        let b = bounds
        canvas.text(title, x: Swift.max(4, (width - Canvas.textWidth(title, scale: 2)) / 2), y: 8, scale: 2)
        for i in 0...4 {
            let y = b.y0 + (b.y1 - b.y0) * Double(i) / 4, (_, py) = position(b.x0, y)
            canvas.fill(x: left, y: Int(py), width: width - left - right, height: 1, color: (229, 229, 229))
            canvas.text(format(y), x: 2, y: Int(py) - 3)
        }
        canvas.fill(x: left, y: top, width: 1, height: height - top - bottom, color: (51, 51, 51))
        canvas.fill(x: left, y: height - bottom, width: width - left - right, height: 1, color: (51, 51, 51))
        canvas.text(xLabel, x: (width - Canvas.textWidth(xLabel)) / 2, y: height - 14)
        canvas.text(format(b.x0), x: left - 4, y: height - bottom + 6)
        canvas.text(format(b.x1), x: width - right - Canvas.textWidth(format(b.x1)), y: height - bottom + 6)
        for (i, line) in series.enumerated() {
            let points = line.points.filter { $0.y.isFinite }.map { position($0.x, $0.y) }
            for (a, c) in zip(points, points.dropFirst()) { canvas.line(from: a, to: c, color: line.color, thickness: 2) }
            for p in points where line.points.count <= 60 { canvas.fill(x: Int(p.0) - 2, y: Int(p.1) - 2, width: 5, height: 5, color: line.color) }
            let ly = top + 4 + i * 14
            canvas.fill(x: width - right - 150, y: ly + 2, width: 12, height: 3, color: line.color)
            canvas.text(line.name, x: width - right - 132, y: ly)
        }
        return canvas
    }

    func format(_ v: Double) -> String {
        let magnitude = Swift.abs(v)
        if magnitude != 0 && (magnitude < 0.01 || magnitude >= 10_000) { return String(format: "%.1e", v) }
        return v == v.rounded() && magnitude >= 1 ? String(Int(v)) : String(format: magnitude < 1 ? "%.3f" : "%.2f", v)
    }
}

/// A confusion-matrix heatmap (rows true, columns predicted), as SVG and PNG.
public struct Heatmap {
    public let counts: [[Int]]
    public let labels: [String]
    public init(counts: [[Int]], labels: [String]) { self.counts = counts; self.labels = labels }

    var cell: Int { Swift.max(22, Swift.min(56, 560 / Swift.max(counts.count, 1))) }
    var margin: Int { Swift.min(160, (labels.map(\.count).max() ?? 4) * 7 + 16) }

    func color(_ value: Int, rowTotal: Int) -> (UInt8, UInt8, UInt8) {
        let t = rowTotal == 0 ? 0 : Double(value) / Double(rowTotal)
        return (UInt8(255 - 200 * t), UInt8(255 - 150 * t), 255)   // white → blue by row fraction
    }

    public func svg() -> String {
        let n = counts.count, size = margin + n * cell + 20, heightTotal = margin / 2 + n * cell + 60
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(size) \(heightTotal)\" width=\"\(size)\" height=\"\(heightTotal)\" role=\"img\" aria-label=\"confusion matrix\">"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
        let top = 30
        s += "<text x=\"\(margin + n * cell / 2)\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" font-family=\"sans-serif\">predicted class →</text>"
        for (r, row) in counts.enumerated() {
            let total = row.reduce(0, +)
            s += "<text x=\"\(margin - 6)\" y=\"\(top + r * cell + cell / 2 + 4)\" text-anchor=\"end\" font-size=\"11\" font-family=\"sans-serif\">\(escapeHTML(labels[r]))</text>"
            for (c, value) in row.enumerated() {
                let fill = LineChart.hex(color(value, rowTotal: total))
                s += "<rect x=\"\(margin + c * cell)\" y=\"\(top + r * cell)\" width=\"\(cell - 1)\" height=\"\(cell - 1)\" fill=\"\(fill)\"><title>true \(escapeHTML(labels[r])), predicted \(escapeHTML(labels[c])): \(value)</title></rect>"
                s += "<text x=\"\(margin + c * cell + cell / 2)\" y=\"\(top + r * cell + cell / 2 + 4)\" text-anchor=\"middle\" font-size=\"11\" font-family=\"sans-serif\">\(value)</text>"
            }
        }
        for c in 0..<n {
            s += "<text x=\"\(margin + c * cell + cell / 2)\" y=\"\(top + n * cell + 14)\" text-anchor=\"middle\" font-size=\"11\" font-family=\"sans-serif\">\(c)</text>"
        }
        s += "<text x=\"\(margin - 6)\" y=\"\(top + n * cell + 30)\" text-anchor=\"end\" font-size=\"12\" font-family=\"sans-serif\">rows: true class</text>"
        return s + "</svg>"
    }

    public func raster() -> Canvas {
        let n = counts.count
        var canvas = Canvas(width: margin + n * cell + 20, height: 40 + n * cell + 30)
        canvas.text("PREDICTED CLASS", x: margin, y: 8)
        for (r, row) in counts.enumerated() {
            let total = row.reduce(0, +)
            canvas.text(labels[r], x: 4, y: 30 + r * cell + cell / 2 - 3)
            for (c, value) in row.enumerated() {
                canvas.fill(x: margin + c * cell, y: 30 + r * cell, width: cell - 1, height: cell - 1, color: color(value, rowTotal: total))
                let text = String(value)
                canvas.text(text, x: margin + c * cell + (cell - Canvas.textWidth(text)) / 2, y: 30 + r * cell + cell / 2 - 3)
            }
        }
        canvas.text("ROWS: TRUE CLASS", x: 4, y: 30 + n * cell + 10)
        return canvas
    }
}

func escapeHTML(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}

/// Vertical bars with value labels (model or schedule comparisons), as SVG and PNG.
public struct BarChart {
    public let title: String, yLabel: String
    public let bars: [(label: String, value: Double)]
    public let width = 560, height = 320
    let left = 64, bottom = 48, top = 36

    public init(title: String, yLabel: String, bars: [(label: String, value: Double)]) {
        self.title = title; self.yLabel = yLabel; self.bars = bars
    }

    var maximum: Double { Swift.max(bars.map(\.value).max() ?? 1, 1e-12) * 1.1 }
    var slot: Int { (width - left - 16) / Swift.max(bars.count, 1) }
    static let palette: [(UInt8, UInt8, UInt8)] = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75)]

    func geometry(_ i: Int) -> (x: Int, y: Int, w: Int, h: Int) {
        let h = Int(bars[i].value / maximum * Double(height - top - bottom))
        return (left + i * slot + slot / 6, height - bottom - h, slot * 2 / 3, h)
    }

    public func svg() -> String {
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"\(escapeHTML(title))\">"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
        s += "<text x=\"\(width / 2)\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-family=\"sans-serif\">\(escapeHTML(title))</text>"
        s += "<line x1=\"\(left)\" x2=\"\(width - 16)\" y1=\"\(height - bottom)\" y2=\"\(height - bottom)\" stroke=\"#333\"/>"
        s += "<text x=\"14\" y=\"\(height / 2)\" transform=\"rotate(-90 14 \(height / 2))\" text-anchor=\"middle\" font-size=\"12\" font-family=\"sans-serif\">\(escapeHTML(yLabel))</text>"
        for (i, bar) in bars.enumerated() {
            let g = geometry(i), color = LineChart.hex(Self.palette[i % Self.palette.count])
            s += "<rect x=\"\(g.x)\" y=\"\(g.y)\" width=\"\(g.w)\" height=\"\(g.h)\" fill=\"\(color)\"/>"
            s += "<text x=\"\(g.x + g.w / 2)\" y=\"\(g.y - 4)\" text-anchor=\"middle\" font-size=\"11\" font-family=\"sans-serif\">\(String(format: "%.4g", bar.value))</text>"
            s += "<text x=\"\(g.x + g.w / 2)\" y=\"\(height - bottom + 16)\" text-anchor=\"middle\" font-size=\"11\" font-family=\"sans-serif\">\(escapeHTML(bar.label))</text>"
        }
        return s + "</svg>"
    }

    public func raster() -> Canvas {
        var canvas = Canvas(width: width, height: height)
        canvas.text(title, x: Swift.max(4, (width - Canvas.textWidth(title, scale: 2)) / 2), y: 8, scale: 2)
        canvas.fill(x: left, y: height - bottom, width: width - left - 16, height: 1, color: (51, 51, 51))
        for (i, bar) in bars.enumerated() {
            let g = geometry(i)
            canvas.fill(x: g.x, y: g.y, width: g.w, height: g.h, color: Self.palette[i % Self.palette.count])
            let value = String(format: "%.4g", bar.value), label = String(bar.label.prefix(slot / 6))
            canvas.text(value, x: g.x + (g.w - Canvas.textWidth(value)) / 2, y: g.y - 10)
            canvas.text(label, x: g.x + (g.w - Canvas.textWidth(label)) / 2, y: height - bottom + 8)
        }
        return canvas
    }
}
