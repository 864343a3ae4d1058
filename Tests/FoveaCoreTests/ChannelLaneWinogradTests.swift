import CKernels
import FoveaCore
import FoveaTestSupport
import Testing

/// Winograd F(4×4, 3×3) with channels in the vector lanes against the float64 definition: blocks
/// of eight tiles (16×16, two per image) and of four (8×8, a 12×16 image's twelve tiles), one and
/// several 16-channel blocks each way, non-square planes, every epilogue term (bias, folded batch
/// norm, residual, clamp); the transposed convolution of dX through it; the weight gradient by its
/// adjoint; where `conv2d` picks it.
@Suite(.enabled(if: ConvolutionKernel(geometry: WindowGeometry(channels: 16, height: 4, width: 16, kernel: (3, 3), padding: (1, 1, 1, 1)),
                                      batch: 2, outChannels: 16, groups: 1).canRunChannelLaneWinograd, "needs AVX-512"))
struct ChannelLaneWinogradTests {
    typealias Case = PanelConvolutionTests.Case

    static let cases: [Case] = [
        Case(batch: 2, channels: 16, out: 16, height: 16, width: 16, kernel: (3, 3), padding: (1, 1, 1, 1)),  // 16 tiles: 2 blocks of 8
        Case(batch: 3, channels: 32, out: 16, height: 8, width: 8, kernel: (3, 3), padding: (1, 1, 1, 1)),    // 4 tiles, 2 channel blocks in
        Case(batch: 2, channels: 16, out: 48, height: 12, width: 16, kernel: (3, 3), padding: (1, 1, 1, 1)),  // 12 tiles: 3 blocks of 4
        Case(batch: 1, channels: 16, out: 32, height: 4, width: 16, kernel: (3, 3), padding: (1, 1, 1, 1)),   // one tile row, one image
        Case(batch: 2, channels: 48, out: 32, height: 8, width: 32, kernel: (3, 3), padding: (1, 1, 1, 1)),   // rows of 32: two transposes
        // One image, the threads sharing it: 3 blocks of 8 tiles (each thread padding only the rows
        // its tiles read), 2 blocks, and one block whose 3 groups of 16 outputs are shared instead.
        Case(batch: 1, channels: 16, out: 16, height: 24, width: 16, kernel: (3, 3), padding: (1, 1, 1, 1)),
        Case(batch: 1, channels: 32, out: 16, height: 32, width: 8, kernel: (3, 3), padding: (1, 1, 1, 1)),
        Case(batch: 1, channels: 16, out: 48, height: 8, width: 8, kernel: (3, 3), padding: (1, 1, 1, 1)),
    ]

    /// F(4×4)'s transforms cost rounding (up to 8 in Aᵀ): 1.0–2.4 · 10⁻⁵ of the largest output here
    /// (the ReLU6 case clamps the outputs, not the sums), where the direct sums stay under 10⁻⁵.
    @Test(arguments: cases) func matchesTheDefinitionWithTheWholeEpilogue(c: Case) {
        PanelConvolutionTests.expectMatchesTheDefinition(c, tolerance: 5e-5) { kernel, x, w, epilogue, y in
            #expect(kernel.canRunChannelLaneWinograd)
            kernel.forwardByChannelLaneWinograd(input: x, weight: w, epilogue: epilogue, output: y)
        }
    }

    /// Where `conv2d` picks it: a 512-bit unit run in halves (Zen 4, where saving multiplies pays
    /// most; BENCHMARKS.md), at least one image per thread (or the weight's transforms kept), "same" 3×3 stride 1, whole 16-channel
    /// blocks, whole blocks of 4 tiles, and transformed weights of at most 9 MB (256 × 256).
    @Test func selectionPolicy() {
        let threads = ThreadPool.shared.threadCount
        func kernel(batch: Int = 2 * threads, channels: Int = 16, out: Int = 16, size: Int = 32, padding: Int = 1,
                    stride: Int = 1) -> ConvolutionKernel {
            let g = WindowGeometry(channels: channels, height: size, width: size, kernel: (3, 3), stride: (stride, stride),
                                   padding: (padding, padding, padding, padding))
            return ConvolutionKernel(geometry: g, batch: batch, outChannels: out, groups: 1)
        }
        let picked = ConvolutionKernel.wideTilesRunInHalves
        #expect(kernel().runsChannelLaneWinograd == picked)                                   // ResNet-20's stage 1
        #expect(kernel(channels: 32, out: 32, size: 16).runsChannelLaneWinograd == picked)    // stage 2
        #expect(kernel(channels: 64, out: 64, size: 8).runsChannelLaneWinograd == picked)     // stage 3
        #expect(kernel(channels: 128, out: 128, size: 16).runsChannelLaneWinograd == picked)  // 2.25 MB of U
        if picked { #expect(kernel().forwardKernelName == "channel-lane Winograd 4×4") }
        #expect(kernel(channels: 256, out: 256, size: 8).runsChannelLaneWinograd == picked)   // 9 MB of U
        #expect(!kernel(channels: 512, out: 512, size: 8).runsChannelLaneWinograd)            // 36 MB
        #expect(!kernel(batch: threads - 1).runsChannelLaneWinograd)
        #expect(kernel(batch: 1).runsChannelLaneWinogradWithWeightsKept == picked)            // one image, transforms kept
        #expect(!kernel(channels: 3).runsChannelLaneWinograd)                                 // the stem
        #expect(!kernel(channels: 24, out: 24).runsChannelLaneWinograd)
        #expect(!kernel(padding: 0).runsChannelLaneWinograd)
        #expect(!kernel(stride: 2).runsChannelLaneWinograd)
        #expect(!kernel(size: 6).runsChannelLaneWinograd)                                     // 6×6: not whole tiles
        #expect(!kernel(size: 4).runsChannelLaneWinograd)                                     // one tile: no block of 4
    }

    /// dW[k, c, i, j] = Σ_n Σ_yx dY[n, k, y, x] · X[n, c, y + i − 1, x + j − 1], in float64.
    static func definitionWeightGradient(x: Tensor, dy: Tensor) -> [Double] {
        let (n, c, h, w, k) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3], dy.shape[1])
        let xs = x.scalars.map(Double.init), dys = dy.scalars.map(Double.init)
        var out = [Double](repeating: 0, count: k * c * 9)
        for image in 0..<n { for o in 0..<k { for y in 0..<h { for xx in 0..<w {
            let gradient = dys[((image * k + o) * h + y) * w + xx]
            for ch in 0..<c { for i in 0..<3 { for j in 0..<3 {
                let iy = y + i - 1, ix = xx + j - 1
                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                out[((o * c + ch) * 3 + i) * 3 + j] += gradient * xs[((image * c + ch) * h + iy) * w + ix]
            } } }
        } } } }
        return out
    }

    /// The weight gradient in Winograd's domain (the forward's adjoint, dU summed per thread, then
    /// dW = Gᵀ dU G): blocks of four tiles over three images (the threads' shares uneven), blocks of
    /// eight, several channel blocks each way, non-square planes, and one image (a thread's sums
    /// never taken, left out of the total).
    @Test(arguments: [(3, 16, 32, 8, 8), (2, 32, 16, 16, 16), (2, 16, 48, 12, 16), (5, 48, 16, 4, 16), (1, 16, 16, 8, 8)])
    func weightGradientMatchesTheDefinition(shape: (batch: Int, channels: Int, out: Int, height: Int, width: Int)) {
        let g = WindowGeometry(channels: shape.channels, height: shape.height, width: shape.width, kernel: (3, 3), padding: (1, 1, 1, 1))
        let kernel = ConvolutionKernel(geometry: g, batch: shape.batch, outChannels: shape.out, groups: 1)
        #expect(kernel.canRunChannelLaneWinograd)
        let x = randomTensor([shape.batch, shape.channels, shape.height, shape.width], seed: 430)
        let dy = randomTensor([shape.batch, shape.out, shape.height, shape.width], seed: 431)
        let dw = Tensor(repeating: .nan, shape: [shape.out, shape.channels, 3, 3])
        withExtendedLifetime((x, dy)) {
            kernel.weightGradientByChannelLaneWinograd(input: x.pointer, outputGrad: dy.pointer, into: dw.pointer)
        }
        #expect(peakRelativeError(dw.scalars, Self.definitionWeightGradient(x: x, dy: dy)) < 1e-5)
    }

    /// conv2d's backward takes it for dW where the forward takes it (with the ReLU's mask on dY first).
    @Test func conv2dBackwardUsesItForTheWeightGradient() throws {
        let threads = ThreadPool.shared.threadCount
        let (n, c, o, size) = (2 * threads, 16, 32, 8)
        let g = WindowGeometry(channels: c, height: size, width: size, kernel: (3, 3), padding: (1, 1, 1, 1))
        #expect(ConvolutionKernel(geometry: g, batch: n, outChannels: o, groups: 1).weightGradientRunsChannelLaneWinograd
                == ConvolutionKernel.wideTilesRunInHalves)
        let x = randomTensor([n, c, size, size], seed: 440), w = randomTensor([o, c, 3, 3], seed: 441, scale: 0.1).requiringGrad()
        let probe = randomTensor([n, o, size, size], seed: 442)
        let y = x.conv2d(weight: w, bias: nil, padding: (1, 1, 1, 1), activation: .relu)
        (y * probe).sum().backward()
        let masked = try Tensor(zip(y.scalars, probe.scalars).map { $0 > 0 ? $1 : 0 }, shape: probe.shape)
        #expect(peakRelativeError(w.grad!.scalars, Self.definitionWeightGradient(x: x, dy: masked)) < 1e-5)
    }

    /// dX of a "same" convolution is the transposed convolution (channels swapped, weights flipped),
    /// which runs through it too: against Σ_o Σ_ij dY[o, y − i + 1, x − j + 1] · w[o, c, i, j].
    @Test func inputGradientThroughItMatchesTheDefinition() {
        let (n, c, o, h, wd) = (2, 32, 16, 8, 16)
        // The transposed convolution backward runs: dY's o channels in, c out.
        let transposed = ConvolutionKernel(geometry: WindowGeometry(channels: o, height: h, width: wd, kernel: (3, 3), padding: (1, 1, 1, 1)),
                                           batch: n, outChannels: c, groups: 1)
        #expect(transposed.runsChannelLaneWinograd == ConvolutionKernel.wideTilesRunInHalves)
        let x = randomTensor([n, c, h, wd], seed: 420).requiringGrad(), w = randomTensor([o, c, 3, 3], seed: 421, scale: 0.1)
        let probe = randomTensor([n, o, h, wd], seed: 422)
        (x.conv2d(weight: w, bias: nil, padding: (1, 1, 1, 1)) * probe).sum().backward()
        var expected = [Double](repeating: 0, count: n * c * h * wd)
        for image in 0..<n { for k in 0..<o { for y in 0..<h { for xx in 0..<wd {
            let gradient = Double(probe[flat: ((image * o + k) * h + y) * wd + xx])
            for ch in 0..<c { for i in 0..<3 { for j in 0..<3 {
                let iy = y - 1 + i, ix = xx - 1 + j
                guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                expected[((image * c + ch) * h + iy) * wd + ix] += gradient * Double(w[flat: ((k * c + ch) * 3 + i) * 3 + j])
            } } }
        } } } }
        #expect(peakRelativeError(x.grad!.scalars, expected) < 1e-5)
    }
}
