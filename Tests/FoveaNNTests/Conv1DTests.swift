import Foundation
import FoveaNN
import FoveaTestSupport
import Testing

/// Conv1D against PyTorch's conv1d (fixtures shared with the core tests' generator).
@Suite struct Conv1DTests {
    static let cases: [String: ReferenceCase] = {
        // The core fixture file, reached from this test bundle's source folder.
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("FoveaCoreTests/Fixtures/pytorch_reference.json")
        return try! loadReferenceCases(from: url)
    }()

    @Test(arguments: ["conv1d_basic", "conv1d_stride2_pad2_dilation2"])
    func matchesPyTorchBothWays(name: String) throws {
        let reference = Self.cases[name]!
        let p = reference.params
        var g = SeededGenerator(seed: 0)
        let w = reference.inputs[1]
        let layer = Conv1D(reference.inputs[0].shape[1], w.shape[0], kernelSize: w.shape[2], stride: p["stride"]!.int,
                           padding: .explicit(0, p["padding"]!.int), dilation: p["dilation"]!.int, groups: p["groups"]!.int, generator: &g)
        layer.weight.assign(w.tensor)
        layer.bias!.assign(reference.inputs[2].tensor)
        let x = reference.inputs[0].tensor.requiringGrad()
        let y = try layer.forward(x, .inference)
        #expect(y.shape == reference.output.shape)
        #expect(relativeError(y.scalars, reference.output.data) < 1e-4)
        y.backward(seed: reference.gradOutput.tensor)
        #expect(relativeError(x.grad!.scalars, reference.gradInputs[0].data) < 1e-4)
        #expect(relativeError(layer.weight.grad!.scalars, reference.gradInputs[1].data) < 1e-4)
        #expect(relativeError(layer.bias!.grad!.scalars, reference.gradInputs[2].data) < 1e-4)
    }

    @Test func gradientsAndShapeErrors() throws {
        var g = SeededGenerator(seed: 1)
        let layer = Conv1D(2, 3, kernelSize: 3, padding: .same, generator: &g)
        #expect(try layer.predict(Tensor(zeros: [1, 2, 9])).shape == [1, 3, 9])
        let mismatch = gradientMismatch([randomTensor([2, 2, 7], seed: 2)]) { try! layer.forward($0[0], .inference) }
        #expect(mismatch == nil, "\(mismatch ?? "")")
        #expect(throws: FoveaError.self) { try layer.predict(Tensor(zeros: [1, 3, 9])) }
        let norm = LayerNorm([4])
        #expect(gradientMismatch([randomTensor([3, 4], seed: 3, scale: 2)]) { try! norm.forward($0[0], .inference) } == nil)
        #expect(throws: FoveaError.self) { try norm.predict(Tensor(zeros: [3, 5])) }
    }
}
