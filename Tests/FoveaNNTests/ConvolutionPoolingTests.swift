import FoveaNN
import FoveaTestSupport
import Testing

/// Conv2D → 2×2 max pool runs as one op at inference (`Sequential` fuses the pair); the result
/// is the layers' one by one, and bad input still names the layer.
@Suite struct ConvolutionPoolingTests {
    func model(seed: UInt64) -> (Sequential, [Module]) {
        var g = SeededGenerator(seed: seed)
        let layers: [Module] = [
            Conv2D(3, 32, kernelSize: 3, activation: .relu, generator: &g), MaxPool2D(kernelSize: 2),        // direct kernel
            Conv2D(32, 64, kernelSize: 3, generator: &g), MaxPool2D(kernelSize: 2),                           // channel vectors
            Conv2D(64, 16, kernelSize: 3, padding: .same, activation: .tanh, generator: &g), MaxPool2D(kernelSize: 2),  // not fused
            Flatten(),
        ]
        return (Sequential(layers), layers)
    }

    @Test func fusedInferenceEqualsLayerByLayer() throws {
        let (sequential, layers) = model(seed: 1)
        let x = randomTensor([8, 3, 32, 32], seed: 2)
        let fused = try sequential.predict(x)
        var separate = x
        for layer in layers { separate = try layer.forward(separate, .inference) }
        #expect(fused.shape == [8, 16 * 3 * 3])
        #expect(peakRelativeError(fused.scalars, separate.scalars.map(Double.init)) < 1e-6)
    }

    /// Training fuses the pairs too: the same output and parameter gradients as layer by layer.
    @Test func fusedTrainingEqualsLayerByLayer() throws {
        let x = randomTensor([4, 3, 32, 32], seed: 4)
        func run(fused: Bool) throws -> [[Float]] {
            let (sequential, layers) = model(seed: 3)
            let context = ForwardContext.training(RandomSource(seed: 5))
            var y = x
            if fused {
                y = try sequential.forward(x, context)
            } else {
                for layer in layers { y = try layer.forward(y, context) }
            }
            (y * randomTensor(y.shape, seed: 6)).sum().backward()
            return [y.scalars] + sequential.parameters.map { $0.grad!.scalars }
        }
        let (fused, separate) = (try run(fused: true), try run(fused: false))
        #expect(fused.count == separate.count)
        for (a, e) in zip(fused, separate) { #expect(peakRelativeError(a, e.map(Double.init)) < 1e-5) }
    }

    @Test(arguments: [([2, 4, 32, 32], "layer '0' (Conv2D)"),
                      // An output under 2×2 leaves the pool to report its own window.
                      ([2, 3, 3, 3], "layer '1' (MaxPool2D)")])
    func badInputNamesTheLayer(shape: [Int], expected: String) throws {
        let (sequential, _) = model(seed: 6)
        do {
            _ = try sequential.predict(randomTensor(shape, seed: 7))
            Issue.record("expected an error")
        } catch let error as FoveaError {
            #expect(error.message.contains(expected), "\(error.message)")
        } catch { Issue.record("unexpected \(error)") }
    }
}
