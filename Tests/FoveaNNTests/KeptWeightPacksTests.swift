import FoveaCore
import FoveaNN
import FoveaTestSupport
import Testing

/// Convolutions at inference keep their weight's packs (`WeightPacks`) between calls; whatever
/// changes the weight (an optimiser's step, `assign`, `updateInPlace`) must show in the next
/// prediction, never the packs of the old values. Each layer runs a kernel that packs: the direct
/// kernel on one image, the channel-vector tiles pooling in registers, the folded norm.
@Suite struct KeptWeightPacksTests {
    /// Runs `predict` against `conv2d` on the layer's current weight without packs, after each change of the weight.
    /// (Kept packs can take another kernel than none: on a Zen 4 one image's 3×3 layers go to channel-lane
    /// Winograd, whose sums round differently, 1–2 · 10⁻⁶ here. Packs of an old weight miss by far more.)
    func expectFollowsTheWeight(_ conv: Conv2D, train model: Module, predict: () throws -> [Float], expected: () -> [Float]) throws {
        func expectMatches(_ what: String) throws {
            let output = try predict(), reference = expected()
            #expect(peakRelativeError(output, reference.map(Double.init)) < 1e-5, "\(what)")
        }
        try expectMatches("first call")
        try expectMatches("second call, from the kept packs")
        let optimizer = SGD(model.namedParameters, learningRate: 0.5, momentum: 0.9)
        model.zeroGrad()
        let x = randomTensor([2, conv.inChannels, 32, 32], seed: 1)
        let y = try model.forward(x, .training(RandomSource(seed: 1)))
        (y * y).sum().backward()
        optimizer.step()
        try expectMatches("after an SGD step")
        conv.weight.assign(randomTensor(conv.weight.shape, seed: 2))
        try expectMatches("after assign")
        conv.weight.updateInPlace { $0[0] += 3 }
        try expectMatches("after updateInPlace")
    }

    @Test func directKernelOnOneImage() throws {
        var g = SeededGenerator(seed: 3)
        let conv = Conv2D(16, 16, kernelSize: 3, padding: .same, activation: .relu, generator: &g)
        let x = randomTensor([1, 16, 32, 32], seed: 4)
        try expectFollowsTheWeight(conv, train: conv, predict: { try conv.predict(x).scalars }, expected: {
            withoutGradients { x.conv2d(weight: conv.weight.value, bias: conv.bias?.value, padding: (1, 1, 1, 1), activation: .relu).scalars }
        })
    }

    @Test func pooledChannelVectorsOnOneImage() throws {
        var g = SeededGenerator(seed: 5)
        let conv = Conv2D(32, 64, kernelSize: 3, activation: .relu, generator: &g)
        let model = Sequential([conv, MaxPool2D(kernelSize: 2)])
        let x = randomTensor([1, 32, 32, 32], seed: 6)
        try expectFollowsTheWeight(conv, train: model, predict: { try model.predict(x).scalars }, expected: {
            withoutGradients { x.conv2d(weight: conv.weight.value, bias: conv.bias?.value, activation: .relu).maxPool2d(kernel: (2, 2)).scalars }
        })
    }

    @Test func foldedNormOnOneImage() throws {
        var g = SeededGenerator(seed: 7)
        let conv = Conv2D(16, 16, kernelSize: 3, padding: .same, bias: false, generator: &g)
        let norm = BatchNorm2D(16)
        norm.runningMean.value = randomTensor([16], seed: 8)
        let model = Sequential([conv, norm, ActivationLayer(.relu)])
        let x = randomTensor([1, 16, 32, 32], seed: 9)
        try expectFollowsTheWeight(conv, train: model, predict: { try model.predict(x).scalars }, expected: {
            withoutGradients {
                let y = x.conv2d(weight: conv.weight.value, bias: nil, padding: (1, 1, 1, 1))
                let scale = (norm.runningVariance.value + norm.epsilon).sqrt()
                return ((y - norm.runningMean.value.reshaped([1, 16, 1, 1])) / scale.reshaped([1, 16, 1, 1])
                        * norm.weight.value.reshaped([1, 16, 1, 1]) + norm.bias.value.reshaped([1, 16, 1, 1])).relu().scalars
            }
        })
    }
}
