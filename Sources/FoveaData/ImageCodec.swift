import CImageCodecs
import Foundation

/// A decoded image: 8-bit pixels, interleaved (H, W, C), as files store them.
public struct DecodedImage: Equatable, Sendable {
    public let width: Int, height: Int, channels: Int
    public let pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * channels, "decoded image size")
        self.width = width; self.height = height; self.channels = channels; self.pixels = pixels
    }

    /// [C, H, W] floats in [0, 1] with `targetChannels` channels: gray is replicated to RGB,
    /// RGB becomes gray by ITU-R 601 luma (as PIL's "L"), alpha is dropped.
    public func planar(channels targetChannels: Int) -> ImageBuffer {
        let colour = channels >= 3
        var out = [Float](repeating: 0, count: targetChannels * width * height)
        let plane = width * height
        for p in 0..<plane {
            let base = p * channels
            if targetChannels == 1 {
                let value: Float = colour
                    ? (Float(pixels[base]) * 299 + Float(pixels[base + 1]) * 587 + Float(pixels[base + 2]) * 114) / 1000
                    : Float(pixels[base])
                out[p] = value / 255
            } else {
                for c in 0..<3 { out[c * plane + p] = Float(pixels[base + (colour ? c : 0)]) / 255 }
            }
        }
        return ImageBuffer(pixels: out, channels: targetChannels, height: height, width: width)
    }
}

/// PNG and JPEG decoding (libpng, libjpeg-turbo) and PNG encoding.
public enum ImageCodec {
    public static func decode(_ data: Data, source: String) throws -> DecodedImage {
        let bytes = [UInt8](data.prefix(8))
        var image = fovea_image()
        var message = [CChar](repeating: 0, count: 256)
        let status: Int32 = data.withUnsafeBytes { raw in
            let base = raw.bindMemory(to: UInt8.self).baseAddress
            if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) {
                return fovea_decode_png(base, raw.count, &image, &message, message.count)
            } else if bytes.starts(with: [0xFF, 0xD8]) {
                return fovea_decode_jpeg(base, raw.count, &image, &message, message.count)
            }
            return -2
        }
        if status == -2 { throw FoveaError.format("\(source): not a PNG or JPEG file") }
        guard status == 0, let pixels = image.pixels else {
            throw FoveaError.format("\(source): cannot decode (\(String(cString: message)))")
        }
        defer { fovea_free(pixels) }
        let count = Int(image.width) * Int(image.height) * Int(image.channels)
        return DecodedImage(width: Int(image.width), height: Int(image.height), channels: Int(image.channels),
                            pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
    }

    public static func decode(file path: String) throws -> DecodedImage { try decode(readFile(path), source: path) }

    /// PNG bytes for interleaved 8-bit pixels (1, 3 or 4 channels).
    public static func encodePNG(pixels: [UInt8], width: Int, height: Int, channels: Int) throws -> Data {
        precondition([1, 3, 4].contains(channels) && pixels.count == width * height * channels, "encodePNG: pixel buffer size")
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = pixels.withUnsafeBufferPointer {
            fovea_encode_png($0.baseAddress, Int32(width), Int32(height), Int32(channels), &output, &size, &message, message.count)
        }
        guard status == 0, let output else { throw FoveaError.format("PNG encoding failed (\(String(cString: message)))") }
        defer { fovea_free(output) }
        return Data(bytes: output, count: size)
    }

    /// A [C, H, W] image in [0, 1] (1 or 3 channels) as PNG bytes.
    public static func encodePNG(_ image: ImageBuffer) throws -> Data {
        let plane = image.height * image.width
        var interleaved = [UInt8](repeating: 0, count: plane * image.channels)
        for p in 0..<plane {
            for c in 0..<image.channels {
                interleaved[p * image.channels + c] = UInt8((Swift.min(Swift.max(image.pixels[c * plane + p], 0), 1) * 255).rounded())
            }
        }
        return try encodePNG(pixels: interleaved, width: image.width, height: image.height, channels: image.channels)
    }
}
