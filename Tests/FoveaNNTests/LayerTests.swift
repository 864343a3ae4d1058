import FoveaNN
import FoveaTestSupport
import Testing

@Suite struct LayerTests {
    /// Finite differences through a layer, for its input and for every parameter element.
    func expectLayerGradients(_ layer: Module, input: Tensor, sourceLocation: SourceLocation = #_sourceLocation) {
        let inputMismatch = gradientMismatch([input]) { try! layer.forward($0[0], .inference) }
        #expect(inputMismatch == nil, "input: \(inputMismatch ?? "")", sourceLocation: sourceLocation)

        layer.zeroGrad()
        let seed = randomTensor(try! layer.predict(input).shape, seed: 99)
        (try! layer.forward(input, .inference) * seed).sum().backward()
        func objective() -> Double {
            let out = try! layer.predict(input)
            return (0..<out.count).reduce(0.0) { $0 + Double(out[flat: $1]) * Double(seed[flat: $1]) }
        }
        for (name, parameter) in layer.namedParameters {
            let analytic = parameter.grad!
            for i in 0..<parameter.value.count {
                let original = parameter.value.pointer[i]
                parameter.updateInPlace { $0[i] = original + 1e-2 }
                let plus = objective()
                parameter.updateInPlace { $0[i] = original - 1e-2 }
                let minus = objective()
                parameter.updateInPlace { $0[i] = original }
                let numeric = (plus - minus) / 2e-2, exact = Double(analytic[flat: i])
                #expect(Swift.abs(numeric - exact) <= 2e-2 * Swift.max(1, Swift.abs(numeric)),
                        "\(name)[\(i)]: analytic \(exact), numeric \(numeric)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func layersHaveCorrectGradients() {
        var g = SeededGenerator(seed: 1)
        expectLayerGradients(Conv2D(3, 4, kernelSize: 3, padding: .same, activation: .sigmoid, generator: &g),
                             input: randomTensor([2, 3, 5, 5], seed: 2))
        expectLayerGradients(Conv2D(2, 2, kernelSize: 3, stride: 2, padding: .same, bias: false, generator: &g),
                             input: randomTensor([1, 2, 6, 7], seed: 3))
        expectLayerGradients(Dense(5, 3, activation: .tanh, generator: &g), input: randomTensor([4, 5], seed: 4))
        expectLayerGradients(Sequential([Conv2D(1, 2, kernelSize: 3, generator: &g), MaxPool2D(kernelSize: 2), Flatten(),
                                         Dense(8, 3, generator: &g), Softmax()]),
                             input: wellSeparated([2, 1, 6, 6], seed: 5))
        expectLayerGradients(Sequential([AvgPool2D(kernelSize: 2), GlobalAvgPool2D(), ReLU(), Sigmoid(), Tanh()]),
                             input: wellSeparated([2, 2, 4, 4], seed: 6))
    }

    @Test func samePaddingKeepsTheSizeOverStride() throws {
        var g = SeededGenerator(seed: 1)
        let stride1 = Conv2D(1, 1, kernelSize: 4, padding: .same, generator: &g)
        #expect(try stride1.predict(Tensor(zeros: [1, 1, 7, 9])).shape == [1, 1, 7, 9])
        let stride2 = Conv2D(1, 1, kernelSize: 3, stride: 2, padding: .same, generator: &g)
        #expect(try stride2.predict(Tensor(zeros: [1, 1, 7, 8])).shape == [1, 1, 4, 4])
    }

    @Test func wrongInputShapesNameTheLayer() {
        var g = SeededGenerator(seed: 1)
        let model = Sequential(named: [("stem", Conv2D(3, 8, kernelSize: 3, generator: &g)), ("head", Flatten())])
        do {
            _ = try model.predict(Tensor(zeros: [1, 1, 8, 8]))
            Issue.record("expected an error")
        } catch let error as FoveaError {
            #expect(error.message.contains("layer 'stem' (Conv2D)"))
            #expect(error.message.contains("[1, 1, 8, 8]"))
        } catch { Issue.record("unexpected \(error)") }
        #expect(throws: FoveaError.self) { try Dense(4, 2, generator: &g).predict(Tensor(zeros: [2, 5])) }
        #expect(throws: FoveaError.self) { try Conv2D(1, 1, kernelSize: 5, generator: &g).predict(Tensor(zeros: [1, 1, 3, 3])) }
        #expect(throws: FoveaError.self) { try MaxPool2D(kernelSize: 4).predict(Tensor(zeros: [1, 1, 3, 3])) }
    }

    @Test func dropoutIsInvertedInTrainingAndIdentityInInference() throws {
        let x = Tensor(ones: [100, 100])
        #expect(try Dropout(0.3).forward(x, .inference).scalars == x.scalars)
        let y = try Dropout(0.3).forward(x, .training(RandomSource(seed: 1)))
        let zeros = y.scalars.filter { $0 == 0 }.count
        #expect(Swift.abs(Double(zeros) / 10_000 - 0.3) < 0.02)
        #expect(y.scalars.filter { $0 != 0 }.allSatisfy { Swift.abs($0 - 1 / 0.7) < 1e-6 })
    }

    @Test func stateDictNamesFollowPyTorchAndLoadingChecksKeys() throws {
        var g = SeededGenerator(seed: 1)
        let model = Sequential([Conv2D(1, 2, kernelSize: 3, generator: &g), ReLU(), Dense(4, 2, bias: false, generator: &g)])
        #expect(Set(model.stateDict().keys) == ["0.weight", "0.bias", "2.weight"])
        var state = model.stateDict()
        state["2.weight"] = Tensor(zeros: [2, 5])
        state["extra"] = Tensor(zeros: [1])
        state.removeValue(forKey: "0.bias")
        do {
            try model.loadStateDict(state, source: "w.safetensors")
            Issue.record("expected an error")
        } catch let error as FoveaError {
            for fragment in ["w.safetensors", "missing keys: 0.bias", "unexpected keys: extra", "2.weight: file [2, 5], model [2, 4]"] {
                #expect(error.message.contains(fragment), "\(error.message)")
            }
        }
        let copy = Sequential([Conv2D(1, 2, kernelSize: 3, generator: &g), ReLU(), Dense(4, 2, bias: false, generator: &g)])
        try copy.loadStateDict(model.stateDict())
        #expect(copy.stateDict()["2.weight"]!.scalars == model.stateDict()["2.weight"]!.scalars)
    }

    @Test func summaryListsLayersShapesAndParameters() throws {
        var g = SeededGenerator(seed: 1)
        let model = Sequential([Conv2D(1, 4, kernelSize: 3, generator: &g), MaxPool2D(kernelSize: 2), Flatten(), Dense(36, 3, generator: &g)])
        let summary = try ModelSummary(of: model, inputShape: [1, 8, 8])
        #expect(summary.rows.map(\.outputShape) == [[4, 6, 6], [4, 3, 3], [36], [3]])
        #expect(summary.rows.map(\.params) == [40, 0, 0, 111])
        #expect(summary.params == 151)
        #expect(summary.table(title: "tiny").contains("Total params: 151"))
    }

    @Test func lossesCheckLabels() throws {
        let logits = randomTensor([3, 4], seed: 1)
        #expect(throws: FoveaError.self) { try Loss.crossEntropy(logits, labels: [0, 4, 1]) }
        #expect(throws: FoveaError.self) { try Loss.crossEntropy(logits, labels: [0, 1]) }
        let smoothed = try Loss.crossEntropy(logits, labels: [0, 3, 1], labelSmoothing: 0.2).item
        let soft = try Loss.crossEntropy(logits, targets: Loss.oneHot([0, 3, 1], classes: 4, smoothing: 0.2)).item
        #expect(Swift.abs(smoothed - soft) < 1e-6)
    }
}

@Suite struct ModernLayerTests {
    @Test func activationLayersAndAdaptivePoolingAsModules() throws {
        let model = Sequential([ActivationLayer(.gelu), ActivationLayer(.hardswish), AdaptiveAvgPool2D(outputSize: (2, 3))])
        let summary = try ModelSummary(of: model, inputShape: [4, 7, 9])
        #expect(summary.rows.map(\.outputShape) == [[4, 7, 9], [4, 7, 9], [4, 2, 3]])
        #expect(summary.rows.map(\.type) == ["gelu", "hardswish", "AdaptiveAvgPool2D"])
        #expect(throws: FoveaError.self) { try AdaptiveAvgPool2D(outputSize: (2, 2)).predict(Tensor(zeros: [2, 3])) }
        for activation in Activation.allCases {
            #expect(try ActivationLayer(activation).predict(Tensor(ones: [1, 3])).shape == [1, 3])
        }
    }
}
