import Foundation
import FoveaNN
import FoveaTestSupport
import Testing

/// Freezing, new heads, features, L2-SP and gradient reversal.
@Suite struct TransferLearningTests {
    func smallNetwork(_ seed: UInt64 = 1) -> Sequential {
        var g = SeededGenerator(seed: seed)
        return Sequential(named: [("features", Sequential([Conv2D(1, 3, kernelSize: 3, bias: false, generator: &g), BatchNorm2D(3), ReLU()])),
                                  ("pool", GlobalAvgPool2D()), ("fc", Dense(3, 4, generator: &g))])
    }

    @Test func freezingByPrefixLeavesTheRestTrainable() throws {
        let network = smallNetwork()
        try network.setTrainable(false, prefixes: ["features"])
        #expect(network.namedParameters.filter(\.parameter.isTrainable).map(\.name) == ["fc.weight", "fc.bias"])
        #expect(network.trainableParameterCount == 16)
        do {
            try network.setTrainable(false, prefixes: ["layer9"])
            Issue.record("expected an error")
        } catch let error as FoveaError {
            #expect(error.message.contains("layer9") && error.message.contains("features") && error.message.contains("fc"))
        }
        try network.freezeEncoder()
        #expect(network.namedParameters.filter(\.parameter.isTrainable).map(\.name) == ["fc.weight", "fc.bias"])
    }

    @Test func aFrozenBatchNormUsesAndKeepsItsRunningStatistics() throws {
        let network = smallNetwork()
        let bn = network.namedBuffers.first { $0.name == "features.1.running_mean" }!.buffer
        bn.value = Tensor(scalar: 0).broadcast(to: [3]) + 0.3
        try network.freezeEncoder()
        let x = randomTensor([4, 1, 5, 5], seed: 2)
        let training = try network.forward(x, .training(RandomSource(seed: 3)))
        #expect(training.scalars == (try network.predict(x)).scalars)  // eval behaviour in training mode
        #expect(bn.value.scalars == [0.3, 0.3, 0.3])
        // The head still learns: it gets gradients, the encoder none.
        try Loss.crossEntropy(training, labels: [0, 1, 2, 3]).backward()
        #expect(network.namedParameters.first { $0.name == "fc.weight" }!.parameter.grad != nil)
        #expect(network.namedParameters.first { $0.name == "features.0.weight" }!.parameter.grad == nil)
    }

    @Test func replacingTheHeadKeepsTheEncoder() throws {
        let network = smallNetwork()
        let before = network.stateDict()
        var g = SeededGenerator(seed: 4)
        try network.replaceHead(classes: 7, generator: &g)
        let after = network.stateDict()
        #expect(after["fc.weight"]!.shape == [7, 3] && after["fc.bias"]!.shape == [7])
        #expect(after["features.0.weight"]!.scalars == before["features.0.weight"]!.scalars)
        #expect(try network.predict(randomTensor([2, 1, 5, 5], seed: 5)).shape == [2, 7])
        #expect(network.head?.path == "fc")
    }

    @Test func featuresAreTheHeadInput() throws {
        let network = smallNetwork()
        let x = randomTensor([2, 1, 6, 6], seed: 6)
        let (logits, features) = try network.forwardWithFeatures(x, .inference)
        #expect(features.shape == [2, 3])
        let head = network.head!.layer
        #expect(relativeError(try head.predict(features).scalars, logits.scalars.map(Double.init)) < 1e-6)
        #expect(try network.extractFeatures(x).scalars == features.scalars)
    }

    @Test func l2spPenaltyHasCorrectGradients() {
        let values = [randomTensor([3, 2], seed: 7), randomTensor([4], seed: 8)]
        let references = [randomTensor([3, 2], seed: 9), randomTensor([4], seed: 10)]
        let mismatch = gradientMismatch(values) { Regularization.startingPoint(values: $0, references: references, lambda: 0.3) }
        #expect(mismatch == nil, "\(mismatch ?? "")")
        // Zero at the starting point, λ‖Δ‖² away from it.
        #expect(Regularization.startingPoint(values: references, references: references, lambda: 0.3).item == 0)
        let shifted = references.map { $0 + 0.5 }
        #expect(Swift.abs(Regularization.startingPoint(values: shifted, references: references, lambda: 0.3).item - 0.3 * 0.25 * 10) < 1e-5)
    }

    @Test func startingPointSkipsTheNewHeadAndFrozenParameters() throws {
        let network = smallNetwork()
        let pretrained = network.stateDict()
        var g = SeededGenerator(seed: 11)
        try network.replaceHead(classes: 6, generator: &g)
        try network.setTrainable(false, prefixes: ["features.1"])
        let point = StartingPoint(lambda: 0.1, model: network, reference: pretrained)
        #expect(point.pairs.count == 1)  // features.0.weight: fc has a new shape, features.1 is frozen
        #expect(point.penalty().item == 0)
    }

    /// Forward is the identity; backward is −λ times the gradient of whatever follows, which the
    /// finite differences of that function (without the reversal) give.
    @Test func gradientReversalNegatesAndScalesTheGradient() {
        let x = randomTensor([3, 4], seed: 12)
        for lambda: Float in [0.5, 1, 2] {
            let leaf = x.copy().requiringGrad()
            func f(_ t: Tensor) -> Tensor { (t.tanh() * t).sum() }
            f(leaf.reversingGradient(scale: lambda)).backward()
            #expect(leaf.reversingGradient(scale: lambda).scalars == x.scalars)
            for i in 0..<x.count {
                let plus = x.copy(), minus = x.copy()
                plus.pointer[i] += 1e-2; minus.pointer[i] -= 1e-2
                let numeric = (Double(withoutGradients { f(plus) }.item) - Double(withoutGradients { f(minus) }.item)) / 2e-2
                #expect(Swift.abs(Double(leaf.grad![flat: i]) + Double(lambda) * numeric) < 2e-2 * max(1, Swift.abs(numeric)))
            }
        }
        #expect(GradientReversal.rampedScale(progress: 0) == 0)
        #expect(GradientReversal.rampedScale(progress: 1) > 0.999)
        #expect(Swift.abs(GradientReversal.rampedScale(progress: 0.1) - Float(2 / (1 + Foundation.exp(-1.0)) - 1)) < 1e-6)
    }
}
