import FoveaNN
import FoveaTestSupport
import Testing

/// The zoo's composite blocks: squeeze-and-excitation, multi-head attention, stochastic depth,
/// concatenated branches and Conv3D — gradients by finite differences, behaviour by construction.
@Suite struct BlockTests {
    func expectInputGradients(_ layer: Module, _ input: Tensor, sourceLocation: SourceLocation = #_sourceLocation) {
        let mismatch = gradientMismatch([input]) { try! layer.forward($0[0], .inference) }
        #expect(mismatch == nil, "\(mismatch ?? "")", sourceLocation: sourceLocation)
    }

    @Test func squeezeExcitationGatesEachChannel() throws {
        var g = SeededGenerator(seed: 1)
        let se = SqueezeExcitation(4, squeezeChannels: 2, activation: .silu, generator: &g)
        let x = randomTensor([2, 4, 3, 3], seed: 2)
        expectInputGradients(se, x)
        // The gate is σ(·) ∈ (0, 1) per (image, channel): output/input is constant over each plane.
        let y = try se.predict(x)
        for plane in 0..<8 {
            let ratios = (0..<9).map { y[flat: plane * 9 + $0] / x[flat: plane * 9 + $0] }
            #expect(ratios.allSatisfy { Swift.abs($0 - ratios[0]) < 1e-4 && $0 > 0 && $0 < 1 })
        }
        #expect(se.namedParameters.map(\.name) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
    }

    @Test func multiheadAttentionHasPyTorchNamesAndGradients() throws {
        var g = SeededGenerator(seed: 3)
        let attention = MultiheadAttention(embedDimension: 6, heads: 3, generator: &g)
        #expect(attention.namedParameters.map(\.name) == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"])
        expectInputGradients(attention, randomTensor([2, 4, 6], seed: 4))
        #expect(throws: FoveaError.self) { try attention.predict(randomTensor([2, 4, 5], seed: 5)) }
    }

    @Test func attentionIsPermutationEquivariant() throws {
        // Self-attention without position information: permuting the tokens permutes the output.
        var g = SeededGenerator(seed: 6)
        let attention = MultiheadAttention(embedDimension: 4, heads: 2, generator: &g)
        let x = randomTensor([1, 3, 4], seed: 7)
        let swapped = Tensor.concatenate([x.slice(axis: 1, 2..<3), x.slice(axis: 1, 0..<2)], axis: 1)
        let y = try attention.predict(x), ys = try attention.predict(swapped)
        #expect(relativeError(ys.slice(axis: 1, 1..<3).scalars, y.slice(axis: 1, 0..<2).scalars.map(Double.init)) < 1e-5)
    }

    @Test func stochasticDepthDropsWholeSamplesAndKeepsTheExpectation() throws {
        let layer = StochasticDepth(0.25)
        let x = Tensor(ones: [4000, 2, 2])
        #expect(try layer.predict(x).scalars == x.scalars)  // identity in inference
        let y = try layer.forward(x, .training(RandomSource(seed: 8)))
        for sample in 0..<4000 {  // all four values of a sample are dropped together or scaled together
            let values = Set((0..<4).map { y[flat: sample * 4 + $0] })
            #expect(values == [0] || values == [Float(1 / 0.75)])
        }
        let mean = y.scalars.reduce(0, +) / Float(y.count)
        #expect(Swift.abs(mean - 1) < 0.05)
        let mismatch = gradientMismatch([randomTensor([3, 2], seed: 9)]) { try! layer.forward($0[0], .training(RandomSource(seed: 10))) }
        #expect(mismatch == nil)
    }

    @Test func concatenatedBranchesJoinChannelsAndNameTheMisfit() throws {
        var g = SeededGenerator(seed: 11)
        let branches = ConcatenatedBranches([("a", Conv2D(2, 3, kernelSize: 1, generator: &g)),
                                             ("b", Conv2D(2, 1, kernelSize: 3, padding: .same, generator: &g))])
        let x = randomTensor([2, 2, 4, 4], seed: 12)
        #expect(try branches.predict(x).shape == [2, 4, 4, 4])
        expectInputGradients(branches, x)
        let misfit = ConcatenatedBranches([("a", Conv2D(2, 3, kernelSize: 1, generator: &g)),
                                           ("shrinks", Conv2D(2, 1, kernelSize: 3, generator: &g))])
        do {
            _ = try misfit.predict(x)
            Issue.record("expected a shape error")
        } catch let error as FoveaError {
            #expect(error.message.contains("shrinks"))
        }
    }

    @Test func conv3DLayerChecksItsInputAndHasGradients() throws {
        var g = SeededGenerator(seed: 13)
        let conv = Conv3D(2, 3, kernelSize: [2, 3, 3], padding: [0, 1, 1], generator: &g)
        let x = randomTensor([1, 2, 3, 4, 4], seed: 14)
        #expect(try conv.predict(x).shape == [1, 3, 2, 4, 4])
        expectInputGradients(conv, x)
        #expect(throws: FoveaError.self) { try conv.predict(randomTensor([1, 2, 4, 4], seed: 15)) }
        #expect(throws: FoveaError.self) { try conv.predict(randomTensor([1, 2, 1, 4, 4], seed: 16)) }
    }
}
