/// Brightness: I·α with α ∈ [1 − δ, 1 + δ], clipped to [0, 1].
public struct Brightness: ImageTransform {
    public let maxDelta: Float
    public init(maxDelta: Float) { self.maxDelta = maxDelta }
    public func apply(_ image: inout ImageBuffer, using g: inout SeededGenerator) {
        let alpha = 1 + g.nextUniform(-maxDelta, maxDelta)
        for i in image.pixels.indices { image.pixels[i] = Swift.min(Swift.max(image.pixels[i] * alpha, 0), 1) }
    }
}

/// Contrast: α(I − μ) + μ with α ∈ [1 − δ, 1 + δ] and μ the image's mean, clipped to [0, 1]
/// (the mean is kept exactly when nothing clips).
public struct Contrast: ImageTransform {
    public let maxDelta: Float
    public init(maxDelta: Float) { self.maxDelta = maxDelta }
    public func apply(_ image: inout ImageBuffer, using g: inout SeededGenerator) {
        let alpha = 1 + g.nextUniform(-maxDelta, maxDelta)
        Contrast.adjust(&image, alpha: alpha)
    }
    public static func adjust(_ image: inout ImageBuffer, alpha: Float) {
        let mean = image.pixels.reduce(0, +) / Float(Swift.max(image.pixels.count, 1))
        for i in image.pixels.indices { image.pixels[i] = Swift.min(Swift.max(alpha * (image.pixels[i] - mean) + mean, 0), 1) }
    }
}

/// Hue rotation through HSV by h ∈ [−δ, δ] (in turns; 0.5 = 180°). RGB images only; others pass.
public struct HueShift: ImageTransform {
    public let maxShift: Float
    public init(maxShift: Float) { self.maxShift = maxShift }
    public func apply(_ image: inout ImageBuffer, using g: inout SeededGenerator) {
        let shift = g.nextUniform(-maxShift, maxShift)
        HueShift.rotate(&image, by: shift)
    }

    public static func rotate(_ image: inout ImageBuffer, by shift: Float) {
        guard image.channels == 3 else { return }
        for y in 0..<image.height {
            for x in 0..<image.width {
                var (h, s, v) = rgbToHSV(image[0, y, x], image[1, y, x], image[2, y, x])
                h = (h + shift).truncatingRemainder(dividingBy: 1)
                if h < 0 { h += 1 }
                (image[0, y, x], image[1, y, x], image[2, y, x]) = hsvToRGB(h, s, v)
            }
        }
    }
}

/// Adds N(0, σ²) to every pixel, clipped to [0, 1].
public struct GaussianNoise: ImageTransform {
    public let std: Float
    public init(std: Float) { self.std = std }
    public func apply(_ image: inout ImageBuffer, using g: inout SeededGenerator) {
        for i in image.pixels.indices { image.pixels[i] = Swift.min(Swift.max(image.pixels[i] + std * g.nextNormal(), 0), 1) }
    }
}

/// (I − mean_c) / std_c per channel; deterministic, usually last.
public struct Normalize: ImageTransform {
    public let mean: [Float], std: [Float]
    public init(mean: [Float], std: [Float]) { self.mean = mean; self.std = std }
    public func apply(_ image: inout ImageBuffer, using g: inout SeededGenerator) {
        precondition(mean.count == image.channels && std.count == image.channels, "normalize: \(mean.count) means for \(image.channels) channels")
        let plane = image.height * image.width
        for c in 0..<image.channels { for i in 0..<plane {
            image.pixels[c * plane + i] = (image.pixels[c * plane + i] - mean[c]) / std[c]
        } }
    }
}

/// Hue, saturation, value in [0, 1] (hue in turns).
func rgbToHSV(_ r: Float, _ g: Float, _ b: Float) -> (Float, Float, Float) {
    let maximum = Swift.max(r, g, b), minimum = Swift.min(r, g, b), delta = maximum - minimum
    var h: Float = 0
    if delta > 0 {
        if maximum == r { h = ((g - b) / delta).truncatingRemainder(dividingBy: 6) }
        else if maximum == g { h = (b - r) / delta + 2 }
        else { h = (r - g) / delta + 4 }
        h /= 6
        if h < 0 { h += 1 }
    }
    return (h, maximum == 0 ? 0 : delta / maximum, maximum)
}

func hsvToRGB(_ h: Float, _ s: Float, _ v: Float) -> (Float, Float, Float) {
    let sector = h * 6, i = Int(sector.rounded(.down)) % 6, f = sector - sector.rounded(.down)
    let p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f))
    switch i {
    case 0: return (v, t, p)
    case 1: return (q, v, p)
    case 2: return (p, v, t)
    case 3: return (p, q, v)
    case 4: return (t, p, v)
    default: return (v, p, q)
    }
}
