import FoveaCore
import FoveaTestSupport
import Testing

/// Batch norm's backward walks planes under 64 pixels image by image (`BatchNormPlanes`) and larger
/// ones channel by channel. Moving the rows of each plane into the batch keeps every channel's
/// set of values, so [N, C, 8, 8] (64 pixels: the general pass) and [8N, C, 1, 8] (8 pixels: the
/// small-plane pass) must give the same outputs, gradients and running statistics, row for row.
struct BatchNormPlanesTests {
    @Test(arguments: [(true, FusedActivation.relu), (false, .relu6), (true, .none)])
    func smallAndLargePlanesAgree(training: Bool, activation: FusedActivation) throws {
        let (batch, channels, height, width) = (3, 5, 8, 8)
        let x = randomTensor([batch, channels, height, width], seed: 31, scale: 2)
        let r = randomTensor([batch, channels, height, width], seed: 32), seed = randomTensor([batch, channels, height, width], seed: 33)
        let w = randomTensor([channels], seed: 34, scale: 4), b = randomTensor([channels], seed: 35)
        // [N, C, H, W] → [N·H, C, 1, W]: row h of image n becomes image n·H + h.
        func rowsAsImages(_ t: Tensor) throws -> Tensor {
            let v = t.scalars
            var out = [Float](repeating: 0, count: v.count)
            for n in 0..<batch { for c in 0..<channels { for h in 0..<height { for x in 0..<width {
                out[(((n * height + h) * channels + c)) * width + x] = v[((n * channels + c) * height + h) * width + x]
            } } } }
            return try Tensor(out, shape: [batch * height, channels, 1, width])
        }
        func run(_ x: Tensor, _ r: Tensor, _ seed: Tensor) -> [[Float]] {
            let (xi, wi, bi, ri) = (x.copy().requiringGrad(), w.copy().requiringGrad(), b.copy().requiringGrad(), r.copy().requiringGrad())
            let (mean, variance) = (Tensor(zeros: [channels]) + 0.5, Tensor(ones: [channels]) * 2)
            let y = xi.batchNorm2d(weight: wi, bias: bi, runningMean: mean, runningVariance: variance, training: training,
                                   adding: ri, activation: activation)
            y.backward(seed: seed)
            return [y.scalars, xi.grad!.scalars, wi.grad!.scalars, bi.grad!.scalars, ri.grad!.scalars, mean.scalars, variance.scalars]
        }
        let large = run(x, r, seed)
        let small = run(try rowsAsImages(x), try rowsAsImages(r), try rowsAsImages(seed))
        let names = ["y", "dx", "dγ", "dβ", "dr", "running mean", "running variance"]
        for (i, name) in names.enumerated() {
            // Per-element tensors come back in the permuted order; per-channel ones as they are.
            let expected = i == 0 || i == 1 || i == 4
                ? try rowsAsImages(try Tensor(large[i], shape: [batch, channels, height, width])).scalars : large[i]
            if i == 2 || i == 3 {
                // dγ and dβ are sums over the batch in a different order: a channel whose sum
                // cancels to near zero (0.0324 of a peak of 9 here) keeps the rounding of its
                // terms (1e-6), so these are bounded against the peak.
                #expect(peakRelativeError(small[i], expected.map(Double.init)) < 1e-5, "\(name), training \(training), \(activation)")
            } else {
                #expect(relativeError(small[i], expected.map(Double.init)) < 1e-5, "\(name), training \(training), \(activation)")
            }
        }
    }
}
