import CKernels
import FoveaCore
import FoveaTestSupport
import Testing

/// Convolution → 2×2 max pool as one op, against `conv2d` then `maxPool2d` (the same convolution
/// kernel and the same pool run in both, so to float rounding at most): the direct and
/// channel-vector kernels pooling each image from their threads' buffers (valid and padded
/// inputs, odd output sizes whose last row and column the pool drops), the direct kernel's
/// threads each pooling their rows of one image, and the kernels that run the two one after the
/// other (Winograd, the panels, channel vectors on one image, grouped and depthwise convolutions).
@Suite struct PooledConvolutionTests {
    typealias Case = PanelConvolutionTests.Case

    static let cases: [Case] = [
        Case(batch: 4, channels: 3, out: 32, height: 32, width: 32, kernel: (3, 3)),                          // keras-cifar-cnn conv2d
        Case(batch: 5, channels: 32, out: 64, height: 15, width: 15, kernel: (3, 3)),                         // conv2d_1: 13 → 6
        Case(batch: 4, channels: 1, out: 6, height: 28, width: 28, kernel: (5, 5), padding: (2, 2, 2, 2)),    // LeNet-5
        Case(batch: 4, channels: 6, out: 16, height: 14, width: 14, kernel: (5, 5)),
        Case(batch: 4, channels: 32, out: 64, height: 13, width: 13, kernel: (3, 3), padding: (1, 1, 1, 1)),  // padded, 13 → 6
        Case(batch: 2, channels: 64, out: 64, height: 16, width: 16, kernel: (3, 3), padding: (1, 1, 1, 1)),  // Winograd
        Case(batch: 4, channels: 64, out: 64, height: 9, width: 9, kernel: (3, 3), padding: (1, 1, 1, 1)),
        Case(batch: 1, channels: 3, out: 8, height: 11, width: 10, kernel: (3, 3), padding: (1, 1, 1, 1)),    // one image
        Case(batch: 1, channels: 3, out: 32, height: 32, width: 32, kernel: (3, 3)),                          // rows shared
        Case(batch: 1, channels: 3, out: 16, height: 29, width: 27, kernel: (3, 3), padding: (1, 1, 1, 1)),   // 14 pairs + 1
        Case(batch: 1, channels: 1, out: 6, height: 28, width: 28, kernel: (5, 5), padding: (2, 2, 2, 2)),
        // Grouped and depthwise (conv then pool, and their own backward paths).
        Case(batch: 3, channels: 4, out: 6, height: 9, width: 9, kernel: (3, 3), padding: (1, 1, 1, 1), groups: 2),
        Case(batch: 3, channels: 8, out: 8, height: 10, width: 10, kernel: (3, 3), padding: (1, 1, 1, 1), groups: 8),
        Case(batch: 2, channels: 4, out: 6, height: 9, width: 11, kernel: (3, 3), stride: (2, 2), padding: (1, 1, 1, 1)),
        // Few images through the pooled channel-vector tiles (inference, AVX-512), their pooled rows shared.
        Case(batch: 1, channels: 32, out: 64, height: 15, width: 15, kernel: (3, 3)),                         // conv2d_1, one image
        Case(batch: 2, channels: 16, out: 64, height: 13, width: 13, kernel: (3, 3), padding: (1, 1, 1, 1)),  // padded, 13 → 6
        // Gradients from the pooled windows (AVX-512): 5×5 at stride 2, and 80 channels (a pass of 64 and one of 16).
        Case(batch: 2, channels: 16, out: 64, height: 11, width: 13, kernel: (5, 5), stride: (2, 2), padding: (2, 2, 2, 2)),
        Case(batch: 2, channels: 80, out: 64, height: 6, width: 6, kernel: (3, 3), padding: (1, 1, 1, 1)),
        // Both from the windows with strides (2, 1) and dilation 2 (the taps' rows and the corners).
        Case(batch: 2, channels: 16, out: 64, height: 13, width: 12, kernel: (3, 3), stride: (2, 1), padding: (2, 2, 2, 2),
             dilation: (2, 2)),
    ]

    @Test(arguments: cases) func pooledEqualsConvolutionThenPool(c: Case) {
        let x = randomTensor([c.batch, c.channels, c.height, c.width], seed: 1)
        let w = randomTensor([c.out, c.channels / c.groups, c.kernel.0, c.kernel.1], seed: 2, scale: 0.3)
        let b = randomTensor([c.out], seed: 3)
        for activation in [FusedActivation.none, .relu] {
            let separate = x.conv2d(weight: w, bias: b, stride: c.stride, padding: c.padding, groups: c.groups, activation: activation)
                .maxPool2d(kernel: (2, 2))
            let pooled = x.conv2dMaxPooled(weight: w, bias: b, stride: c.stride, padding: c.padding, groups: c.groups, activation: activation)
            #expect(pooled.shape == separate.shape)
            // Float for float unless another test changes the thread count between the two (the
            // kernels then pick other paths); a wrong window or offset is off by far more.
            #expect(peakRelativeError(pooled.scalars, separate.scalars.map(Double.init)) < 1e-6, "\(c.testDescription), \(activation)")
        }
    }

    /// A NaN in the input makes NaN every pooled window that reads it, fused or not: inputs with a
    /// NaN where the last output it reaches is a window's first cell (the in-register pools take
    /// the maximum pairwise, and a plain vector max would drop a NaN in its first operand), and
    /// one where it is a window's last.
    @Test(arguments: [0, 1, 3, 4, 8, 10, 14, 15]) func pooledKeepsNaN(index: Int) throws {
        let c = PooledConvolutionTests.cases[index]
        var x = randomTensor([c.batch, c.channels, c.height, c.width], seed: 8).scalars
        let w = randomTensor([c.out, c.channels, c.kernel.0, c.kernel.1], seed: 9, scale: 0.3)
        let b = randomTensor([c.out], seed: 10)
        // Output (i, j) reads input rows i − top … i − top + kh − 1: the NaN at input (r, r) reaches
        // outputs up to (r + top, r + left); even there it is the first cell of a window.
        let reach = c.kernel.0 - 1
        for (image, r) in [(0, 6 - c.padding.0), (c.batch - 1, 5 - c.padding.0 + reach)] {
            x[((image * c.channels + c.channels - 1) * c.height + r) * c.width + r] = .nan
        }
        let input = try Tensor(x, shape: [c.batch, c.channels, c.height, c.width])
        for activation in [FusedActivation.none, .relu] {
            let separate = input.conv2d(weight: w, bias: b, padding: c.padding, activation: activation).maxPool2d(kernel: (2, 2))
            let pooled = input.conv2dMaxPooled(weight: w, bias: b, padding: c.padding, activation: activation)
            let nans = pooled.scalars.filter(\.isNaN).count
            #expect(nans > 0 && nans == separate.scalars.filter(\.isNaN).count, "\(c.testDescription), \(activation)")
            #expect(peakRelativeError(pooled.scalars, separate.scalars.map(Double.init)) < 1e-6, "\(c.testDescription), \(activation)")
        }
    }

    /// The winners `forwardMaxPooled` keeps for the gradient, cell for cell, against the
    /// convolution's whole output pooled by `fovea_max_pool_halving`: after a ReLU about one
    /// window in sixteen is four zeros (a tie: the first cell wins), and NaNs placed as in
    /// `pooledKeepsNaN` (the first NaN wins). Pooling in registers, the tiles must pick the winner
    /// among the clamped values, not the maximum before the clamp.
    @Test(arguments: [0, 1, 2, 3, 4, 8, 9, 14, 15]) func winnersMatchThePool(index: Int) {
        let c = PooledConvolutionTests.cases[index]
        var x = randomTensor([c.batch, c.channels, c.height, c.width], seed: 11).scalars
        let reach = c.kernel.0 - 1
        for (image, r) in [(0, 6 - c.padding.0), (c.batch - 1, 5 - c.padding.0 + reach)] {
            x[((image * c.channels) * c.height + r) * c.width + r] = .nan
        }
        let w = randomTensor([c.out, c.channels, c.kernel.0, c.kernel.1], seed: 12, scale: 0.3)
        let b = randomTensor([c.out], seed: 13)
        let g = WindowGeometry(channels: c.channels, height: c.height, width: c.width, kernel: c.kernel, stride: c.stride, padding: c.padding)
        for activation in [FusedActivation.relu, .relu6] {
            let kernel = ConvolutionKernel(geometry: g, batch: c.batch, outChannels: c.out, groups: 1, activation: activation)
            let epilogue = ConvolutionEpilogue(bias: b.pointer, activation: activation)
            let planes = c.batch * c.out, pooledCount = planes * (g.outputHeight / 2) * (g.outputWidth / 2)
            let whole = TensorStorage(uninitializedCount: planes * g.outputHeight * g.outputWidth)
            let (expected, fused) = (TensorStorage(uninitializedCount: pooledCount), TensorStorage(uninitializedCount: pooledCount))
            var expectedWinners = [Int32](repeating: -1, count: pooledCount), fusedWinners = [Int32](repeating: -1, count: pooledCount)
            x.withUnsafeBufferPointer { input in
                kernel.forward(input: input.baseAddress!, weight: w.pointer, epilogue: epilogue, output: whole.pointer)
                fovea_max_pool_halving(whole.pointer, Int32(g.outputHeight), Int32(g.outputWidth), 0, Int32(planes), expected.pointer,
                                       &expectedWinners)
                kernel.forwardMaxPooled(input: input.baseAddress!, weight: w.pointer, epilogue: epilogue, output: fused.pointer,
                                        winners: &fusedWinners)
            }
            let mismatches = zip(expectedWinners, fusedWinners).filter { $0 != $1 }.count
            #expect(mismatches == 0, "\(c.testDescription), \(activation): \(mismatches) of \(pooledCount) winners differ")
            let values = (0..<pooledCount).map { fused.pointer[$0] }
            #expect(peakRelativeError(values, (0..<pooledCount).map { Double(expected.pointer[$0]) }) < 1e-6)
            #expect(values.contains(where: \.isNaN) && values.contains(0), "\(c.testDescription): no NaN or no zero window")
        }
    }

    /// The gradients (input, weight, bias) against `conv2d` then `maxPool2d`'s: the mask applied to
    /// the pooled gradient instead of to dY. To float rounding: the bias sums, and some
    /// weight-gradient paths, add in another order.
    /// With the input's gradient and without it (a first layer: with AVX-512, a 3×3 layer's dW then
    /// comes from the pooled gradient itself, and dY's planes are never written).
    @Test(arguments: cases) func gradientsEqualConvolutionThenPool(c: Case) {
        let x = randomTensor([c.batch, c.channels, c.height, c.width], seed: 4)
        let w = randomTensor([c.out, c.channels / c.groups, c.kernel.0, c.kernel.1], seed: 5, scale: 0.3)
        let b = randomTensor([c.out], seed: 6)
        let seed = randomTensor([c.batch, c.out, 1, 1], seed: 7)
        for activation in [FusedActivation.none, .relu, .relu6] {
            for inputGradient in [true, false] {
                func gradients(fused: Bool) -> [[Float]] {
                    let (wv, bv) = (w.detached().requiringGrad(), b.detached().requiringGrad())
                    let xv = inputGradient ? x.detached().requiringGrad() : x.detached()
                    let y = fused
                        ? xv.conv2dMaxPooled(weight: wv, bias: bv, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups,
                                             activation: activation)
                        : xv.conv2d(weight: wv, bias: bv, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups,
                                    activation: activation).maxPool2d(kernel: (2, 2))
                    (y * seed).sum().backward()
                    return [y.scalars, inputGradient ? xv.grad!.scalars : [], wv.grad!.scalars, bv.grad!.scalars]
                }
                let (fused, separate) = (gradients(fused: true), gradients(fused: false))
                for (name, (a, e)) in zip(["output", "dX", "dW", "db"], zip(fused, separate)) {
                    #expect(peakRelativeError(a, e.map(Double.init)) < 1e-5,
                            "\(c.testDescription), \(activation), input gradient \(inputGradient): \(name)")
                }
            }
        }
    }

    /// Which cases pool from cache (so the test above covers both ways).
    @Test func directAndChannelVectorKernelsPoolWhileInCache() {
        let threads = ThreadPool.shared.threadCount
        func kernel(_ index: Int, batch: Int) -> ConvolutionKernel {
            let c = PooledConvolutionTests.cases[index]
            let g = WindowGeometry(channels: c.channels, height: c.height, width: c.width, kernel: c.kernel, stride: c.stride,
                                   padding: c.padding)
            return ConvolutionKernel(geometry: g, batch: batch, outChannels: c.out, groups: 1)
        }
        guard kernel(0, batch: 4).canRunDirectly else { return }   // no AVX2 + FMA: every case runs unfused
        #expect(kernel(0, batch: 2 * threads).forwardKernelName == "direct")
        #expect(kernel(0, batch: 2 * threads).poolsWhileInCache)
        #expect(kernel(1, batch: 2 * threads).forwardKernelName == "channel vectors")
        #expect(kernel(1, batch: 2 * threads).poolsWhileInCache)
        // On one image the panels win the plain forward; at inference with AVX-512 the pooled channel-vector tiles take it.
        #expect(kernel(1, batch: 1).forwardKernelName == "panels")
        #expect(kernel(1, batch: 1).poolsWhileInCache == ConvolutionKernel.wideTilesAvailable)
        for index in 14...15 {
            #expect(kernel(index, batch: PooledConvolutionTests.cases[index].batch).forwardKernelName == "panels")
            #expect(kernel(index, batch: PooledConvolutionTests.cases[index].batch).poolsWhileInCache == ConvolutionKernel.wideTilesAvailable)
        }
        #expect(kernel(5, batch: 2).usesWinograd && !kernel(5, batch: 2).poolsWhileInCache)
        // Over 512 KB of weights one image stays on the panels and the pool pass (256 → 256 at 8×8).
        let large = ConvolutionKernel(geometry: WindowGeometry(channels: 256, height: 8, width: 8, kernel: (3, 3), padding: (1, 1, 1, 1)),
                                      batch: 1, outChannels: 256, groups: 1)
        #expect(large.forwardKernelName == "panels" && !large.poolsWhileInCache)
        for index in 8...10 {
            #expect(kernel(index, batch: 1).forwardKernelName == "direct")
            #expect(kernel(index, batch: 1).poolsWhileInCache)
        }
    }

    /// Where backward takes dX and dW from the pooled windows (so the gradient test above covers
    /// both ways): with AVX-512, ungrouped layers of 16 input channels or more whose padded pixel
    /// rows fit 1 MB (dX: 64 output channels or more; dW: 3×3 windows); VGG's 224 × 224 planes,
    /// LeNet-5's 6 channels, SimpleCNN's 32 outputs (dX) and grouped layers keep the kernels over
    /// dY, an RGB input's dW the outer products.
    @Test func gradientsFromPooledWindows() {
        func kernel(_ channels: Int, size: Int, groups: Int = 1) -> ConvolutionKernel {
            ConvolutionKernel(geometry: WindowGeometry(channels: channels / groups, height: size, width: size, kernel: (3, 3),
                                                       padding: (1, 1, 1, 1)),
                              batch: 4, outChannels: 64, groups: groups)
        }
        #expect(kernel(32, size: 15).inputGradientRunsOnPooledWindows == ConvolutionKernel.wideTilesAvailable)   // keras-cifar-cnn's conv2d_1
        #expect(!kernel(64, size: 224).inputGradientRunsOnPooledWindows)
        #expect(!kernel(32, size: 15, groups: 2).inputGradientRunsOnPooledWindows)
        #expect(!kernel(6, size: 14).inputGradientRunsOnPooledWindows)   // 6 input channels, as LeNet-5's second layer
        #expect(!ConvolutionKernel(geometry: WindowGeometry(channels: 32, height: 32, width: 32, kernel: (3, 3), padding: (1, 1, 1, 1)),
                                   batch: 4, outChannels: 32, groups: 1).inputGradientRunsOnPooledWindows)   // SimpleCNN's block 1
        #expect(kernel(32, size: 15).weightGradientRunsOnPooledWindows == ConvolutionKernel.wideTilesAvailable)
        #expect(kernel(16, size: 13).weightGradientRunsOnPooledWindows == ConvolutionKernel.wideTilesAvailable)
        // The test above's strided, dilated case runs through both.
        let last = PooledConvolutionTests.cases.last!
        let dilated = ConvolutionKernel(geometry: WindowGeometry(channels: last.channels, height: last.height, width: last.width,
                                                                 kernel: last.kernel, stride: last.stride, padding: last.padding,
                                                                 dilation: last.dilation),
                                        batch: last.batch, outChannels: last.out, groups: 1)
        #expect(dilated.weightGradientRunsOnPooledWindows == ConvolutionKernel.wideTilesAvailable)
        #expect(dilated.inputGradientRunsOnPooledWindows == ConvolutionKernel.wideTilesAvailable)
        #expect(!kernel(3, size: 32).weightGradientRunsOnPooledWindows)
        #expect(!kernel(64, size: 224).weightGradientRunsOnPooledWindows)
        #expect(!kernel(32, size: 15, groups: 2).weightGradientRunsOnPooledWindows)
    }
}
