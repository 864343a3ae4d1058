#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Mirrors left–right with probability p.
public struct HorizontalFlip: ImageTransform {
    public let probability: Float
    public init(probability: Float = 0.5) { self.probability = probability }
    public func apply(_ image: inout ImageBuffer, using g: inout SeededGenerator) {
        guard g.nextUnitFloat() < probability else { return }
        for c in 0..<image.channels { for y in 0..<image.height { for x in 0..<(image.width / 2) {
            let mirror = image.width - 1 - x
            (image[c, y, x], image[c, y, mirror]) = (image[c, y, mirror], image[c, y, x])
        } } }
    }
}

/// Mirrors top–bottom with probability p.
public struct VerticalFlip: ImageTransform {
    public let probability: Float
    public init(probability: Float = 0.5) { self.probability = probability }
    public func apply(_ image: inout ImageBuffer, using g: inout SeededGenerator) {
        guard g.nextUnitFloat() < probability else { return }
        for c in 0..<image.channels { for y in 0..<(image.height / 2) { for x in 0..<image.width {
            let mirror = image.height - 1 - y
            (image[c, y, x], image[c, mirror, x]) = (image[c, mirror, x], image[c, y, x])
        } } }
    }
}

/// Pads with zeros by `padding` on every side, then cuts a random window of the original size
/// (the CIFAR recipe: pad 4, crop 32).
public struct RandomCrop: ImageTransform {
    public let padding: Int
    public init(padding: Int = 4) { self.padding = padding }
    public func apply(_ image: inout ImageBuffer, using g: inout SeededGenerator) {
        let dy = g.nextInt(below: 2 * padding + 1) - padding, dx = g.nextInt(below: 2 * padding + 1) - padding
        let source = image
        for c in 0..<image.channels { for y in 0..<image.height { for x in 0..<image.width {
            let sy = y + dy, sx = x + dx
            image[c, y, x] = sy >= 0 && sy < image.height && sx >= 0 && sx < image.width ? source[c, sy, sx] : 0
        } } }
    }
}

/// Rotation by θ ∈ [−degrees, degrees], scaling by s ∈ [1 − scale, 1 + scale] and translation
/// by up to `translate`·size, as one affine warp about the image centre with bilinear sampling;
/// uncovered pixels take `fill`.
public struct RandomAffine: ImageTransform {
    public var degrees: Float, scale: Float, translate: Float, fill: Float

    public init(degrees: Float, scale: Float = 0, translate: Float = 0, fill: Float = 0) {
        self.degrees = degrees; self.scale = scale; self.translate = translate; self.fill = fill
    }

    public func apply(_ image: inout ImageBuffer, using g: inout SeededGenerator) {
        let angle = g.nextUniform(-degrees, degrees) * .pi / 180
        let factor = 1 + g.nextUniform(-scale, scale)
        let tx = g.nextUniform(-translate, translate) * Float(image.width)
        let ty = g.nextUniform(-translate, translate) * Float(image.height)
        RandomAffine.warp(&image, angle: angle, scale: factor, tx: tx, ty: ty, fill: fill)
    }

    /// Output pixel p takes the input at A⁻¹(p − c − t) + c: rotate by `angle` (counter-clockwise
    /// on screen), scale by `scale`, then shift by (tx, ty).
    public static func warp(_ image: inout ImageBuffer, angle: Float, scale: Float, tx: Float, ty: Float, fill: Float) {
        let source = image
        let cx = Float(image.width - 1) / 2, cy = Float(image.height - 1) / 2
        let cosA = cos(angle) / scale, sinA = sin(angle) / scale
        for y in 0..<image.height {
            for x in 0..<image.width {
                let u = Float(x) - cx - tx, v = Float(y) - cy - ty
                // Inverse rotation (screen y points down, so counter-clockwise uses +sin on x).
                let sx = cosA * u - sinA * v + cx
                let sy = sinA * u + cosA * v + cy
                for c in 0..<image.channels { image[c, y, x] = source.bilinear(c, sy, sx, fill: fill) }
            }
        }
    }
}

/// Bilinear resize of a whole image to height × width (pixel centres aligned, as PIL/torchvision).
public func resize(_ image: ImageBuffer, height: Int, width: Int) -> ImageBuffer {
    var result = ImageBuffer(pixels: [Float](repeating: 0, count: image.channels * height * width),
                             channels: image.channels, height: height, width: width)
    let sy = Float(image.height) / Float(height), sx = Float(image.width) / Float(width)
    for c in 0..<image.channels { for y in 0..<height { for x in 0..<width {
        let fy = Swift.min(Swift.max((Float(y) + 0.5) * sy - 0.5, 0), Float(image.height - 1))
        let fx = Swift.min(Swift.max((Float(x) + 0.5) * sx - 0.5, 0), Float(image.width - 1))
        result[c, y, x] = image.bilinear(c, fy, fx, fill: 0)
    } } }
    return result
}
