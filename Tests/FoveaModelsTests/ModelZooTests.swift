import FoveaModels
import FoveaTestSupport
import Testing

@Suite struct ModelZooTests {
    @Test(arguments: [("simplecnn", 5, 1_338_661), ("lenet5", 10, 61_706), ("keras-mnist-cnn", 10, 93_322),
                      ("keras-mnist-dense", 10, 109_386), ("keras-cifar-cnn", 10, 315_722), ("resnet20", 10, 269_722),
                      ("resnet-seed", 5, 2_776_389)])
    func parameterCountsMatchTheReferences(model: (name: String, classes: Int, params: Int)) throws {
        let spec = try ModelZoo.specification(named: model.name)
        let network = try ModelZoo.make(.init(name: model.name, classes: model.classes, inputShape: spec.defaultInput), seed: 1)
        #expect(network.parameterCount == model.params)
    }

    @Test func kerasMNISTCNNSummaryHasTheKerasRows() throws {
        let network = try ModelZoo.make(.init(name: "keras-mnist-cnn", classes: 10, inputShape: [1, 28, 28]), seed: 1)
        let summary = try ModelSummary(of: network, inputShape: [1, 28, 28])
        #expect(summary.rows.map(\.outputShape) == [[32, 26, 26], [32, 13, 13], [64, 11, 11], [64, 5, 5], [64, 3, 3], [576], [64], [10]])
        #expect(summary.rows.map(\.params).filter { $0 > 0 } == [320, 18_496, 36_928, 36_928, 650])
        #expect(summary.params == 93_322)
    }

    @Test func unknownModelsAndUnfittingInputsAreErrors() {
        #expect(throws: FoveaError.self) { try ModelZoo.make(.init(name: "resnet9000", classes: 10, inputShape: [3, 32, 32]), seed: 1) }
        #expect(throws: FoveaError.self) { try ModelZoo.make(.init(name: "lenet5", classes: 10, inputShape: [1, 4, 4]), seed: 1) }
        #expect(throws: FoveaError.self) { try ModelZoo.make(.init(name: "lenet5", classes: 1, inputShape: [1, 28, 28]), seed: 1) }
        do {
            _ = try ModelZoo.make(.init(name: "resnet9000", classes: 10, inputShape: [3, 32, 32]), seed: 1)
        } catch let error as FoveaError {
            #expect(error.message.contains("resnet9000") && error.message.contains("simplecnn"))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test(arguments: ModelZoo.names)
    func everyModelTrainsAFewStepsWithoutNaN(name: String) throws {
        let spec = try ModelZoo.specification(named: name)
        let network = try ModelZoo.make(.init(name: name, classes: 4, inputShape: spec.defaultInput), seed: 2)
        let images = randomTensor([4] + spec.defaultInput, seed: 3)
        let labels = [0, 1, 2, 3]
        let optimizer = Adam(network.namedParameters, learningRate: 1e-3)
        var losses: [Float] = []
        for _ in 0..<5 {
            let loss = try Loss.crossEntropy(try network.forward(images, .inference), labels: labels)
            optimizer.zeroGrad()
            loss.backward()
            #expect(network.parameters.allSatisfy { $0.grad?.scalars.allSatisfy { $0.isFinite } ?? false })
            optimizer.step()
            losses.append(loss.item)
        }
        #expect(losses.allSatisfy { $0.isFinite })
        #expect(losses.last! < losses.first!, "\(name): \(losses)")
    }

    @Test func sameSeedSameWeights() throws {
        let config = ModelConfiguration(name: "lenet5", classes: 10, inputShape: [1, 28, 28])
        let a = try ModelZoo.make(config, seed: 4).stateDict(), b = try ModelZoo.make(config, seed: 4).stateDict()
        #expect(a.keys.sorted() == b.keys.sorted())
        #expect(a.keys.allSatisfy { a[$0]!.scalars == b[$0]!.scalars })
    }
}
