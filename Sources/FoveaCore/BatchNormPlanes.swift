import CKernels

/// Batch norm's passes over small planes, walked image by image.
///
/// The general pass takes one channel at a time and visits its plane in every image: with 1×1
/// to 4×4 planes that is one short, strided call per (image, channel) pair, and batch norm's
/// backward was 18 % of MobileNetV2's training step at 3×32×32 (1,280 channels of one pixel in
/// its head). Here each thread keeps its range of channels but walks each image's slice of them,
/// which is contiguous: with every channel's statistic repeated once per pixel of its plane
/// (`expanded`), each pass over a slice is one run of whole vectors (the C kernels'
/// `fovea_batch_norm_slice_*`). Sums are kept per float across images in float, and added up
/// per plane into doubles every `flushEvery` images (the general pass: float within a plane,
/// double across images).
struct BatchNormPlanes {
    let batch: Int, channels: Int, plane: Int
    let range: Range<Int>

    /// Images summed in float before the per-float sums go to double.
    private static let flushEvery = 32

    private var sliceCount: Int { range.count * plane }

    /// Where this range's slice of image `n` starts.
    private func slice(_ n: Int) -> Int { (n * channels + range.lowerBound) * plane }

    /// One value per channel of the range, repeated across its plane.
    func expanded(_ perChannel: (Int) -> Float) -> [Float] {
        var values = [Float](repeating: 0, count: sliceCount)
        for (j, c) in range.enumerated() {
            let value = perChannel(c)
            for i in 0..<plane { values[j * plane + i] = value }
        }
        return values
    }

    /// Runs `pass(image, per-float sums, per-float second sums)` over every image, returning the
    /// two sums per channel of the range, added up in double.
    private func summed(_ pass: (_ n: Int, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void)
        -> (first: [Double], second: [Double]) {
        var first = [Double](repeating: 0, count: range.count), second = first
        var a = [Float](repeating: 0, count: sliceCount), b = a
        a.withUnsafeMutableBufferPointer { a in
            b.withUnsafeMutableBufferPointer { b in
                for start in stride(from: 0, to: batch, by: BatchNormPlanes.flushEvery) {
                    for n in start..<Swift.min(batch, start + BatchNormPlanes.flushEvery) { pass(n, a.baseAddress!, b.baseAddress!) }
                    for j in 0..<range.count {
                        var s: Double = 0, q: Double = 0
                        for i in (j * plane)..<((j + 1) * plane) { s += Double(a[i]); q += Double(b[i]); a[i] = 0; b[i] = 0 }
                        first[j] += s; second[j] += q
                    }
                }
            }
        }
        return (first, second)
    }

    /// Σ(x − K) and Σ(x − K)² per channel of the range, K the channel's first value (as the general pass).
    func shiftedSumsPerChannel(x: UnsafePointer<Float>) -> (sums: [Double], squares: [Double]) {
        let shifts = expanded { x[$0 * plane] }
        let (sums, squares) = summed { n, sums, squares in fovea_batch_norm_slice_sums(x + slice(n), shifts, sliceCount, sums, squares) }
        return (sums, squares)
    }

    /// y = clamp((x − mean)·γ/σ + β (+ r)), image by image.
    func normalise(x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
                   mean: [Float], scale: [Float], shift: UnsafePointer<Float>, activation: FusedActivation) {
        let means = expanded { mean[$0] }, scales = expanded { scale[$0] }, shifts = expanded { shift[$0] }
        for n in 0..<batch {
            let start = slice(n)
            fovea_batch_norm_slice_normalise(x + start, y + start, residual.map { $0 + start }, sliceCount, means, scales, shifts,
                                             activation.floor, activation.ceiling)
        }
    }

    /// Σdy and Σdy·(x − mean) per channel of the range, dy masked by `activation` into `masked` first.
    func gradientSums(dy: UnsafePointer<Float>, output: UnsafePointer<Float>, masked: UnsafeMutablePointer<Float>,
                      x: UnsafePointer<Float>, mean: [Float], activation: FusedActivation) -> (sums: [Double], centered: [Double]) {
        let means = expanded { mean[$0] }, code = activation.kernelCode
        let (sums, centered) = summed { n, sums, centered in
            let start = slice(n)
            fovea_batch_norm_slice_gradient_sums(dy + start, output + start, masked + start, x + start, means, sliceCount, code,
                                                 sums, centered)
        }
        return (sums, centered)
    }

    /// Each channel's dx (`BatchNormInputGradient`), image by image.
    func inputGradient(masked: UnsafePointer<Float>, x: UnsafePointer<Float>, channelGradients: [BatchNormInputGradient],
                       into gradInput: UnsafeMutablePointer<Float>) {
        let scales = expanded { channelGradients[$0 - range.lowerBound].scale }
        let meanDys = expanded { channelGradients[$0 - range.lowerBound].meanDy }
        let means = expanded { channelGradients[$0 - range.lowerBound].mean }
        let ks = expanded { channelGradients[$0 - range.lowerBound].k }
        let centred = channelGradients.first?.training ?? true
        for n in 0..<batch {
            let start = slice(n)
            fovea_batch_norm_slice_input_gradient(masked + start, centred ? x + start : nil, gradInput + start, sliceCount,
                                                  scales, meanDys, means, ks)
        }
    }
}
