import FoveaNN
import FoveaTestSupport
import Testing

/// `runConvolution` and the fusing `Sequential` give what the layers give one by one, in both
/// phases: outputs, every parameter's gradient and the running statistics.
@Suite struct ConvolutionNormalisationTests {
    func layers(seed: UInt64) -> (Conv2D, BatchNorm2D) {
        var g = SeededGenerator(seed: seed)
        let conv = Conv2D(3, 4, kernelSize: 3, stride: 2, padding: .explicit(1, 1), generator: &g)
        let norm = BatchNorm2D(4)
        norm.weight.assign(randomTensor([4], seed: seed + 1, scale: 6))   // large enough for ReLU6 to clip at 6
        norm.bias.assign(randomTensor([4], seed: seed + 2))
        norm.runningMean.value = randomTensor([4], seed: seed + 3)
        norm.runningVariance.value = randomTensor([4], seed: seed + 4).mapValues { $0 * $0 + 0.5 }
        return (conv, norm)
    }

    @Test(arguments: [(true, Activation.relu), (false, .relu), (true, .relu6), (false, .relu6), (true, .silu)])
    func fusedEqualsLayerByLayer(training: Bool, activation: Activation) throws {
        let x = randomTensor([5, 3, 8, 8], seed: 1), residual = randomTensor([5, 4, 4, 4], seed: 2)
        let seed = randomTensor([5, 4, 4, 4], seed: 3)
        func run(fused: Bool) throws -> [[Float]] {
            let (conv, norm) = layers(seed: 10)
            let context = ForwardContext(training: training)
            let y = fused
                ? try context.runConvolution(conv, named: "conv", normalisedBy: norm, named: "bn", adding: residual,
                                             activation: activation, x)
                : activation.apply(try norm.forward(try conv.forward(x, context), context) + residual)
            y.backward(seed: seed)
            return [y.scalars, conv.weight.grad!.scalars, conv.bias!.grad!.scalars, norm.weight.grad!.scalars,
                    norm.bias.grad!.scalars, norm.runningMean.value.scalars, norm.runningVariance.value.scalars]
        }
        let (fused, separate) = (try run(fused: true), try run(fused: false))
        for (a, b) in zip(fused, separate) { #expect(relativeError(a, b.map(Double.init)) < 1e-5) }
    }

    /// Without gradients, inference folds the norm into the convolution; the result is unchanged.
    @Test func foldedInferenceEqualsLayerByLayer() throws {
        let (conv, norm) = layers(seed: 20)
        let model = Sequential([conv, norm, ReLU(), Flatten()])
        let x = randomTensor([2, 3, 8, 8], seed: 4)
        let folded = try model.predict(x)
        let separate = try Flatten().forward(norm.forward(conv.forward(x, .inference), .inference).relu(), .inference)
        #expect(relativeError(folded.scalars, separate.scalars.map(Double.init)) < 1e-5)
    }

    /// Whatever observes layers one by one sees them unfused: every row, every multiply-accumulate.
    @Test func summarySeesEveryLayerOfAFusedSequence() throws {
        let (conv, norm) = layers(seed: 40)
        let summary = try ModelSummary(of: Sequential([conv, norm, ReLU()]), inputShape: [3, 8, 8])
        #expect(summary.rows.map(\.type) == ["Conv2D", "BatchNorm2D", "ReLU"])
        #expect(summary.multiplyAccumulates == 4 * 4 * 4 * 3 * 9)
    }

    @Test func mismatchedLayersStillGiveClearErrors() throws {
        let (conv, norm) = layers(seed: 30)
        #expect(throws: FoveaError.self) { try Sequential([conv, norm]).predict(randomTensor([1, 2, 8, 8], seed: 5)) }
        #expect(throws: FoveaError.self) {
            try ForwardContext.inference.runConvolution(conv, named: "conv", normalisedBy: norm, named: "bn",
                                                        adding: randomTensor([1, 4, 3, 3], seed: 6), activation: nil,
                                                        randomTensor([1, 3, 8, 8], seed: 7))
        }
        #expect(throws: FoveaError.self) { try Sequential([conv, BatchNorm2D(5)]).predict(randomTensor([1, 3, 8, 8], seed: 8)) }
    }
}
