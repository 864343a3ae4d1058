import FoveaNN
import FoveaTestSupport
import Testing

/// A convolution at inference on a plane its window overhangs keeps its weight cropped to the live
/// taps; whatever changes the weight (an optimiser's step, `assign`, `updateInPlace`) must show
/// in the next prediction, never the crop of the old values.
@Suite struct LiveTapWeightsTests {
    /// A 3×3 window with padding 1 on a 1×1 plane reads only its centre: y[o] = b[o] + Σ_c W[o, c, 1, 1] · x[c].
    func centreTapOutput(_ conv: Conv2D, _ x: Tensor) -> [Float] {
        let w = conv.weight.value, channels = conv.inChannels
        return (0..<conv.outChannels).map { o in
            (0..<channels).reduce(conv.bias?.value[flat: o] ?? 0) { $0 + w[flat: (o * channels + $1) * 9 + 4] * x[flat: $1] }
        }
    }

    @Test func predictionsFollowEveryChangeOfTheWeight() throws {
        var g = SeededGenerator(seed: 4)
        let conv = Conv2D(6, 5, kernelSize: 3, padding: .same, generator: &g)
        let x = randomTensor([1, 6, 1, 1], seed: 5)
        func expectMatches(_ what: String) throws {
            #expect(peakRelativeError(try conv.predict(x).scalars, centreTapOutput(conv, x).map(Double.init)) < 1e-5, "\(what)")
        }
        try expectMatches("first call")
        try expectMatches("second call, from the kept crop")

        let versionBefore = conv.weight.version
        let optimizer = SGD(conv.namedParameters, learningRate: 0.5, momentum: 0.9)
        conv.zeroGrad()
        (try conv.forward(x, .training(RandomSource(seed: 1)))).sum().backward()
        optimizer.step()
        #expect(conv.weight.version > versionBefore)
        try expectMatches("after an SGD step")

        conv.weight.assign(randomTensor(conv.weight.shape, seed: 6))
        try expectMatches("after assign")
        conv.weight.updateInPlace { $0[4] += 3 }   // the centre tap of filter 0, channel 0
        try expectMatches("after updateInPlace")
        for optimizer in [Adam(conv.namedParameters, learningRate: 0.1), RMSprop(conv.namedParameters, learningRate: 0.1)] as [Optimizer] {
            conv.zeroGrad()
            (try conv.forward(x, .training(RandomSource(seed: 1)))).sum().backward()
            optimizer.step()
            try expectMatches("after \(type(of: optimizer))")
        }
    }

    /// The folded path (convolution → batch norm at inference, as ResNet blocks run it) reads the crop too.
    @Test func foldedBatchNormFollowsTheWeight() throws {
        var g = SeededGenerator(seed: 7)
        let conv = Conv2D(8, 4, kernelSize: 3, stride: 2, padding: .explicit(1, 1), bias: false, generator: &g)
        let norm = BatchNorm2D(4)
        norm.runningMean.value = randomTensor([4], seed: 8)
        let x = randomTensor([1, 8, 2, 2], seed: 9)   // stride 2 on 2×2: one output through taps 1…2 of each axis
        let context = ForwardContext.inference
        func fused() throws -> [Float] {
            try withoutGradients { try context.runConvolution(conv, named: "conv", normalisedBy: norm, named: "bn", activation: nil, x) }.scalars
        }
        // The whole 3×3 kernel (conv2d does not crop for one image), then the norm by its definition.
        func layerByLayer() -> [Double] {
            let y = withoutGradients { x.conv2d(weight: conv.weight.value, bias: nil, stride: (2, 2), padding: (1, 1, 1, 1)) }
            let mean = norm.runningMean.value
            return (0..<4).map { Double((y[flat: $0] - mean[flat: $0]) / (1 + norm.epsilon).squareRoot()) }
        }
        #expect(peakRelativeError(try fused(), layerByLayer()) < 1e-5)
        conv.weight.assign(randomTensor(conv.weight.shape, seed: 10))
        #expect(peakRelativeError(try fused(), layerByLayer()) < 1e-5)
    }

    @Test func freezingCountsAsAChange() {
        let parameter = Parameter(randomTensor([2, 2], seed: 1))
        let before = parameter.version
        parameter.isTrainable = false
        #expect(parameter.version > before)
    }
}
