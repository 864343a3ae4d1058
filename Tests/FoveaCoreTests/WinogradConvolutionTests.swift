import FoveaCore
import FoveaTestSupport
import Testing

/// Winograd F(2×2, 3×3) against the direct loops: odd and even output sizes (tiles hanging over
/// the edge), valid, "same", wide and wider-than-a-segment padding, maps smaller than a tile, and blocks that end in the
/// middle of a tile row or an image.
@Suite struct WinogradConvolutionTests {
    typealias Shape = (batch: Int, channels: Int, height: Int, width: Int, out: Int, padding: (Int, Int, Int, Int))
    static let shapes: [Shape] = [
        (batch: 3, channels: 8, height: 9, width: 8, out: 10, padding: (1, 1, 1, 1)),
        (batch: 2, channels: 9, height: 7, width: 11, out: 8, padding: (0, 0, 0, 0)),
        (batch: 2, channels: 8, height: 5, width: 5, out: 12, padding: (2, 2, 2, 2)),
        (batch: 2, channels: 8, height: 6, width: 7, out: 8, padding: (0, 1, 1, 0)),
        (batch: 2, channels: 8, height: 1, width: 1, out: 8, padding: (1, 1, 1, 1)),
        // Padding wider than the tiles of a segment read: whole segments lie in the padding.
        (batch: 1, channels: 8, height: 3, width: 1, out: 8, padding: (4, 9, 3, 6)),
        // Rows of 10 and 17 tiles of F(4×4): a whole group of eight and a part one.
        (batch: 2, channels: 5, height: 6, width: 38, out: 7, padding: (1, 1, 1, 1)),
        (batch: 1, channels: 3, height: 9, width: 70, out: 9, padding: (1, 1, 1, 1)),
    ]

    /// The output tiles each machine runs: F(4×4, 3×3) only where its AVX2 transforms do.
    static let outputTiles = ConvolutionKernel.panelKernelAvailable ? [2, 4] : [2]

    /// Calls `body(input index, weight index, output index)` for every image, output channel and
    /// pixel, input channel and 3×3 tap whose input pixel lies inside the image (the terms of a
    /// direct convolution; its gradients sum the same terms the other way round).
    func forEachTap(input shape: [Int], outChannels o: Int, padding p: (Int, Int, Int, Int), _ body: (Int, Int, Int) -> Void) {
        let (n, c, h, wd) = (shape[0], shape[1], shape[2], shape[3])
        let oh = h + p.0 + p.2 - 2, ow = wd + p.1 + p.3 - 2
        for b in 0..<n { for k in 0..<o { for y in 0..<oh { for xx in 0..<ow {
            for ic in 0..<c { for i in 0..<3 { for j in 0..<3 {
                let iy = y - p.0 + i, ix = xx - p.1 + j
                if iy >= 0 && iy < h && ix >= 0 && ix < wd {
                    body(((b * c + ic) * h + iy) * wd + ix, ((k * c + ic) * 3 + i) * 3 + j, ((b * o + k) * oh + y) * ow + xx)
                }
            } } }
        } } } }
    }

    func direct(_ x: Tensor, _ w: Tensor, padding p: (Int, Int, Int, Int)) -> [Double] {
        let oh = x.shape[2] + p.0 + p.2 - 2, ow = x.shape[3] + p.1 + p.3 - 2
        var out = [Double](repeating: 0, count: x.shape[0] * w.shape[0] * oh * ow)
        forEachTap(input: x.shape, outChannels: w.shape[0], padding: p) { i, k, o in out[o] += Double(x[flat: i]) * Double(w[flat: k]) }
        return out
    }

    /// dW[k, c, i, j] = Σ_n Σ_yx dY[n, k, y, x] · X[n, c, y − top + i, x − left + j].
    func directWeightGradient(_ x: Tensor, _ dy: Tensor, padding p: (Int, Int, Int, Int)) -> [Double] {
        var out = [Double](repeating: 0, count: dy.shape[1] * x.shape[1] * 9)
        forEachTap(input: x.shape, outChannels: dy.shape[1], padding: p) { i, k, o in out[k] += Double(dy[flat: o]) * Double(x[flat: i]) }
        return out
    }

    /// dX[n, c, y, x] = Σ_k Σ_ij dY[n, k, y + top − i, x + left − j] · w[k, c, i, j].
    func directInputGradient(_ dy: Tensor, _ w: Tensor, input shape: [Int], padding p: (Int, Int, Int, Int)) -> [Double] {
        var out = [Double](repeating: 0, count: shape.reduce(1, *))
        forEachTap(input: shape, outChannels: w.shape[0], padding: p) { i, k, o in out[i] += Double(dy[flat: o]) * Double(w[flat: k]) }
        return out
    }

    @Test(arguments: shapes)
    func matchesDirectLoops(shape: Shape) {
        let x = randomTensor([shape.batch, shape.channels, shape.height, shape.width], seed: 300)
        let w = randomTensor([shape.out, shape.channels, 3, 3], seed: 301)
        let g = WindowGeometry(channels: shape.channels, height: shape.height, width: shape.width, kernel: (3, 3),
                               padding: (top: shape.padding.0, left: shape.padding.1, bottom: shape.padding.2, right: shape.padding.3))
        let expected = direct(x, w, padding: shape.padding)
        // The default block, then blocks of 3 tiles (positions·(C + K)·3 floats): segments that stop
        // mid-row; each block by block, and with the products taken position by position across the blocks.
        for tile in WinogradConvolutionTests.outputTiles {
            let positions = (tile + 2) * (tile + 2)
            for budget in [WinogradKernel.defaultBlockBudget, positions * (shape.channels + shape.out) * 3] {
                for splitting in [false, true] {
                    guard let kernel = WinogradKernel(geometry: g, batch: shape.batch, outChannels: shape.out, blockBudget: budget,
                                                      outputTile: tile, splittingPositions: splitting)
                    else { Issue.record("Winograd should apply to \(shape)"); return }
                    let y = Tensor(repeating: .nan, shape: [shape.batch, shape.out, g.outputHeight, g.outputWidth])
                    kernel.forward(input: x.pointer, weight: w.pointer, output: y.pointer)
                    // Errors against the peak: F(4×4)'s larger transform constants round to 1–2 · 10⁻⁶ of it here,
                    // F(2×2) to 1–2 · 10⁻⁷. (An elementwise bound, floored at 10⁻³ of the peak, flipped on
                    // which BLAS path a block's products took: near-zero outputs magnify the same rounding.)
                    #expect(peakRelativeError(y.scalars, expected) < (tile == 2 ? 1e-6 : 1e-5),
                            "\(shape), tile \(tile), block budget \(budget), positions split \(splitting)")
                }
            }
        }
    }

    /// The products go position by position across the blocks where U outgrows 1 MB and there are
    /// few tiles against the channels: the seed ResNet's stages 2 and 3 on one image (and a few),
    /// not in training batches, and not where U stays small.
    @Test func productsByPositionWhereTheWeightsOutgrowTheCache() {
        func kernel(channels: Int, size: Int, batch: Int) -> WinogradKernel {
            let g = WindowGeometry(channels: channels, height: size, width: size, kernel: (3, 3), padding: (1, 1, 1, 1))
            return WinogradKernel(geometry: g, batch: batch, outChannels: channels, outputTile: size % 4 == 0 && size >= 16 ? 4 : 2)!
        }
        #expect(kernel(channels: 128, size: 16, batch: 1).takesProductsByPosition)   // U 2.4 MB, 16 tiles
        #expect(kernel(channels: 256, size: 8, batch: 1).takesProductsByPosition)    // U 4.2 MB, 16 tiles
        #expect(kernel(channels: 256, size: 8, batch: 4).takesProductsByPosition)
        #expect(!kernel(channels: 128, size: 16, batch: 32).takesProductsByPosition)  // 512 tiles: V and M outgrow U
        #expect(!kernel(channels: 64, size: 32, batch: 1).takesProductsByPosition)    // U 0.6 MB
        #expect(!kernel(channels: 128, size: 8, batch: 1).takesProductsByPosition)    // U of F(2×2) 1 MB, no more
    }

    /// conv2d routes 3×3 stride-1 convolutions with ≥ 64 channels each way, ≥ 2 images and an
    /// even-sized output here;
    /// the epilogue (bias, folded batch norm, residual, ReLU6) is applied to the same values.
    @Test func conv2dUsesItWithTheEpilogue() {
        let x = randomTensor([2, 64, 6, 4], seed: 310), w = randomTensor([64, 64, 3, 3], seed: 311, scale: 0.1)
        let b = randomTensor([64], seed: 312), gamma = randomTensor([64], seed: 313), beta = randomTensor([64], seed: 314)
        let mean = randomTensor([64], seed: 315), variance = randomTensor([64], seed: 316).mapValues { $0 * $0 + 0.1 }
        let residual = randomTensor([2, 64, 6, 4], seed: 317)
        let folded = x.conv2dBatchNormInference(weight: w, bias: b, padding: (1, 1, 1, 1), normWeight: gamma, normBias: beta,
                                                runningMean: mean, runningVariance: variance, epsilon: 1e-5, adding: residual,
                                                activation: .relu6)
        let plane = 6 * 4
        let expected = direct(x, w, padding: (1, 1, 1, 1)).enumerated().map { index, value -> Double in
            let o = (index / plane) % 64
            let scale = Double(gamma[flat: o]) / (Double(variance[flat: o]) + 1e-5).squareRoot()
            let y = (value + Double(b[flat: o]) - Double(mean[flat: o])) * scale + Double(beta[flat: o]) + Double(residual[flat: index])
            return Swift.min(Swift.max(y, 0), 6)
        }
        #expect(peakRelativeError(folded.scalars, expected) < 1e-5)   // 576-term sums: elementwise error is meaningless near 0

        func kernel(channels: Int, batch: Int, stride: Int = 1, size: Int = 8) -> ConvolutionKernel {
            ConvolutionKernel(geometry: WindowGeometry(channels: channels, height: size, width: size, kernel: (3, 3),
                                                       stride: (stride, stride), padding: (1, 1, 1, 1)),
                              batch: batch, outChannels: 64, groups: 1)
        }
        // Where the AVX2 panel kernel runs, Winograd keeps only planes of 16×16 and up at 64 channels.
        #expect(kernel(channels: 64, batch: 2, size: ConvolutionKernel.panelKernelAvailable ? 16 : 8).usesWinograd)
        #expect(kernel(channels: 64, batch: 2).usesWinograd == !ConvolutionKernel.panelKernelAvailable)
        #expect(!kernel(channels: 64, batch: 2, size: 7).usesWinograd)
        // 32 channels on 32×32 planes only, and not where full-width AVX-512 tiles run the direct kernel.
        #expect(kernel(channels: 32, batch: 2, size: 32).usesWinograd
                == (!ConvolutionKernel.wideTilesAvailable || ConvolutionKernel.wideTilesRunInHalves))
        #expect(!kernel(channels: 32, batch: 2, size: 16).usesWinograd)
        #expect(!kernel(channels: 16, batch: 2, size: 32).usesWinograd)
        #expect(!kernel(channels: 32, batch: 2).usesWinograd)
        #expect(!kernel(channels: 64, batch: 1).usesWinograd)
        // One image: 32×32 planes at 64 channels and up (the seed ResNet's stage 1), not 32 channels or 16×16.
        #expect(kernel(channels: 64, batch: 1, size: 32).usesWinograd)
        #expect(!kernel(channels: 64, batch: 1, size: 16).usesWinograd)
        #expect(!kernel(channels: 32, batch: 1, size: 32).usesWinograd)
        #expect(!kernel(channels: 64, batch: 2, stride: 2).usesWinograd)
    }

    /// conv2d runs F(4×4, 3×3) where 4×4 tiles fill an output of 16 columns or more, through the
    /// same epilogue (bias, folded batch norm, residual, ReLU6); 8×8 and 10×10 outputs keep F(2×2, 3×3).
    @Test func fourByFourTilesWithTheEpilogue() {
        func kernel(size: Int, channels: Int = 128) -> ConvolutionKernel {
            ConvolutionKernel(geometry: WindowGeometry(channels: channels, height: size, width: size, kernel: (3, 3),
                                                       padding: (1, 1, 1, 1)), batch: 2, outChannels: channels, groups: 1)
        }
        // (Where 512-bit units run in halves, channel-lane Winograd takes whole 16-channel blocks first.)
        let lanes = ConvolutionKernel.wideTilesRunInHalves ? "channel-lane Winograd 4×4" : nil
        let wide = ConvolutionKernel.panelKernelAvailable ? "Winograd 4×4" : "Winograd"
        #expect(kernel(size: 16).forwardKernelName == lanes ?? wide)
        #expect(kernel(size: 32, channels: 64).forwardKernelName == lanes ?? wide)
        #expect(kernel(size: 8).forwardKernelName == lanes ?? "Winograd")
        #expect(kernel(size: 10).forwardKernelName == "Winograd")
        let c = 128, size = 16
        let x = randomTensor([2, c, size, size], seed: 330), w = randomTensor([c, c, 3, 3], seed: 331, scale: 0.05)
        let b = randomTensor([c], seed: 332), gamma = randomTensor([c], seed: 333), beta = randomTensor([c], seed: 334)
        let mean = randomTensor([c], seed: 335), variance = randomTensor([c], seed: 336).mapValues { $0 * $0 + 0.1 }
        let residual = randomTensor([2, c, size, size], seed: 337)
        let folded = x.conv2dBatchNormInference(weight: w, bias: b, padding: (1, 1, 1, 1), normWeight: gamma, normBias: beta,
                                                runningMean: mean, runningVariance: variance, epsilon: 1e-5, adding: residual,
                                                activation: .relu6)
        let plane = size * size
        let expected = direct(x, w, padding: (1, 1, 1, 1)).enumerated().map { index, value -> Double in
            let o = (index / plane) % c
            let scale = Double(gamma[flat: o]) / (Double(variance[flat: o]) + 1e-5).squareRoot()
            let y = (value + Double(b[flat: o]) - Double(mean[flat: o])) * scale + Double(beta[flat: o]) + Double(residual[flat: index])
            return Swift.min(Swift.max(y, 0), 6)
        }
        #expect(peakRelativeError(folded.scalars, expected) < 5e-5)   // 1152-term sums through F(4×4): 1.7 · 10⁻⁵ here
    }

    /// The input gradient of a "same" convolution is the transposed convolution, which runs through
    /// Winograd too (64 channels each way): dX against its definition, Σ_o Σ_ij dY[o, y − i + 1, x − j + 1] · w[o, c, i, j].
    @Test func inputGradientThroughWinogradMatchesTheDefinition() {
        let (n, c, h, wd) = (2, 64, 4, 6)
        let x = randomTensor([n, c, h, wd], seed: 320).requiringGrad(), w = randomTensor([c, c, 3, 3], seed: 321, scale: 0.1)
        let probe = randomTensor([n, c, h, wd], seed: 322)
        (x.conv2d(weight: w, bias: nil, padding: (1, 1, 1, 1)) * probe).sum().backward()
        let expected = directInputGradient(probe, w, input: [n, c, h, wd], padding: (1, 1, 1, 1))
        #expect(peakRelativeError(x.grad!.scalars, expected) < 1e-5)
    }

    /// The weight gradient in Winograd's domain against the definition: odd and even output sizes
    /// (tiles hanging over the edge), several paddings, chunks of 5 tiles that end mid-row and mid-image.
    @Test(arguments: shapes)
    func weightGradientMatchesTheDefinition(shape: Shape) {
        let g = WindowGeometry(channels: shape.channels, height: shape.height, width: shape.width, kernel: (3, 3),
                               padding: (top: shape.padding.0, left: shape.padding.1, bottom: shape.padding.2, right: shape.padding.3))
        let x = randomTensor([shape.batch, shape.channels, shape.height, shape.width], seed: 330)
        let dy = randomTensor([shape.batch, shape.out, g.outputHeight, g.outputWidth], seed: 331)
        let expected = directWeightGradient(x, dy, padding: shape.padding)
        guard let kernel = WinogradKernel(geometry: g, batch: shape.batch, outChannels: shape.out)
        else { Issue.record("Winograd should apply to \(shape)"); return }
        for chunk in [nil, 5] as [Int?] {
            let dw = Tensor(repeating: .nan, shape: [shape.out, shape.channels, 3, 3])
            kernel.weightGradient(input: x.pointer, outputGrad: dy.pointer, into: dw.pointer, tilesPerChunk: chunk)
            #expect(peakRelativeError(dw.scalars, expected) < 1e-5, "\(shape), chunk \(String(describing: chunk))")
        }
    }

    /// conv2d's backward takes that path at 128 channels each way on an 8×8 plane: dW, the bias
    /// and dX, with and without a fused ReLU, against their definitions.
    @Test(arguments: [FusedActivation.none, .relu])
    func conv2dBackwardUsesTheWinogradWeightGradient(activation: FusedActivation) {
        let (n, c, h, wd) = (2, 128, 8, 8)
        func kernel(channels: Int, size: Int) -> ConvolutionKernel {
            ConvolutionKernel(geometry: WindowGeometry(channels: channels, height: size, width: size, kernel: (3, 3), padding: (1, 1, 1, 1)),
                              batch: 2, outChannels: channels, groups: 1)
        }
        // With AVX-512 the outer products take 128 channels (`OuterProductWeightGradient`), or
        // channel-lane Winograd where 512-bit units run in halves: there this test checks their
        // backward, and CI's FOVEA_AVX512=0 run checks Winograd's.
        let wide = kernel(channels: c, size: h)
        #expect([wide.weightGradientUsesWinograd, wide.weightGradientRunsOnOuterProducts, wide.weightGradientRunsChannelLaneWinograd]
            .filter { $0 }.count == 1)
        #expect(kernel(channels: 256, size: h).weightGradientUsesWinograd)
        #expect(!kernel(channels: 64, size: 16).weightGradientUsesWinograd)
        #expect(!kernel(channels: 128, size: 4).weightGradientUsesWinograd)
        let x = randomTensor([n, c, h, wd], seed: 340).requiringGrad()
        let w = randomTensor([c, c, 3, 3], seed: 341, scale: 0.1).requiringGrad(), b = randomTensor([c], seed: 342).requiringGrad()
        let probe = randomTensor([n, c, h, wd], seed: 343)
        let y = x.conv2d(weight: w, bias: b, padding: (1, 1, 1, 1), activation: activation)
        (y * probe).sum().backward()
        // dY through the ReLU, if any: the probe where the output is positive.
        let masked = try! Tensor(zip(y.scalars, probe.scalars).map { activation == .none || $0 > 0 ? $1 : 0 }, shape: [n, c, h, wd])
        #expect(peakRelativeError(w.grad!.scalars, directWeightGradient(x, masked, padding: (1, 1, 1, 1))) < 1e-5)
        var biasSums = [Double](repeating: 0, count: c)
        for (index, value) in masked.scalars.enumerated() { biasSums[(index / (h * wd)) % c] += Double(value) }
        #expect(peakRelativeError(b.grad!.scalars, biasSums) < 1e-5)
        let expected = directInputGradient(masked, w, input: [n, c, h, wd], padding: (1, 1, 1, 1))
        #expect(peakRelativeError(x.grad!.scalars, expected) < 1e-5)
    }
}
