import FoveaCore
import FoveaTestSupport
import Testing

/// Kept packs (`WeightPacks`): the kernels that pack their weight (direct, channel vectors, with
/// and without the pool, with the folded norm) give the same output from packs made on an earlier
/// call as from packing on the spot, keep one layout per kernel, and ignore packs made for other
/// memory.
@Suite struct WeightPacksTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var batch: Int, channels: Int, out: Int, size: Int, padding = 0
        var pooled = false
        var testDescription: String { "\(batch)×\(channels)×\(size)² → \(out), pad \(padding)\(pooled ? ", pooled" : "")" }
    }

    static let cases: [Case] = [
        Case(batch: 1, channels: 16, out: 16, size: 32, padding: 1),    // direct, one image's rows shared (ResNet-20)
        Case(batch: 3, channels: 5, out: 7, size: 8, padding: 1),       // direct, image by image, narrow strips
        Case(batch: 2, channels: 3, out: 16, size: 20),                 // direct, wide strips
        Case(batch: 4, channels: 32, out: 64, size: 15),                // channel vectors (keras-cifar-cnn's conv2d_1)
        Case(batch: 1, channels: 3, out: 32, size: 32, pooled: true),   // direct, pooled, one image
        Case(batch: 1, channels: 32, out: 64, size: 15, pooled: true),  // channel vectors pooling one image's rows
        Case(batch: 4, channels: 32, out: 64, size: 15, pooled: true),  // channel vectors pooling whole images
        Case(batch: 2, channels: 3, out: 16, size: 20, padding: 1, pooled: true),
        Case(batch: 2, channels: 64, out: 64, size: 16, padding: 1),    // Winograd F(4×4), transforms kept
        Case(batch: 1, channels: 128, out: 128, size: 8, padding: 1),   // Winograd F(2×2) on one image, only with kept transforms
        Case(batch: 1, channels: 128, out: 128, size: 16, padding: 1, pooled: true),
    ]

    /// Bit for bit (a Bool, so that a failure does not print every element).
    func identical(_ a: [Float], _ b: [Float]) -> Bool { a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern } }

    func run(_ c: Case, x: Tensor, weight: Tensor, bias: Tensor, packs: WeightPacks?) -> Tensor {
        let p = (c.padding, c.padding, c.padding, c.padding)
        return withoutGradients {
            c.pooled ? x.conv2dMaxPooled(weight: weight, bias: bias, padding: p, activation: .relu, packs: packs)
                : x.conv2d(weight: weight, bias: bias, padding: p, activation: .relu, packs: packs)
        }
    }

    /// Whether `forward` runs a kernel that packs its weight on this case.
    func packsItsWeight(_ c: Case) -> Bool {
        let g = WindowGeometry(channels: c.channels, height: c.size, width: c.size, kernel: (3, 3),
                               padding: (c.padding, c.padding, c.padding, c.padding))
        let kernel = ConvolutionKernel(geometry: g, batch: c.batch, outChannels: c.out, groups: 1, activation: .relu)
        return ConvolutionKernel.panelKernelAvailable
            && (["direct", "channel vectors", "Winograd", "Winograd 4×4", "channel-lane Winograd 4×4"].contains(kernel.forwardKernelName(weightsKept: true))
                || (c.pooled && kernel.poolsWhileInCache))
    }

    @Test(arguments: cases) func keptPacksGiveTheSameOutput(c: Case) {
        let x = randomTensor([c.batch, c.channels, c.size, c.size], seed: 1)
        let weight = randomTensor([c.out, c.channels, 3, 3], seed: 2), bias = randomTensor([c.out], seed: 3)
        let packed = run(c, x: x, weight: weight, bias: bias, packs: nil)
        let packs = WeightPacks(of: weight)
        let first = run(c, x: x, weight: weight, bias: bias, packs: packs)
        #expect(packs.layoutCount == (packsItsWeight(c) ? 1 : 0))
        let kept = run(c, x: x, weight: weight, bias: bias, packs: packs)   // from the packs the first call made
        #expect(packs.layoutCount == (packsItsWeight(c) ? 1 : 0))
        #expect(identical(kept.scalars, first.scalars))
        if switchesKernel(c) {
            // Winograd on one image against the panels: the same sums, rounded differently.
            #expect(peakRelativeError(kept.scalars, packed.scalars.map(Double.init)) < 1e-5)
        } else {
            #expect(identical(kept.scalars, packed.scalars))
        }
    }

    /// Whether kept packs make `forward` pick another kernel (Winograd on one image).
    func switchesKernel(_ c: Case) -> Bool {
        let g = WindowGeometry(channels: c.channels, height: c.size, width: c.size, kernel: (3, 3),
                               padding: (c.padding, c.padding, c.padding, c.padding))
        let kernel = ConvolutionKernel(geometry: g, batch: c.batch, outChannels: c.out, groups: 1, activation: .relu)
        return kernel.forwardKernelName != kernel.forwardKernelName(weightsKept: true)
    }

    /// Kept transforms bring Winograd to one image where the weights outgrow 512 KB (128 × 128 and up).
    @Test func keptTransformsTakeWinogradToOneImage() {
        guard ConvolutionKernel.panelKernelAvailable else { return }
        #expect(switchesKernel(Self.cases[9]))
        // Where 512-bit units run in halves, channel-lane Winograd takes one image's 3×3 layers of
        // whole 16-channel blocks whatever their weights (ResNet-20's stage 1); elsewhere the direct kernel stays.
        let lanes = ConvolutionKernel.wideTilesRunInHalves
        #expect(switchesKernel(Self.cases[0]) == lanes && !switchesKernel(Self.cases[8]))
        let small = Case(batch: 1, channels: 64, out: 64, size: 16, padding: 1)   // 147 KB of weights
        #expect(switchesKernel(small) == lanes)
    }

    /// The cases cover both kernels that pack (on a machine with AVX2 and FMA).
    @Test func casesReachBothPackingKernels() {
        guard ConvolutionKernel.panelKernelAvailable else { return }
        #expect(Self.cases.filter(packsItsWeight).count >= 9)
    }

    /// Conv → pool on one image: kept packs do not swap a direct kernel that pools in its registers
    /// for Winograd (the packs then hold the direct kernel's layout, not Winograd's 4× larger one).
    /// Channel-lane Winograd (where 512-bit units run in halves) does take it, pool pass and all: on
    /// one image it ran 64 → 64 at 16×16 in a third of the direct kernel's time (convolution-bench batch-one).
    @Test func pooledDirectKernelKeepsItsPlaceOverWinograd() {
        guard ConvolutionKernel.wideTilesAvailable else { return }
        let c = Case(batch: 1, channels: 128, out: 128, size: 16, padding: 1, pooled: true)
        #expect(switchesKernel(c))   // unpooled, kept transforms would take Winograd
        let x = randomTensor([1, 128, 16, 16], seed: 30), weight = randomTensor([128, 128, 3, 3], seed: 31)
        let packs = WeightPacks(of: weight)
        _ = run(c, x: x, weight: weight, bias: randomTensor([128], seed: 32), packs: packs)
        #expect(packs.floatCount == (ConvolutionKernel.wideTilesRunInHalves ? 36 : 9) * 128 * 128)
    }

    /// One weight run on planes that need different layouts (narrow and wide direct strips;
    /// Winograd's F(4×4), or F(4×4) with channels in the lanes, and F(2×2) on planes of 10×10) keeps
    /// one of each, and each call reads its own.
    @Test(arguments: [(16, [Case(batch: 3, channels: 16, out: 16, size: 8, padding: 1), Case(batch: 2, channels: 16, out: 16, size: 20, padding: 1)]),
                      (128, [Case(batch: 2, channels: 128, out: 128, size: 16, padding: 1), Case(batch: 2, channels: 128, out: 128, size: 10, padding: 1)])])
    func oneWeightKeepsALayoutPerKernel(channels: Int, planes: [Case]) {
        guard ConvolutionKernel.panelKernelAvailable else { return }
        let weight = randomTensor([channels, channels, 3, 3], seed: 20), bias = randomTensor([channels], seed: 21)
        let packs = WeightPacks(of: weight)
        for round in 0..<2 {
            for c in planes {
                let x = randomTensor([c.batch, c.channels, c.size, c.size], seed: 22)
                #expect(identical(run(c, x: x, weight: weight, bias: bias, packs: packs).scalars,
                                  run(c, x: x, weight: weight, bias: bias, packs: nil).scalars), "\(c), round \(round)")
            }
        }
        #expect(packs.layoutCount == 2)
    }

    /// Packs of one weight, handed to a call on another (a crop on the way, a caller's slip), are
    /// not read: the output is the other weight's.
    @Test(arguments: [cases[0], cases[3], cases[5]]) func packsOfOtherMemoryAreIgnored(c: Case) {
        let x = randomTensor([c.batch, c.channels, c.size, c.size], seed: 4)
        let first = randomTensor([c.out, c.channels, 3, 3], seed: 5), second = randomTensor([c.out, c.channels, 3, 3], seed: 6)
        let bias = randomTensor([c.out], seed: 7)
        let packs = WeightPacks(of: first)
        _ = run(c, x: x, weight: first, bias: bias, packs: packs)
        let layouts = packs.layoutCount
        let output = run(c, x: x, weight: second, bias: bias, packs: packs)
        // As from the second weight's own packs (the kernel that kept packs choose), packed on the spot.
        #expect(identical(output.scalars, run(c, x: x, weight: second, bias: bias, packs: WeightPacks(of: second)).scalars))
        #expect(!identical(output.scalars, run(c, x: x, weight: first, bias: bias, packs: nil).scalars))
        #expect(packs.layoutCount == layouts)
    }

    /// Convolution → folded batch norm → residual → ReLU (a ResNet block at inference) from kept packs.
    @Test func foldedNormFromKeptPacks() {
        let x = randomTensor([1, 16, 32, 32], seed: 8), weight = randomTensor([16, 16, 3, 3], seed: 9)
        let (gamma, beta) = (randomTensor([16], seed: 10), randomTensor([16], seed: 11))
        let (mean, variance) = (randomTensor([16], seed: 12), randomTensor([16], seed: 13).abs() + 0.5)
        let residual = randomTensor([1, 16, 32, 32], seed: 14)
        func run(_ packs: WeightPacks?) -> [Float] {
            withoutGradients {
                x.conv2dBatchNormInference(weight: weight, bias: nil, padding: (1, 1, 1, 1), normWeight: gamma, normBias: beta,
                                           runningMean: mean, runningVariance: variance, epsilon: 1e-5, adding: residual,
                                           activation: .relu, packs: packs).scalars
            }
        }
        let packs = WeightPacks(of: weight)
        let expected = run(WeightPacks(of: weight))   // packed on the spot, for the kernel kept packs choose
        #expect(identical(run(packs), expected))
        #expect(identical(run(packs), expected))
        // Without packs one image may take another kernel (the direct one, where kept packs take channel-lane Winograd).
        #expect(peakRelativeError(run(packs), run(nil).map(Double.init)) < 1e-5)
    }
}
