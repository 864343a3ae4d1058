import CKernels
import FoveaCore
import FoveaTestSupport
import Testing

/// The 3×3 weight gradient by outer products (AVX-512) against the float64 definition, over what
/// it treats apart: one, two and three vectors of output channels per tile (16, 32, 48 and 64
/// outputs, and 7 and 40, whose last vector is partly zero lanes), one to three input channels
/// per tile with one vector (5 = 3 + 2, 4 = 3 + 1, 1), pixel counts that are no multiple of 16
/// (the transposition's last block), strides 1 and 2, "same", valid and one-sided padding,
/// blocks of images that end before a thread's share does, and one image in bands of output rows
/// (an image too large for the block budget); then `conv2d`'s backward through it,
/// with a fused ReLU, for a stride-1 layer (dX by the transposed convolution) and a strided one
/// (dX by Wᵀ · dY and col2im).
@Suite(.enabled(if: ConvolutionKernel(geometry: WindowGeometry(channels: 1, height: 3, width: 3, kernel: (3, 3)),
                                      batch: 1, outChannels: 16, groups: 1).canComputeWeightGradientByOuterProducts,
                "needs AVX-512"))
struct OuterProductWeightGradientTests {
    typealias Case = PanelConvolutionTests.Case

    static let cases: [Case] = [
        Case(batch: 3, channels: 5, out: 16, height: 8, width: 8, kernel: (3, 3), padding: (1, 1, 1, 1)),    // 1 vector, 3 + 2 channels
        Case(batch: 2, channels: 4, out: 7, height: 5, width: 9, kernel: (3, 3), padding: (1, 1, 1, 1)),     // 7 of 16 lanes, 3 + 1
        Case(batch: 2, channels: 1, out: 16, height: 6, width: 6, kernel: (3, 3)),                              // valid, one channel
        Case(batch: 3, channels: 3, out: 32, height: 7, width: 6, kernel: (3, 3), padding: (1, 1, 1, 1)),    // 2 vectors
        Case(batch: 2, channels: 2, out: 40, height: 9, width: 11, kernel: (3, 3), stride: (2, 2), padding: (1, 1, 1, 1)),  // 3, strided
        Case(batch: 2, channels: 3, out: 48, height: 6, width: 5, kernel: (3, 3), padding: (0, 2, 1, 0)),    // 3 vectors, one-sided
        Case(batch: 3, channels: 4, out: 64, height: 5, width: 5, kernel: (3, 3), stride: (1, 2), padding: (1, 1, 1, 1)),  // 3 + 1
        Case(batch: 4, channels: 6, out: 20, height: 12, width: 12, kernel: (3, 3), stride: (2, 2)),            // 2 vectors, valid
        Case(batch: 2, channels: 32, out: 64, height: 6, width: 6, kernel: (3, 3), padding: (1, 1, 1, 1)),   // dW unpacked by 2 threads
    ]

    @Test(arguments: cases) func weightGradientMatchesTheDefinition(c: Case) {
        let g = WindowGeometry(channels: c.channels, height: c.height, width: c.width, kernel: c.kernel, stride: c.stride,
                               padding: c.padding)
        let kernel = ConvolutionKernel(geometry: g, batch: c.batch, outChannels: c.out, groups: 1)
        #expect(kernel.canComputeWeightGradientByOuterProducts)
        let x = randomTensor([c.batch, c.channels, c.height, c.width], seed: 61)
        let dy = randomTensor([c.batch, c.out, g.outputHeight, g.outputWidth], seed: 62)
        let expected = DirectConvolutionTests.weightGradient(x, dy, geometry: g, outChannels: c.out)
        for (block, band) in [(nil, nil), (1, nil), (2, nil), (1, 1), (1, 2)] as [(Int?, Int?)] {
            let dw = Tensor(repeating: .nan, shape: [c.out * c.channels * 9])
            kernel.weightGradientByOuterProducts(input: x.pointer, outputGrad: dy.pointer, into: dw.pointer, imagesPerBlock: block,
                                                 rowsPerBand: band)
            #expect(peakRelativeError(dw.scalars, expected) < 1e-5,
                    "\(c), blocks of \(String(describing: block)), bands of \(String(describing: band))")
        }
    }

    /// From a 2×2 max pool's gradient and winners (`conv2dMaxPooled`'s backward) the same dW, bit
    /// for bit, as from the planes the pool's backward writes: even and odd outputs (the last row
    /// and column in no window), one and two vectors, blocks of one image and of all.
    @Test(arguments: [(3, 16, 10, 10), (2, 32, 15, 15), (3, 7, 13, 12)]) func pooledGradientMatchesItsPlanes(
        c: (batch: Int, out: Int, height: Int, width: Int)) {
        let g = WindowGeometry(channels: 3, height: c.height, width: c.width, kernel: (3, 3))
        let kernel = ConvolutionKernel(geometry: g, batch: c.batch, outChannels: c.out, groups: 1)
        let (pooledHeight, pooledWidth) = (g.outputHeight / 2, g.outputWidth / 2), planes = c.batch * c.out
        let x = randomTensor([c.batch, 3, c.height, c.width], seed: 63)
        let pooled = randomTensor([planes * pooledHeight * pooledWidth], seed: 64)
        // A winner per window, anywhere in its 2 × 2 cells.
        var generator = SeededGenerator(seed: 65)
        let winners = randomPoolWinners(planes: planes, pooledHeight: pooledHeight, pooledWidth: pooledWidth,
                                        outputWidth: g.outputWidth, using: &generator)
        let dy = Tensor(repeating: .nan, shape: [planes * g.outputHeight * g.outputWidth])
        fovea_max_pool_halving_backward(pooled.pointer, winners, Int32(g.outputHeight), Int32(g.outputWidth), 0, Int32(planes), dy.pointer)
        // The rows themselves, every float written (a NaN left would show), as the planes transposed.
        let lanes = (c.out + 15) / 16 * 16, pixels = g.outputHeight * g.outputWidth
        let rows = Tensor(repeating: .nan, shape: [pixels * lanes]), transposed = Tensor(repeating: .nan, shape: [pixels * lanes])
        fovea_pooled_gradient_to_pixel_major(pooled.pointer, winners, Int32(c.out), Int32(g.outputHeight), Int32(g.outputWidth),
                                             rows.pointer, Int32(lanes))
        fovea_transpose_to_pixel_major(dy.pointer, Int32(c.out), Int32(pixels), transposed.pointer, Int32(lanes))
        #expect(rows.scalars == transposed.scalars, "\(c): pixel-major rows")
        for block in [nil, 1] as [Int?] {
            let fromPlanes = Tensor(repeating: .nan, shape: [c.out * 27]), fromPool = Tensor(repeating: .nan, shape: [c.out * 27])
            kernel.weightGradientByOuterProducts(input: x.pointer, outputGrad: dy.pointer, into: fromPlanes.pointer, imagesPerBlock: block)
            kernel.weightGradientByOuterProducts(input: x.pointer, pooledGradient: pooled.pointer, winners: winners,
                                                 into: fromPool.pointer, imagesPerBlock: block)
            #expect(fromPool.scalars == fromPlanes.scalars, "\(c), blocks of \(String(describing: block))")
            #expect(fromPlanes.scalars.allSatisfy { $0.isFinite })
        }
    }

    /// Bands only where one image outgrows the block budget: VGG's 64 channels at 224×224 take
    /// bands of output rows whose padded rows and gradient fit it; ResNet-20's whole images.
    @Test func bandsOfRowsForLargeImages() {
        let vgg = ConvolutionKernel(geometry: WindowGeometry(channels: 64, height: 224, width: 224, kernel: (3, 3), padding: (1, 1, 1, 1)),
                                    batch: 2, outChannels: 64, groups: 1)
        #expect(vgg.weightGradientRunsOnOuterProducts != vgg.weightGradientRunsChannelLaneWinograd)   // (the latter on a Zen 4)
        let rows = vgg.outerProductRowsPerBand
        #expect(rows > 1 && rows < 224)
        #expect(rows * (64 * 226 + 224 * 64) <= 1 << 17)
        let resnet = ConvolutionKernel(geometry: WindowGeometry(channels: 16, height: 32, width: 32, kernel: (3, 3), padding: (1, 1, 1, 1)),
                                       batch: 2, outChannels: 16, groups: 1)
        #expect(resnet.outerProductRowsPerBand == 32)
    }

    /// Not where it cannot run (other windows, dilation, groups), nor where it does not win:
    /// weights over 128 × 128 channels, planes under 8×8 (BENCHMARKS.md, twenty-first session). Where
    /// 512-bit units run in halves (Zen 4), channel-lane Winograd takes the "same" 3×3 layers first.
    @Test func selectionPolicy() {
        func kernel(_ channels: Int, _ out: Int, size: Int, stride: Int = 1, window: Int = 3, dilation: Int = 1) -> ConvolutionKernel {
            ConvolutionKernel(geometry: WindowGeometry(channels: channels, height: size, width: size, kernel: (window, window),
                                                       stride: (stride, stride), padding: (1, 1, 1, 1), dilation: (dilation, dilation)),
                              batch: 8, outChannels: out, groups: 1)
        }
        let lanes = ConvolutionKernel.wideTilesRunInHalves
        #expect(kernel(16, 16, size: 32).weightGradientRunsOnOuterProducts == !lanes)   // ResNet-20's stage 1
        #expect(kernel(16, 16, size: 32).weightGradientRunsChannelLaneWinograd == lanes)
        #expect(kernel(16, 32, size: 32, stride: 2).weightGradientRunsOnOuterProducts)  // its stage 2 entry
        #expect(kernel(128, 128, size: 8).weightGradientRunsOnOuterProducts == !lanes)
        #expect(!kernel(128, 128, size: 8).weightGradientUsesWinograd)
        #expect(!kernel(256, 256, size: 8).weightGradientRunsOnOuterProducts)
        #expect(kernel(256, 256, size: 8).weightGradientUsesWinograd)
        #expect(!kernel(128, 128, size: 4).weightGradientRunsOnOuterProducts)
        #expect(!kernel(16, 16, size: 32, window: 5).canComputeWeightGradientByOuterProducts)
        #expect(!kernel(16, 16, size: 32, dilation: 2).canComputeWeightGradientByOuterProducts)
        #expect(!ConvolutionKernel(geometry: WindowGeometry(channels: 8, height: 16, width: 16, kernel: (3, 3)), batch: 2,
                                   outChannels: 16, groups: 2).canComputeWeightGradientByOuterProducts)
    }

    /// conv2d's backward through it, bias and ReLU fused: dW, the bias and dX against the float64
    /// definitions, with stride 1 (dX by the transposed convolution) and 2 (dX by col2im).
    @Test(arguments: [1, 2]) func conv2dBackwardUsesIt(stride: Int) {
        let (n, c, o, h) = (2, 5, 16, 16)
        let g = WindowGeometry(channels: c, height: h, width: h, kernel: (3, 3), stride: (stride, stride), padding: (1, 1, 1, 1))
        #expect(ConvolutionKernel(geometry: g, batch: n, outChannels: o, groups: 1).weightGradientRunsOnOuterProducts)
        DirectConvolutionTests.expectReLUBackwardMatchesTheDefinition(g, batch: n, outChannels: o, seed: 63)
    }
}
