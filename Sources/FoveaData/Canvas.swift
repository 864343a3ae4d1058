/// An RGB raster for writing pictures (sample grids, charts as PNG) without any graphics library.
public struct Canvas {
    public let width: Int, height: Int
    public private(set) var pixels: [UInt8]   // interleaved RGB

    public init(width: Int, height: Int, background: (UInt8, UInt8, UInt8) = (255, 255, 255)) {
        self.width = width; self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        fill(x: 0, y: 0, width: width, height: height, color: background)
    }

    public mutating func set(_ x: Int, _ y: Int, _ color: (UInt8, UInt8, UInt8)) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * 3
        pixels[i] = color.0; pixels[i + 1] = color.1; pixels[i + 2] = color.2
    }

    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, color: (UInt8, UInt8, UInt8)) {
        for yy in Swift.max(y, 0)..<Swift.min(y + h, height) { for xx in Swift.max(x, 0)..<Swift.min(x + w, width) { set(xx, yy, color) } }
    }

    /// A straight line of the given thickness (Bresenham, with square pens).
    public mutating func line(from a: (Double, Double), to b: (Double, Double), color: (UInt8, UInt8, UInt8), thickness: Int = 1) {
        var x0 = Int(a.0.rounded()), y0 = Int(a.1.rounded())
        let x1 = Int(b.0.rounded()), y1 = Int(b.1.rounded())
        let dx = Swift.abs(x1 - x0), dy = -Swift.abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var error = dx + dy
        while true {
            fill(x: x0 - thickness / 2, y: y0 - thickness / 2, width: thickness, height: thickness, color: color)
            if x0 == x1 && y0 == y1 { break }
            let e2 = 2 * error
            if e2 >= dy { error += dy; x0 += sx }
            if e2 <= dx { error += dx; y0 += sy }
        }
    }

    /// Draws a [C, H, W] image in [0, 1] (1 or 3 channels) with its top-left at (x, y), each pixel `scale`² wide.
    public mutating func draw(_ image: ImageBuffer, x: Int, y: Int, scale: Int) {
        for yy in 0..<image.height {
            for xx in 0..<image.width {
                let value = { (c: Int) in UInt8((Swift.min(Swift.max(image[c, yy, xx], 0), 1) * 255).rounded()) }
                let color = image.channels >= 3 ? (value(0), value(1), value(2)) : (value(0), value(0), value(0))
                fill(x: x + xx * scale, y: y + yy * scale, width: scale, height: scale, color: color)
            }
        }
    }

    /// Writes `text` in the built-in 5×7 font, `scale` pixels per font pixel; returns the width used.
    @discardableResult
    public mutating func text(_ text: String, x: Int, y: Int, scale: Int = 1, color: (UInt8, UInt8, UInt8) = (0, 0, 0)) -> Int {
        var cursor = x
        for character in text.uppercased() {
            let rows = BitmapFont.glyph(character)
            for (r, bits) in rows.enumerated() {
                for c in 0..<5 where bits & (0x10 >> c) != 0 {
                    fill(x: cursor + c * scale, y: y + r * scale, width: scale, height: scale, color: color)
                }
            }
            cursor += 6 * scale
        }
        return cursor - x
    }

    public static func textWidth(_ text: String, scale: Int = 1) -> Int { text.count * 6 * scale }

    public func png() throws -> [UInt8] { [UInt8](try ImageCodec.encodePNG(pixels: pixels, width: width, height: height, channels: 3)) }
}

/// A 5×7 pixel font: digits, capital letters and common punctuation (5 bits per row, MSB left).
enum BitmapFont {
    static func glyph(_ c: Character) -> [UInt8] { glyphs[c] ?? glyphs["?"]! }

    static let glyphs: [Character: [UInt8]] = [
        " ": [0, 0, 0, 0, 0, 0, 0],
        "0": [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E], "1": [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],
        "2": [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F], "3": [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],
        "4": [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02], "5": [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
        "6": [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E], "7": [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        "8": [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E], "9": [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
        "A": [0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11], "B": [0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E],
        "C": [0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E], "D": [0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C],
        "E": [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F], "F": [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10],
        "G": [0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F], "H": [0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        "I": [0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E], "J": [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C],
        "K": [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11], "L": [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F],
        "M": [0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11], "N": [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11],
        "O": [0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E], "P": [0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10],
        "Q": [0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D], "R": [0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11],
        "S": [0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E], "T": [0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
        "U": [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E], "V": [0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04],
        "W": [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A], "X": [0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11],
        "Y": [0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04], "Z": [0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F],
        "-": [0, 0, 0, 0x1F, 0, 0, 0], "_": [0, 0, 0, 0, 0, 0, 0x1F], ".": [0, 0, 0, 0, 0, 0x0C, 0x0C],
        ":": [0, 0x0C, 0x0C, 0, 0x0C, 0x0C, 0], "/": [0, 0x01, 0x02, 0x04, 0x08, 0x10, 0],
        "%": [0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03], "(": [0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02],
        ")": [0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08], "?": [0x0E, 0x11, 0x01, 0x02, 0x04, 0, 0x04],
        "=": [0, 0, 0x1F, 0, 0x1F, 0, 0], "+": [0, 0x04, 0x04, 0x1F, 0x04, 0x04, 0], ",": [0, 0, 0, 0, 0x0C, 0x04, 0x08],
        "×": [0, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0], "!": [0x04, 0x04, 0x04, 0x04, 0x04, 0, 0x04],
        ">": [0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08], "<": [0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02],
    ]
}

extension Dataset {
    /// A grid with one row per class (at most `perClass` samples each), the class name on the left.
    public func sampleGrid(perClass: Int = 8, seed: UInt64 = 0) -> Canvas {
        let scale = Swift.max(1, 48 / Swift.max(imageShape[1], imageShape[2]))
        let cellW = imageShape[2] * scale + 4, cellH = imageShape[1] * scale + 4
        let labelWidth = (classNames.map { Canvas.textWidth("\($0) (\(0))", scale: 2) }.max() ?? 0) + 12
        var canvas = Canvas(width: labelWidth + perClass * cellW, height: classCount * cellH)
        var generator = SeededGenerator(seed: seed)
        for c in 0..<classCount {
            let members = labels.indices.filter { labels[$0] == c }.shuffled(using: &generator).prefix(perClass)
            canvas.text("\(classNames[c]) (\(c))", x: 4, y: c * cellH + cellH / 2 - 7, scale: 2)
            for (column, index) in members.enumerated() {
                let image = images.gatherRows([index])
                let buffer = ImageBuffer(pixels: image.scalars, channels: imageShape[0], height: imageShape[1], width: imageShape[2])
                canvas.draw(buffer, x: labelWidth + column * cellW + 2, y: c * cellH + 2, scale: scale)
            }
        }
        return canvas
    }
}
