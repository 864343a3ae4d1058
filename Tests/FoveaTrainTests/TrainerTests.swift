import Foundation
import FoveaTrain
import Testing

@Suite struct TrainerTests {
    /// End to end: a small CNN learns a small pattern set far above chance (20 %).
    @Test func aCNNLearnsThePatternDataset() throws {
        let data = try PatternDataset.generate(.init(samples: 500, imageSize: 16, seed: 11))
        let (train, validation, test) = try data.split(train: 0.7, validation: 0.15, seed: 11)
        let model = try ModelZoo.make(.init(name: "keras-cifar-cnn", classes: 5, inputShape: data.imageShape), seed: 11)
        let trainer = try Trainer(model: model, configuration: .init(epochs: 6, batchSize: 16, learningRate: 2e-3, seed: 11))
        var events = 0
        let history = try trainer.fit(train: train, validation: validation) { _ in events += 1 }
        #expect(history.count == 6)
        #expect(events > 6 * 22)
        #expect(history.last!.trainLoss < history.first!.trainLoss)
        let result = try trainer.evaluate(test)
        #expect(result.accuracy >= 0.9, "test accuracy \(result.accuracy)")
    }

    /// Training with augmentation and MixUp runs end to end and still learns.
    @Test func augmentedMixedTrainingLearns() throws {
        let data = try PatternDataset.generate(.init(samples: 500, imageSize: 16, seed: 12))
        let (train, _, test) = try data.split(train: 0.7, validation: 0.15, seed: 12)
        let model = try ModelZoo.make(.init(name: "keras-cifar-cnn", classes: 5, inputShape: data.imageShape), seed: 12)
        let trainer = try Trainer(model: model, configuration: .init(
            epochs: 6, batchSize: 16, learningRate: 2e-3, seed: 12,
            augmentation: try AugmentationPipeline.parse("crop=1,brightness=0.1,contrast=0.1"), mix: .mixup(alpha: 0.2)))
        _ = try trainer.fit(train: train, validation: nil)
        #expect(try trainer.evaluate(test).accuracy >= 0.8)
    }

    @Test func aNonFiniteLossStopsTrainingWithAClearError() throws {
        let images = Tensor(repeating: .nan, shape: [8, 1, 28, 28])
        let data = try Dataset(name: "nan", images: images, labels: Array(repeating: 0, count: 8), classNames: (0..<10).map(String.init))
        let model = try ModelZoo.make(.init(name: "lenet5", classes: 10, inputShape: [1, 28, 28]), seed: 1)
        let trainer = try Trainer(model: model, configuration: .init(epochs: 1, batchSize: 4))
        do {
            _ = try trainer.fit(train: data, validation: nil)
            Issue.record("expected an error")
        } catch let error as FoveaError {
            #expect(error.kind == .numerical)
            #expect(error.message.contains("epoch 1, batch 1"))
        }
    }

    @Test func mismatchedClassesAndBadOptionsAreErrors() throws {
        let data = try PatternDataset.generate(.init(samples: 20, imageSize: 28, channels: 1, classes: 5))
        let model = try ModelZoo.make(.init(name: "lenet5", classes: 10, inputShape: [1, 28, 28]), seed: 1)
        #expect(throws: FoveaError.self) { try Trainer(model: model, configuration: .init(epochs: 1)).fit(train: data, validation: nil) }
        #expect(throws: FoveaError.self) { try Trainer(model: model, configuration: .init(epochs: 0)) }
        #expect(throws: FoveaError.self) { try Trainer(model: model, configuration: .init(batchSize: -1)) }
        #expect(throws: FoveaError.self) { try Trainer(model: model, configuration: .init(learningRate: 0)) }
    }

    @Test func runFolderRoundTripsTheModel() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-run-\(UUID())").path
        let config = ModelConfiguration(name: "lenet5", classes: 10, inputShape: [1, 28, 28])
        let model = try ModelZoo.make(config, seed: 3)
        try RunDirectory.writeModel(model, configuration: config, to: folder)
        let (loaded, loadedConfig) = try RunDirectory.loadModel(from: folder)
        #expect(loadedConfig == config)
        let input = Tensor(ones: [2, 1, 28, 28])
        #expect(try loaded.predict(input).scalars == model.predict(input).scalars)

        // A truncated weights file is a clear error, not a crash.
        let data = try readFile(folder + "/model.safetensors")
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: folder + "/model.safetensors"))
        #expect(throws: FoveaError.self) { try RunDirectory.loadModel(from: folder) }
    }
}
