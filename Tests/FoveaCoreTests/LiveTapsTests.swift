import CKernels
import FoveaCore
import FoveaTestSupport
import Testing

/// Convolutions whose windows read the image through some taps only (`LiveTaps`): the cropped
/// geometry, and conv2d's results and gradients against the float64 definition over the whole
/// kernel, where the crop runs (a batch big enough to pay for it).
@Suite struct LiveTapsTests {
    struct Case: CustomStringConvertible, Sendable {
        let batch, channels, out, size, kernel, stride, padding, dilation, groups: Int
        let rows: Range<Int>?
        var geometry: WindowGeometry {
            WindowGeometry(channels: channels / groups, height: size, width: size, kernel: (kernel, kernel),
                           stride: (stride, stride), padding: (padding, padding, padding, padding), dilation: (dilation, dilation))
        }
        var description: String { "\(batch)×\(channels)×\(size)² \(kernel)×\(kernel)/s\(stride)/p\(padding)/d\(dilation)/g\(groups)" }
    }

    static let cases: [Case] = [
        // ResNet-18's layer 4 on 32×32 inputs: 3×3 on a 1×1 plane reads only the centre (pointwise).
        Case(batch: 20, channels: 5, out: 4, size: 1, kernel: 3, stride: 1, padding: 1, dilation: 1, groups: 1, rows: 1..<2),
        // Its stride-2 entry on 2×2: the first row and column of taps land above and left of the image.
        Case(batch: 32, channels: 3, out: 6, size: 2, kernel: 3, stride: 2, padding: 1, dilation: 1, groups: 1, rows: 1..<3),
        // 5×5 with padding 2 on 2×2: a 3×3 window with padding 1 is left.
        Case(batch: 20, channels: 2, out: 3, size: 2, kernel: 5, stride: 1, padding: 2, dilation: 1, groups: 1, rows: 1..<4),
        // Depthwise (MobileNetV2, EfficientNet) on a 1×1 plane, and a grouped one with dilation.
        Case(batch: 24, channels: 6, out: 6, size: 1, kernel: 3, stride: 1, padding: 1, dilation: 1, groups: 6, rows: 1..<2),
        Case(batch: 20, channels: 4, out: 4, size: 2, kernel: 3, stride: 1, padding: 2, dilation: 2, groups: 2, rows: 1..<2),
    ]

    @Test(arguments: cases) func croppedGeometryKeepsTheOutputAndTheTapsThatRead(c: Case) {
        #expect(ConvolutionKernel.cropPaysOff(c.geometry, batch: c.batch, backward: true))
        let live = c.geometry.croppedToLiveTaps
        #expect(live?.rows == c.rows && live?.columns == c.rows)
        #expect(live?.geometry.outputHeight == c.geometry.outputHeight && live?.geometry.outputWidth == c.geometry.outputWidth)
    }

    @Test func everyTapLiveLeavesTheWindowAlone() {
        let same = WindowGeometry(channels: 4, height: 8, width: 8, kernel: (3, 3), padding: (1, 1, 1, 1))
        #expect(same.croppedToLiveTaps == nil)
        // On 2×2 each tap of a 3×3 "same" window reads the image for one output or another.
        let small = WindowGeometry(channels: 4, height: 2, width: 2, kernel: (3, 3), padding: (1, 1, 1, 1))
        #expect(small.croppedToLiveTaps == nil)
        // Only the padding is read (stride 5 lands outside): the output is the bias, left as it is.
        let none = WindowGeometry(channels: 1, height: 1, width: 1, kernel: (1, 1), stride: (5, 5), padding: (2, 2, 2, 2))
        #expect(none.croppedToLiveTaps == nil)
    }

    /// conv2d on the cropped window, forward and all three gradients, against the definition on
    /// the whole kernel (taps that land in the padding contribute nothing, and get zero gradient).
    @Test(arguments: cases) func conv2dMatchesTheWholeKernelsDefinition(c: Case) {
        let g = c.geometry, inPerGroup = c.channels / c.groups, outPerGroup = c.out / c.groups
        let (oh, ow) = (g.outputHeight, g.outputWidth)
        let x = randomTensor([c.batch, c.channels, c.size, c.size], seed: 70).requiringGrad()
        let w = randomTensor([c.out, inPerGroup, c.kernel, c.kernel], seed: 71).requiringGrad()
        let b = randomTensor([c.out], seed: 72).requiringGrad()
        let probe = randomTensor([c.batch, c.out, oh, ow], seed: 73)
        let y = x.conv2d(weight: w, bias: b, stride: (c.stride, c.stride), padding: (c.padding, c.padding, c.padding, c.padding),
                         dilation: (c.dilation, c.dilation), groups: c.groups)
        (y * probe).sum().backward()
        var expectedY = [Double](repeating: 0, count: y.count), dX = [Double](repeating: 0, count: x.count)
        var dW = [Double](repeating: 0, count: w.count), dB = [Double](repeating: 0, count: c.out)
        let (xs, ws, ps) = (x.scalars, w.scalars, probe.scalars)
        for n in 0..<c.batch {
            for o in 0..<c.out {
                let group = o / outPerGroup
                for i in 0..<oh {
                    for j in 0..<ow {
                        let yIndex = ((n * c.out + o) * oh + i) * ow + j
                        expectedY[yIndex] += Double(b.scalars[o])
                        dB[o] += Double(ps[yIndex])
                        for k in 0..<inPerGroup {
                            for u in 0..<c.kernel {
                                for v in 0..<c.kernel {
                                    let row = i * c.stride + u * c.dilation - c.padding, column = j * c.stride + v * c.dilation - c.padding
                                    guard (0..<c.size).contains(row), (0..<c.size).contains(column) else { continue }
                                    let xIndex = ((n * c.channels + group * inPerGroup + k) * c.size + row) * c.size + column
                                    let wIndex = ((o * inPerGroup + k) * c.kernel + u) * c.kernel + v
                                    expectedY[yIndex] += Double(xs[xIndex]) * Double(ws[wIndex])
                                    dX[xIndex] += Double(ps[yIndex]) * Double(ws[wIndex])
                                    dW[wIndex] += Double(ps[yIndex]) * Double(xs[xIndex])
                                }
                            }
                        }
                    }
                }
            }
        }
        #expect(peakRelativeError(y.scalars, expectedY) < 1e-5)
        #expect(peakRelativeError(x.grad!.scalars, dX) < 1e-5)
        #expect(peakRelativeError(w.grad!.scalars, dW) < 1e-5)
        #expect(peakRelativeError(b.grad!.scalars, dB) < 1e-5)
        // The dead taps' gradient is exactly zero, as the definition says.
        let live = g.croppedToLiveTaps!
        for (index, value) in w.grad!.scalars.enumerated() {
            let (u, v) = ((index / c.kernel) % c.kernel, index % c.kernel)
            if !live.rows.contains(u) || !live.columns.contains(v) { #expect(value == 0) }
        }
    }

    /// The folded inference path crops the same way, and agrees with conv2d + batch norm.
    @Test func foldedBatchNormCropsToo() {
        let x = randomTensor([32, 8, 1, 1], seed: 80), w = randomTensor([6, 8, 3, 3], seed: 81)
        let gamma = randomTensor([6], seed: 82), beta = randomTensor([6], seed: 83), mean = randomTensor([6], seed: 84)
        let variance = randomTensor([6], seed: 85).mapValues { $0 * $0 + 0.1 }
        let folded = x.conv2dBatchNormInference(weight: w, bias: nil, padding: (1, 1, 1, 1), normWeight: gamma, normBias: beta,
                                                runningMean: mean, runningVariance: variance, epsilon: 1e-5, activation: .relu)
        let separate = x.conv2d(weight: w, bias: nil, padding: (1, 1, 1, 1))
            .batchNorm2d(weight: gamma, bias: beta, runningMean: mean, runningVariance: variance, training: false).relu()
        // Against the centre taps alone, in float64.
        var centre = [Double](repeating: 0, count: 32 * 6)
        for n in 0..<32 {
            for o in 0..<6 {
                var sum = 0.0
                for k in 0..<8 { sum += Double(x.scalars[n * 8 + k]) * Double(w.scalars[(o * 8 + k) * 9 + 4]) }
                let scale = Double(gamma.scalars[o]) / (Double(variance.scalars[o]) + 1e-5).squareRoot()
                centre[n * 6 + o] = Swift.max(0, (sum - Double(mean.scalars[o])) * scale + Double(beta.scalars[o]))
            }
        }
        #expect(peakRelativeError(folded.scalars, centre) < 1e-5)
        #expect(peakRelativeError(separate.scalars, centre) < 1e-5)
    }

    /// One image on a 1×1 plane would copy the weights for fewer FLOPs than the copy costs: no crop;
    /// without a backward pass, only crops that leave at most a quarter of the taps.
    @Test func aSingleImageKeepsTheWholeKernel() {
        let g = WindowGeometry(channels: 512, height: 1, width: 1, kernel: (3, 3), padding: (1, 1, 1, 1))
        #expect(g.croppedToLiveTaps != nil)
        #expect(!ConvolutionKernel.cropPaysOff(g, batch: 1, backward: true))
        #expect(ConvolutionKernel.cropPaysOff(g, batch: 64, backward: true) && ConvolutionKernel.cropPaysOff(g, batch: 64, backward: false))
        // Keeping 4 taps of 9 pays only with a backward pass to share the copy.
        let entry = WindowGeometry(channels: 256, height: 2, width: 2, kernel: (3, 3), stride: (2, 2), padding: (1, 1, 1, 1))
        #expect(ConvolutionKernel.cropPaysOff(entry, batch: 64, backward: true) && !ConvolutionKernel.cropPaysOff(entry, batch: 64, backward: false))
    }

    /// The crop and its gradient on a weight big enough to be split between the threads and, in
    /// the gradient, zeroed in several blocks: every tap checked, both for one kept tap and a 2×2 block.
    @Test(arguments: [(1..<2, 1..<2), (0..<2, 1..<3)]) func croppedKernelCopiesTheTapsAndPutsTheGradientBack(
        rows: Range<Int>, columns: Range<Int>) {
        let w = randomTensor([256, 130, 3, 3], seed: 95).requiringGrad()
        let cropped = w.croppedKernel(rows: rows, columns: columns)
        #expect(cropped.shape == [256, 130, rows.count, columns.count])
        let probe = randomTensor(cropped.shape, seed: 96)
        (cropped * probe).sum().backward()
        let (ws, cs, ps, grad) = (w.scalars, cropped.scalars, probe.scalars, w.grad!.scalars)
        var copied = 0, gradientsRight = 0
        for f in 0..<(256 * 130) {
            for u in 0..<3 {
                for v in 0..<3 {
                    let index = f * 9 + u * 3 + v
                    guard rows.contains(u), columns.contains(v) else {
                        if grad[index] == 0 { gradientsRight += 1 }
                        continue
                    }
                    let kept = (f * rows.count + u - rows.lowerBound) * columns.count + v - columns.lowerBound
                    if cs[kept] == ws[index] { copied += 1 }
                    if grad[index] == ps[kept] { gradientsRight += 1 }
                }
            }
        }
        #expect(copied == cropped.count)
        #expect(gradientsRight == w.count)
        // The gradient's kernel on a target full of NaN (fresh memory reads as zero, which would hide
        // a tap it leaves unwritten): every tap written, the kept ones with the cropped values.
        let expanded = Tensor(repeating: .nan, shape: w.shape)
        fovea_expand_taps(probe.pointer, 256 * 130, 3, 3, Int32(rows.lowerBound), Int32(rows.count), Int32(columns.lowerBound),
                          Int32(columns.count), expanded.pointer)
        #expect(zip(expanded.scalars, grad).allSatisfy { $0 == $1 })
    }

    @Test func finiteDifferenceGradientsThroughTheCrop() {
        let x = randomTensor([20, 2, 1, 1], seed: 90), w = randomTensor([3, 2, 3, 3], seed: 91), b = randomTensor([3], seed: 92)
        let mismatch = gradientMismatch([x, w, b]) { $0[0].conv2d(weight: $0[1], bias: $0[2], padding: (1, 1, 1, 1)) }
        #expect(mismatch == nil, "\(mismatch ?? "")")
    }
}
