import Foundation

/// The domain-adversarial example: pattern images (source, labelled) adapted to a shifted target
/// domain (inverted, low-contrast, noisy copies of other pattern images, unlabelled during
/// training); target-test accuracy of source-only training against DANN, same model, data and budget.
public struct DomainAdaptationDemo {
    public struct Outcome: Codable, Sendable {
        public let model: String
        public let epochs: Int
        public let sourceOnlyTargetAccuracy: Double
        public let adversarialTargetAccuracy: Double
        public let sourceOnlySourceAccuracy: Double
        public let adversarialSourceAccuracy: Double
        public let finalDomainAccuracy: Double
        enum CodingKeys: String, CodingKey {
            case model, epochs
            case sourceOnlyTargetAccuracy = "source_only_target_accuracy", adversarialTargetAccuracy = "dann_target_accuracy"
            case sourceOnlySourceAccuracy = "source_only_source_accuracy", adversarialSourceAccuracy = "dann_source_accuracy"
            case finalDomainAccuracy = "final_domain_classifier_accuracy"
        }
    }

    public var model = "simplecnn"
    public var samples = 2000
    public var imageSize = 32
    public var epochs = 8
    public var learningRate: Float = 1e-3
    public var seed: UInt64 = 42

    public init() {}

    /// The target domain: 0.9 − 0.7·x plus N(0, 0.25) noise, clamped to [0, 1].
    public static func shift(_ data: Dataset, seed: UInt64) throws -> Dataset {
        var generator = SeededGenerator(seed: seed)
        let shifted = data.images.copy()
        for i in 0..<shifted.count {
            shifted.pointer[i] = min(1, max(0, 0.9 - 0.7 * shifted.pointer[i] + 0.25 * generator.nextNormal()))
        }
        return try Dataset(name: data.name + " (shifted)", images: shifted, labels: data.labels, classNames: data.classNames)
    }

    public func run(onEpoch: (String, Int, Double) -> Void = { _, _, _ in }) throws -> Outcome {
        let source = try PatternDataset.generate(.init(samples: samples, imageSize: imageSize, seed: seed))
        let (sourceTrain, _, sourceTest) = try source.split(train: 0.8, validation: 0, seed: seed)
        let target = try Self.shift(try PatternDataset.generate(.init(samples: samples, imageSize: imageSize, seed: seed &+ 1)), seed: seed &+ 2)
        let (targetTrain, _, targetTest) = try target.split(train: 0.8, validation: 0, seed: seed)
        let unlabelledTarget = targetTrain  // its labels are never read by the adversarial loop
        let config = ModelConfiguration(name: model, classes: source.classCount, inputShape: source.imageShape)
        let training = TrainingConfiguration(epochs: epochs, batchSize: 32, learningRate: learningRate, seed: seed)

        let plain = try ModelZoo.make(config, seed: seed)
        let trainer = try Trainer(model: plain, configuration: training, modelConfiguration: config)
        try trainer.fit(train: sourceTrain, validation: nil) { event in
            if case let .epochEnded(record) = event { onEpoch("source only", record.epoch, record.trainLoss) }
        }

        let adapted = try ModelZoo.make(config, seed: seed)
        let adversarial = try DomainAdversarialTraining(model: adapted, configuration: training)
        let logs = try adversarial.fit(source: sourceTrain, target: unlabelledTarget) { onEpoch("DANN", $0.epoch, $0.taskLoss) }

        func accuracy(_ model: Module, _ data: Dataset) throws -> Double { try Trainer.evaluate(model, on: data).accuracy }
        return Outcome(model: model, epochs: epochs,
                       sourceOnlyTargetAccuracy: try accuracy(plain, targetTest), adversarialTargetAccuracy: try accuracy(adapted, targetTest),
                       sourceOnlySourceAccuracy: try accuracy(plain, sourceTest), adversarialSourceAccuracy: try accuracy(adapted, sourceTest),
                       finalDomainAccuracy: logs.last?.domainAccuracy ?? 0)
    }
}
