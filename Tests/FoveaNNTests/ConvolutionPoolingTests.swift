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
        #expect(zip(fused.scalars, separate.scalars).allSatisfy { $0 == $1 }, "the fused and separate outputs differ")
    }

    /// Training runs the layers one by one and records both ops.
    @Test func trainingStillRecordsGradients() throws {
        let (sequential, layers) = model(seed: 3)
        let y = try sequential.forward(randomTensor([4, 3, 32, 32], seed: 4), .training(RandomSource(seed: 5)))
        y.sum().backward()
        #expect((layers[0] as! Conv2D).weight.grad != nil)
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
