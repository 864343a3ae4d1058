#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Batch-level MixUp (Zhang et al. 2018) and CutMix (Yun et al. 2019): each image is mixed with
/// another image of the same batch (a random permutation), and the labels become the matching
/// soft targets, λ·y + (1 − λ)·y_perm, for the soft-label cross-entropy.
public enum BatchMix: Equatable, Sendable {
    case mixup(alpha: Float)
    case cutmix(alpha: Float)

    public struct Result {
        public let images: Tensor
        /// Soft targets [N, K]; each row sums to 1.
        public let targets: Tensor
        /// The λ used (for CutMix, corrected to the pasted box's real area).
        public let lambda: Float
        public let permutation: [Int]
    }

    public func apply(images: Tensor, labels: [Int], classes: Int, using g: inout SeededGenerator) -> Result {
        let n = images.shape[0]
        var permutation = Array(0..<n)
        permutation.shuffle(using: &g)
        let mixed = images.copy()
        var lambda: Float
        switch self {
        case let .mixup(alpha):
            lambda = sampleBeta(alpha, alpha, using: &g)
            let size = images.count / Swift.max(n, 1)
            for i in 0..<n {
                let a = images.pointer + i * size, b = images.pointer + permutation[i] * size, out = mixed.pointer + i * size
                for p in 0..<size { out[p] = lambda * a[p] + (1 - lambda) * b[p] }
            }
        case let .cutmix(alpha):
            let (c, h, w) = (images.shape[1], images.shape[2], images.shape[3])
            let box = BatchMix.cutBox(lambda: sampleBeta(alpha, alpha, using: &g), height: h, width: w, using: &g)
            for i in 0..<n {
                for ch in 0..<c { for y in box.y0..<box.y1 { for x in box.x0..<box.x1 {
                    let offset = (ch * h + y) * w + x
                    mixed.pointer[i * c * h * w + offset] = images.pointer[permutation[i] * c * h * w + offset]
                } } }
            }
            lambda = 1 - Float((box.y1 - box.y0) * (box.x1 - box.x0)) / Float(h * w)
        }
        let targets = Tensor(zeros: [n, classes])
        for i in 0..<n {
            targets.pointer[i * classes + labels[i]] += lambda
            targets.pointer[i * classes + labels[permutation[i]]] += 1 - lambda
        }
        return Result(images: mixed, targets: targets, lambda: lambda, permutation: permutation)
    }

    /// A box of area ≈ (1 − λ)·H·W with a uniformly random centre, clipped to the image.
    static func cutBox(lambda: Float, height: Int, width: Int, using g: inout SeededGenerator) -> (y0: Int, y1: Int, x0: Int, x1: Int) {
        let ratio = (1 - lambda).squareRoot()
        let cutH = Int(Float(height) * ratio), cutW = Int(Float(width) * ratio)
        let cy = g.nextInt(below: height), cx = g.nextInt(below: width)
        return (Swift.max(cy - cutH / 2, 0), Swift.min(cy + cutH / 2, height), Swift.max(cx - cutW / 2, 0), Swift.min(cx + cutW / 2, width))
    }
}

/// Beta(a, b) as X/(X+Y) with X ~ Gamma(a), Y ~ Gamma(b).
public func sampleBeta(_ a: Float, _ b: Float, using g: inout SeededGenerator) -> Float {
    let x = sampleGamma(a, using: &g), y = sampleGamma(b, using: &g)
    return x + y > 0 ? x / (x + y) : 0.5
}

/// Gamma(shape k, scale 1) by Marsaglia & Tsang (2000); k < 1 through the boost U^(1/k).
public func sampleGamma(_ k: Float, using g: inout SeededGenerator) -> Float {
    if k < 1 {
        let u = Swift.max(g.nextUnitFloat(), 1e-12)
        return sampleGamma(k + 1, using: &g) * powf(u, 1 / k)
    }
    let d = k - 1.0 / 3, c = 1 / (9 * d).squareRoot()
    while true {
        var x: Float, v: Float
        repeat {
            x = g.nextNormal()
            v = 1 + c * x
        } while v <= 0
        v = v * v * v
        let u = g.nextUnitFloat()
        if u < 1 - 0.0331 * x * x * x * x || logf(Swift.max(u, 1e-30)) < 0.5 * x * x + d * (1 - v + logf(v)) { return d * v }
    }
}
