import CKernels
import FoveaCore
import FoveaTestSupport
import Testing

/// The direct kernel (padded input read in place; AVX2, or AVX-512 strips of two output rows)
/// against the float64 definition, over what it treats apart: rows of whole 16-pixel strips, with
/// the last one overlapping the one before, rows under 16 pixels (one 8-lane vector or two, the
/// last stored masked), tiles of 1–6 output channels (7–9 split as 4 + 3, 4 + 4, 5 + 4), padding on some sides
/// only or none, vertical stride and dilation, and one image shared out by rows; and the weight
/// gradient from the same padded planes.
@Suite(.enabled(if: ConvolutionKernel(geometry: WindowGeometry(channels: 1, height: 3, width: 3, kernel: (3, 3)),
                                      batch: 1, outChannels: 1, groups: 1).canRunDirectly, "needs AVX2 and FMA"))
struct DirectConvolutionTests {
    typealias Case = PanelConvolutionTests.Case

    static let cases: [Case] = [
        Case(batch: 3, channels: 5, out: 7, height: 8, width: 8, kernel: (3, 3), padding: (1, 1, 1, 1)),     // 4 + 3 rows, 8 lanes
        Case(batch: 2, channels: 3, out: 16, height: 5, width: 3, kernel: (3, 3), padding: (1, 1, 1, 1)),    // 3 lanes, masked
        Case(batch: 2, channels: 40, out: 13, height: 6, width: 7, kernel: (3, 3), padding: (1, 1, 1, 1)),   // depth 360
        Case(batch: 3, channels: 3, out: 5, height: 10, width: 10, kernel: (5, 5)),                              // valid, 6 lanes
        Case(batch: 1, channels: 6, out: 12, height: 12, width: 12, kernel: (3, 3), padding: (2, 2, 2, 2), dilation: (2, 2)),  // 8 + 4 lanes
        Case(batch: 2, channels: 4, out: 9, height: 11, width: 37, kernel: (3, 3), stride: (2, 1), padding: (1, 1, 1, 1)),
        Case(batch: 2, channels: 3, out: 8, height: 7, width: 24, kernel: (2, 3), padding: (0, 2, 1, 0)),    // strips at 0 and 8
        Case(batch: 3, channels: 2, out: 1, height: 6, width: 30, kernel: (3, 3)),                               // strips at 0 and 12
        Case(batch: 1, channels: 16, out: 16, height: 32, width: 32, kernel: (3, 3), padding: (1, 1, 1, 1)),  // one image, by rows
        Case(batch: 2, channels: 7, out: 3, height: 5, width: 5, kernel: (1, 1), padding: (1, 1, 1, 1)),     // 1×1 with padding
        // AVX-512 (where the CPU has it): 33 channels as three tiles of 11 rows, 13 lanes stored under a mask,
        // output rows in pairs and a last one alone (5 = 2 + 2 + 1); 28 channels as two tiles of 14, 7 rows,
        // a strip moved left.
        Case(batch: 2, channels: 6, out: 33, height: 5, width: 13, kernel: (3, 3), padding: (1, 1, 1, 1)),
        Case(batch: 2, channels: 3, out: 28, height: 7, width: 18, kernel: (3, 3), padding: (1, 1, 1, 1)),
        // Strided: rows split into column phases (odd and even padded widths, left padding odd,
        // even and none), masked rows and a strip moved left, strides 2–4, dilation.
        Case(batch: 2, channels: 5, out: 7, height: 9, width: 13, kernel: (3, 3), stride: (2, 2), padding: (1, 1, 1, 1)),
        Case(batch: 2, channels: 3, out: 8, height: 12, width: 20, kernel: (7, 7), stride: (2, 2), padding: (3, 3, 3, 3)),
        Case(batch: 1, channels: 4, out: 6, height: 8, width: 37, kernel: (3, 3), stride: (2, 2)),               // 18 pixels a row
        Case(batch: 2, channels: 3, out: 5, height: 14, width: 23, kernel: (3, 3), stride: (3, 3), padding: (2, 2, 2, 2),
             dilation: (2, 2)),
        Case(batch: 1, channels: 3, out: 9, height: 40, width: 40, kernel: (11, 11), stride: (4, 4), padding: (2, 2, 2, 2)),
        Case(batch: 2, channels: 2, out: 4, height: 6, width: 35, kernel: (2, 3), stride: (1, 2), padding: (0, 1, 1, 0)),
    ]

    @Test(arguments: cases) func directMatchesTheDefinitionWithTheWholeEpilogue(c: Case) {
        PanelConvolutionTests.expectMatchesTheDefinition(c) { kernel, x, w, epilogue, y in
            #expect(kernel.canRunDirectly)
            kernel.forwardDirectly(input: x, weight: w, epilogue: epilogue, output: y)
        }
    }

    /// One image, its rows shared between the threads: each thread pads the rows its share reads
    /// into a buffer nobody cleared, which debug builds fill with NaN: a padded row, border or
    /// slack that a share reads but did not write shows as NaN in the output.
    /// Planes narrower than a vector (loads run into the next rows and planes), column phases,
    /// uneven padding, dilation, odd row counts, more rows than a share has.
    static let sharedImageCases: [Case] = [
        Case(batch: 1, channels: 3, out: 8, height: 3, width: 3, kernel: (3, 3), padding: (1, 1, 1, 1)),
        Case(batch: 1, channels: 4, out: 5, height: 7, width: 6, kernel: (3, 3), padding: (1, 1, 1, 1)),
        Case(batch: 1, channels: 5, out: 7, height: 9, width: 13, kernel: (3, 3), stride: (2, 2), padding: (1, 1, 1, 1)),
        Case(batch: 1, channels: 3, out: 4, height: 9, width: 13, kernel: (2, 3), padding: (0, 2, 1, 0)),
        Case(batch: 1, channels: 6, out: 12, height: 11, width: 12, kernel: (3, 3), padding: (2, 2, 2, 2), dilation: (2, 2)),
        Case(batch: 1, channels: 16, out: 16, height: 32, width: 32, kernel: (3, 3), padding: (1, 1, 1, 1)),
        Case(batch: 1, channels: 2, out: 3, height: 20, width: 19, kernel: (5, 5), stride: (3, 3), padding: (2, 2, 2, 2)),
    ]

    @Test(arguments: sharedImageCases) func oneImageSharedByRowsReadsOnlyRowsItsThreadWrote(c: Case) {
        let g = WindowGeometry(channels: c.channels, height: c.height, width: c.width, kernel: c.kernel, stride: c.stride,
                               padding: c.padding, dilation: c.dilation)
        let kernel = ConvolutionKernel(geometry: g, batch: 1, outChannels: c.out, groups: 1)
        let w = randomTensor([c.out, c.channels, c.kernel.0, c.kernel.1], seed: 31)
        let x = randomTensor([1, c.channels, c.height, c.width], seed: 32)
        let y = Tensor(repeating: .nan, shape: [c.out * g.outputHeight * g.outputWidth])
        withExtendedLifetime((w, x)) {
            kernel.forwardDirectly(input: x.pointer, weight: w.pointer, epilogue: ConvolutionEpilogue(), output: y.pointer)
        }
        let exact = PanelConvolutionTests.reference(c, g, x: x, w: w, epilogue: ConvolutionEpilogue())
        #expect(peakRelativeError(y.scalars, exact) < 1e-5, "\(c.testDescription)")
    }

    /// Where `conv2d` picks the direct kernel: stride 1 along the width, no groups, under 64
    /// output channels (BENCHMARKS.md, convolution-bench's direct table).
    @Test func selectionPolicy() {
        func kernel(batch: Int, channels: Int, out: Int, size: Int, stride: Int = 1, groups: Int = 1) -> ConvolutionKernel {
            let g = WindowGeometry(channels: channels / groups, height: size, width: size, kernel: (3, 3), stride: (stride, stride),
                                   padding: (1, 1, 1, 1))
            return ConvolutionKernel(geometry: g, batch: batch, outChannels: out, groups: groups)
        }
        #expect(kernel(batch: 8, channels: 16, out: 16, size: 32).runsDirectly)
        #expect(kernel(batch: 1, channels: 16, out: 16, size: 32).runsDirectly)
        #expect(!kernel(batch: 8, channels: 64, out: 64, size: 8).runsDirectly)       // the panels' shapes
        // Strided: where output rows are whole 16-pixel strips, at any width of channels.
        #expect(kernel(batch: 8, channels: 16, out: 32, size: 32, stride: 2).runsDirectly)
        #expect(kernel(batch: 8, channels: 64, out: 128, size: 32, stride: 2).runsDirectly)
        #expect(!kernel(batch: 8, channels: 32, out: 64, size: 16, stride: 2).runsDirectly)
        // Rows under a strip: the channel vectors (AVX-512, 64 channels, two images per thread), else the panels.
        let vectors = fovea_wide_tiles_available() != 0 && 8 >= 2 * ThreadPool.shared.threadCount
        #expect(kernel(batch: 8, channels: 32, out: 64, size: 16, stride: 2).forwardKernelName == (vectors ? "channel vectors" : "panels"))
        #expect(!kernel(batch: 8, channels: 16, out: 16, size: 32, stride: 5).canRunDirectly)
        #expect(!kernel(batch: 8, channels: 16, out: 16, size: 32, groups: 2).canRunDirectly)
        // One image on two threads or more (its rows shared, each thread padding its own): rows of
        // whole strips at any width of channels; strided ones on 16×16 and narrower rows keep the panels.
        guard ThreadPool.shared.threadCount >= 2 else { return }
        #expect(kernel(batch: 1, channels: 64, out: 64, size: 16).runsDirectly)
        #expect(kernel(batch: 1, channels: 128, out: 128, size: 28).runsDirectly)
        #expect(kernel(batch: 1, channels: 16, out: 32, size: 32, stride: 2).forwardKernelName == "panels")
        #expect(kernel(batch: 1, channels: 64, out: 64, size: 8).forwardKernelName == "panels")
        #expect(kernel(batch: 8, channels: 64, out: 64, size: 16).forwardKernelName != "direct")
    }

    /// The weight gradient from the padded planes (`weightGradientDirectly`): valid and padded
    /// windows, dilation, asymmetric padding, 1×1 with padding, more than 120 patch rows (two
    /// blocks of b's rows) and rows over 512 floats (two passes), in blocks of 1, 2 or all images
    /// (the last block of a share partial: stale planes behind it must not count).
    static let weightGradientCases: [Case] = [
        Case(batch: 3, channels: 5, out: 7, height: 8, width: 8, kernel: (3, 3), padding: (1, 1, 1, 1)),
        Case(batch: 3, channels: 3, out: 6, height: 10, width: 10, kernel: (5, 5)),                              // valid (LeNet)
        Case(batch: 2, channels: 6, out: 5, height: 12, width: 11, kernel: (3, 3), padding: (2, 2, 2, 2), dilation: (2, 2)),
        Case(batch: 5, channels: 4, out: 9, height: 7, width: 9, kernel: (2, 3), padding: (0, 2, 1, 0)),
        Case(batch: 4, channels: 16, out: 16, height: 16, width: 16, kernel: (3, 3), padding: (1, 1, 1, 1)),  // 612-float rows
        Case(batch: 3, channels: 14, out: 4, height: 6, width: 6, kernel: (3, 3), padding: (1, 1, 1, 1)),     // 126 patch rows
        Case(batch: 2, channels: 7, out: 3, height: 5, width: 5, kernel: (1, 1), padding: (1, 1, 1, 1)),
    ]

    @Test(arguments: weightGradientCases) func weightGradientMatchesTheDefinition(c: Case) {
        let g = WindowGeometry(channels: c.channels, height: c.height, width: c.width, kernel: c.kernel, padding: c.padding,
                               dilation: c.dilation)
        let kernel = ConvolutionKernel(geometry: g, batch: c.batch, outChannels: c.out, groups: 1)
        #expect(kernel.canComputeWeightGradientDirectly)
        let x = randomTensor([c.batch, c.channels, c.height, c.width], seed: 21)
        let dy = randomTensor([c.batch, c.out, g.outputHeight, g.outputWidth], seed: 22)
        let expected = DirectConvolutionTests.weightGradient(x, dy, geometry: g, outChannels: c.out)
        for block in [nil, 1, 2] as [Int?] {
            let dw = Tensor(repeating: .nan, shape: [c.out * c.channels * c.kernel.0 * c.kernel.1])
            kernel.weightGradientDirectly(input: x.pointer, outputGrad: dy.pointer, into: dw.pointer, imagesPerBlock: block)
            #expect(peakRelativeError(dw.scalars, expected) < 1e-5, "\(c), blocks of \(String(describing: block))")
        }
    }

    /// conv2d's backward takes it on LeNet-5's first layer (bias + ReLU fused): dW, the bias and dX
    /// against the float64 definitions.
    @Test func conv2dBackwardUsesTheDirectWeightGradient() {
        let (n, c, o, h) = (3, 1, 6, 28)
        let g = WindowGeometry(channels: c, height: h, width: h, kernel: (5, 5), padding: (2, 2, 2, 2))
        #expect(ConvolutionKernel(geometry: g, batch: n, outChannels: o, groups: 1).weightGradientRunsDirectly)
        // 64 × 288 weights and up: sgemm's blocked kernel (ProductKernels.takesRowProducts). On a
        // plane under 8×8, which the outer products (AVX-512) leave to these kernels.
        let wide = WindowGeometry(channels: 32, height: 7, width: 7, kernel: (3, 3), padding: (1, 1, 1, 1))
        #expect(!ConvolutionKernel(geometry: wide, batch: n, outChannels: 64, groups: 1).weightGradientRunsDirectly)
        #expect(ConvolutionKernel(geometry: wide, batch: n, outChannels: 32, groups: 1).weightGradientRunsDirectly)
        DirectConvolutionTests.expectReLUBackwardMatchesTheDefinition(g, batch: n, outChannels: o, seed: 23)
    }

    /// A valid convolution whose input needs a gradient too (LeNet-5's second layer), and one with
    /// padding on some sides only and dilation (output smaller than the input, neither valid nor
    /// "same"): dW from the input's windows, dX by the transposed convolution (with AVX-512; else
    /// Wᵀ · dY and col2im, as CI reruns it), the ReLU's mask applied once for both; dW, the bias and
    /// dX against the float64 definitions.
    @Test(arguments: [WindowGeometry(channels: 6, height: 12, width: 12, kernel: (5, 5)),
                      WindowGeometry(channels: 3, height: 9, width: 11, kernel: (3, 3), padding: (1, 0, 0, 2), dilation: (1, 2))])
    func convolutionSmallerThanItsInputNeedingDX(g: WindowGeometry) {
        #expect(ConvolutionKernel(geometry: g, batch: 3, outChannels: 16, groups: 1).weightGradientRunsDirectly)
        DirectConvolutionTests.expectReLUBackwardMatchesTheDefinition(g, batch: 3, outChannels: 16, seed: 27)
    }

    /// conv2d with bias and a fused ReLU over random data (seeds `seed`…`seed` + 3), backward from a
    /// random probe: dW, the bias and dX against their float64 definitions, through the ReLU's mask.
    static func expectReLUBackwardMatchesTheDefinition(_ g: WindowGeometry, batch n: Int, outChannels o: Int, seed: UInt64) {
        let (c, kh, kw) = (g.channels, g.kernelHeight, g.kernelWidth)
        let x = randomTensor([n, c, g.height, g.width], seed: seed).requiringGrad()
        let w = randomTensor([o, c, kh, kw], seed: seed + 1).requiringGrad(), b = randomTensor([o], seed: seed + 2).requiringGrad()
        let plane = g.outputHeight * g.outputWidth
        let probe = randomTensor([n, o, g.outputHeight, g.outputWidth], seed: seed + 3)
        let y = x.conv2d(weight: w, bias: b, stride: (g.strideHeight, g.strideWidth),
                         padding: (g.padTop, g.padLeft, g.padBottom, g.padRight),
                         dilation: (g.dilationHeight, g.dilationWidth), activation: .relu)
        (y * probe).sum().backward()
        let masked = try! Tensor(zip(y.scalars, probe.scalars).map { $0 > 0 ? $1 : 0 }, shape: y.shape)
        #expect(peakRelativeError(w.grad!.scalars, weightGradient(x, masked, geometry: g, outChannels: o)) < 1e-5)
        var biasSums = [Double](repeating: 0, count: o)
        for (index, value) in masked.scalars.enumerated() { biasSums[(index / plane) % o] += Double(value) }
        #expect(peakRelativeError(b.grad!.scalars, biasSums) < 1e-5)
        // dX[c, y', x'] = Σ dY[o, y, x] · W[o, c, i, j] over the taps that read (y', x').
        var expected = [Double](repeating: 0, count: x.count)
        forEachTap(g, batch: n, outChannels: o) { _, out, channel, i, j, yIndex, xIndex in
            expected[xIndex] += Double(masked.scalars[yIndex]) * Double(w.scalars[((out * c + channel) * kh + i) * kw + j])
        }
        #expect(peakRelativeError(x.grad!.scalars, expected) < 1e-5)
    }

    /// Calls `body(image, o, c, i, j, dY's index, X's index)` for every product of the convolution
    /// (a tap that lands in the padding is left out).
    static func forEachTap(_ g: WindowGeometry, batch: Int, outChannels: Int,
                           _ body: (Int, Int, Int, Int, Int, Int, Int) -> Void) {
        for n in 0..<batch {
            for o in 0..<outChannels {
                for c in 0..<g.channels {
                    for i in 0..<g.kernelHeight {
                        for j in 0..<g.kernelWidth {
                            for y in 0..<g.outputHeight {
                                let row = y * g.strideHeight + i * g.dilationHeight - g.padTop
                                guard row >= 0, row < g.height else { continue }
                                for x in 0..<g.outputWidth {
                                    let column = x * g.strideWidth + j * g.dilationWidth - g.padLeft
                                    guard column >= 0, column < g.width else { continue }
                                    body(n, o, c, i, j, ((n * outChannels + o) * g.outputHeight + y) * g.outputWidth + x,
                                         ((n * g.channels + c) * g.height + row) * g.width + column)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// dW[o, c, i, j] = Σ dY[n, o, y, x] · X[n, c, y + i·dh − top, x + j·dw − left], in float64.
    static func weightGradient(_ x: Tensor, _ dy: Tensor, geometry g: WindowGeometry, outChannels: Int) -> [Double] {
        var dw = [Double](repeating: 0, count: outChannels * g.channels * g.kernelHeight * g.kernelWidth)
        let xs = x.scalars, dys = dy.scalars
        forEachTap(g, batch: x.shape[0], outChannels: outChannels) { _, o, c, i, j, yIndex, xIndex in
            dw[((o * g.channels + c) * g.kernelHeight + i) * g.kernelWidth + j] += Double(dys[yIndex]) * Double(xs[xIndex])
        }
        return dw
    }
}
