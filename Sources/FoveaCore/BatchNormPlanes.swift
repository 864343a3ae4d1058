/// Batch norm's passes over small planes, walked image by image.
///
/// The general pass takes one channel at a time and visits its plane in every image: with 1×1
/// to 4×4 planes that is one short, strided call per (image, channel) pair, and batch norm's
/// backward was 18 % of MobileNetV2's training step at 3×32×32 (1,280 channels of one pixel in
/// its head). Here each thread keeps its range of channels, but walks each image's slice of
/// them, which is contiguous: the ReLU mask runs once per image over the whole slice, and the
/// sums and dx are short inner loops over consecutive memory. Same sums, float within a plane
/// and double across images, as the general pass; plain loops rather than its eight-lane
/// helpers (`shiftedSums`, `sumAndCenteredProduct`), whose block and vector set-up on 1- to
/// 16-float planes took batch norm from 25.8 % to 28 % of MobileNetV2's training profile.
struct BatchNormPlanes {
    let batch: Int, channels: Int, plane: Int
    let range: Range<Int>

    /// Where this range's slice of image `n` starts.
    private func slice(_ n: Int) -> Int { (n * channels + range.lowerBound) * plane }

    /// Σ(x − K) and Σ(x − K)² per channel of the range, K the channel's first value (as the general pass).
    func shiftedSumsPerChannel(x: UnsafePointer<Float>) -> (sums: [Double], squares: [Double]) {
        var sums = [Double](repeating: 0, count: range.count), squares = sums
        let shifts = range.map { x[$0 * plane] }
        for n in 0..<batch {
            let start = slice(n)
            for j in 0..<range.count {
                let xs = x + start + j * plane, k = shifts[j]
                var s: Float = 0, q: Float = 0
                for i in 0..<plane { let v = xs[i] - k; s += v; q += v * v }
                sums[j] += Double(s); squares[j] += Double(q)
            }
        }
        return (sums, squares)
    }

    /// Σdy and Σdy·(x − mean) per channel of the range dy masked by `activation` into `masked` first.
    func gradientSums(dy: UnsafePointer<Float>, output: UnsafePointer<Float>, masked: UnsafeMutablePointer<Float>,
                      x: UnsafePointer<Float>, mean: [Float], activation: FusedActivation) -> (sums: [Double], centered: [Double]) {
        var sums = [Double](repeating: 0, count: range.count), centered = sums
        for n in 0..<batch {
            let start = slice(n)
            if activation != .none {
                activation.maskGradient(dy + start, output: output + start, into: masked + start, count: range.count * plane)
            }
            for (j, c) in range.enumerated() {
                let d = masked + start + j * plane, xs = x + start + j * plane, m = mean[c]
                var s: Float = 0, p: Float = 0
                for i in 0..<plane { s += d[i]; p += d[i] * (xs[i] - m) }
                sums[j] += Double(s); centered[j] += Double(p)
            }
        }
        return (sums, centered)
    }

    /// Each channel's dx (`BatchNormInputGradient`), image by image.
    func inputGradient(masked: UnsafePointer<Float>, x: UnsafePointer<Float>, channelGradients: [BatchNormInputGradient],
                       into gradInput: UnsafeMutablePointer<Float>) {
        for n in 0..<batch {
            let start = slice(n)
            for j in 0..<range.count {
                let offset = start + j * plane
                channelGradients[j].apply(masked + offset, x: x + offset, into: gradInput + offset, count: plane)
            }
        }
    }
}
