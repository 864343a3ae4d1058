import Foundation

/// The seed project's two experiments, end to end:
/// 1. "demonstrate_image_classification": SimpleCNN and the seed's ResNet on the 5-class pattern
///    set, each training image joined by two augmented copies; a report per model and a comparison.
/// 2. "demonstrate_advanced_techniques": step decay against cosine annealing on the 10-class
///    64×64 noisy pattern set; loss curves, learning rates and test-accuracy bars.
public struct SeedDemo {
    public struct Scale: Sendable {
        public var samples: Int, imageSize: Int, advancedSamples: Int, advancedImageSize: Int
        public var simpleEpochs: Int, resnetEpochs: Int, advancedEpochs: Int
        /// What `fovea demo seed` runs (within 15 minutes on 2 cores).
        public static let full = Scale(samples: 1000, imageSize: 32, advancedSamples: 1500, advancedImageSize: 64,
                                       simpleEpochs: 8, resnetEpochs: 3, advancedEpochs: 8)
        /// A few seconds, for tests.
        public static let quick = Scale(samples: 100, imageSize: 16, advancedSamples: 100, advancedImageSize: 16,
                                        simpleEpochs: 1, resnetEpochs: 1, advancedEpochs: 2)
    }

    public struct Outcome: Codable, Sendable {
        public let experiment: String, name: String, params: Int
        public let testAccuracy: Double, f1Macro: Double, trainingSeconds: Double
        enum CodingKeys: String, CodingKey {
            case experiment, name, params
            case testAccuracy = "test_accuracy", f1Macro = "f1_macro", trainingSeconds = "training_seconds"
        }
    }

    public let folder: String, scale: Scale, seed: UInt64

    public init(folder: String, scale: Scale = .full, seed: UInt64 = 42) {
        self.folder = folder; self.scale = scale; self.seed = seed
    }

    /// Each training image followed by `copies` augmented versions of it.
    public static func expand(_ data: Dataset, copies: Int, augmentation: AugmentationPipeline, seed: UInt64) throws -> Dataset {
        var parts = [data.images]
        for copy in 1...Swift.max(copies, 1) {
            parts.append(augmentation.apply(to: data.images, seed: seed &+ UInt64(copy), keys: Array(0..<data.count)))
        }
        return try Dataset(name: data.name + "+\(copies) augmented copies", images: Tensor.concatenate(parts, axis: 0),
                           labels: Array(repeating: data.labels, count: copies + 1).flatMap { $0 }, classNames: data.classNames)
    }

    func trainRun(_ model: String, _ data: (train: Dataset, validation: Dataset, test: Dataset), epochs: Int,
               schedule: LearningRateSchedule, learningRate: Float, runFolder: String, experiment: String, title: String,
               onEvent: (TrainingEvent) -> Void) throws -> (Outcome, [EpochRecord]) {
        let config = ModelConfiguration(name: model, classes: data.train.classCount, inputShape: data.train.imageShape)
        let network = try ModelZoo.make(config, seed: seed)
        let trainer = try Trainer(model: network, configuration: TrainingConfiguration(
            epochs: epochs, batchSize: 32, learningRate: learningRate, seed: seed, schedule: schedule), modelConfiguration: config)
        let start = Date()
        let history = try trainer.fit(train: data.train, validation: data.validation,
                                      callbacks: [CSVLogger(path: runFolder + "/metrics.csv")], onEvent: onEvent)
        let seconds = Date().timeIntervalSince(start)
        let prediction = try Prediction.run(network, on: data.test)
        try RunDirectory.writeModel(network, configuration: config, to: runFolder)
        try Report.write(to: runFolder, title: title, history: history, prediction: prediction, test: data.test)
        return (Outcome(experiment: experiment, name: title, params: network.parameterCount, testAccuracy: prediction.metrics.accuracy,
                        f1Macro: prediction.metrics.macroF1, trainingSeconds: seconds), history)
    }

    /// Experiment 1. Returns one outcome per model.
    public func imageClassification(onEvent: (String, TrainingEvent) -> Void = { _, _ in }) throws -> [Outcome] {
        let base = folder + "/image_classification"
        let data = try PatternDataset.generate(.init(samples: scale.samples, imageSize: scale.imageSize, seed: seed))
        let (train, validation, test) = try data.split(train: 0.7, validation: 0.15, seed: seed)
        let augmented = try SeedDemo.expand(train, copies: 2, augmentation: try AugmentationPipeline.parse("flip,rotate=15,brightness=0.2,contrast=0.2"), seed: seed)
        var outcomes: [Outcome] = []
        for (model, epochs) in [("simplecnn", scale.simpleEpochs), ("resnet-seed", scale.resnetEpochs)] {
            let (outcome, _) = try trainRun(model, (augmented, validation, test), epochs: epochs, schedule: .constant, learningRate: 1e-3,
                                            runFolder: "\(base)/\(model)", experiment: "image_classification", title: model) { onEvent(model, $0) }
            outcomes.append(outcome)
        }
        let bars = BarChart(title: "Test accuracy", yLabel: "accuracy", bars: outcomes.map { ($0.name, $0.testAccuracy) })
        try writeAtomically(Data(try bars.raster().png()), to: base + "/comparison.png")
        try writeComparison(outcomes, charts: [bars.svg()], to: base, title: "SimpleCNN vs the seed's ResNet (5 patterns, 2 augmented copies per image)")
        return outcomes
    }

    /// Experiment 2. Returns one outcome per schedule.
    public func advancedTechniques(onEvent: (String, TrainingEvent) -> Void = { _, _ in }) throws -> [Outcome] {
        let base = folder + "/advanced_techniques"
        var config = PatternDataset.Configuration.tenClassNoisy
        config.samples = scale.advancedSamples
        config.imageSize = scale.advancedImageSize
        config.seed = seed
        let data = try PatternDataset.generate(config)
        let split = try data.split(train: 0.7, validation: 0.15, seed: seed)
        let epochs = scale.advancedEpochs
        let schedules: [(String, LearningRateSchedule)] = [
            ("step_decay", .step(every: Swift.max(1, epochs / 3), gamma: 0.3)),
            ("cosine_annealing", .cosine(total: epochs, minimum: 1e-5)),
        ]
        var outcomes: [Outcome] = [], histories: [(String, [EpochRecord])] = []
        for (name, schedule) in schedules {
            let (outcome, history) = try trainRun("simplecnn", split, epochs: epochs, schedule: schedule, learningRate: 1e-3,
                                                  runFolder: "\(base)/\(name)", experiment: "advanced_techniques", title: name) { onEvent(name, $0) }
            outcomes.append(outcome)
            histories.append((name, history))
        }
        let colors: [(UInt8, UInt8, UInt8)] = [(31, 119, 180), (255, 127, 14)]
        let loss = LineChart(title: "Loss: step decay vs cosine annealing", xLabel: "epoch", yLabel: "cross-entropy", series:
            histories.enumerated().flatMap { i, entry in [
                LineChart.Series(name: "\(entry.0) train", color: colors[i], points: entry.1.map { (Double($0.epoch), $0.trainLoss) }),
                LineChart.Series(name: "\(entry.0) val", color: (colors[i].0 / 2, colors[i].1 / 2, colors[i].2 / 2),
                                 points: entry.1.compactMap { r in r.valLoss.map { (Double(r.epoch), $0) } }),
            ] })
        let rates = LineChart(title: "Learning rate", xLabel: "epoch", yLabel: "learning rate", series:
            histories.enumerated().map { i, entry in
                LineChart.Series(name: entry.0, color: colors[i], points: entry.1.map { (Double($0.epoch), $0.learningRate) })
            })
        let bars = BarChart(title: "Test accuracy", yLabel: "accuracy", bars: outcomes.map { ($0.name, $0.testAccuracy) })
        try writeAtomically(Data(try loss.raster().png()), to: base + "/loss_curves.png")
        try writeAtomically(Data(try rates.raster().png()), to: base + "/learning_rates.png")
        try writeAtomically(Data(try bars.raster().png()), to: base + "/accuracy_bars.png")
        try writeComparison(outcomes, charts: [loss.svg(), rates.svg(), bars.svg()], to: base,
                            title: "Step decay vs cosine annealing (10 noisy patterns, \(config.imageSize)×\(config.imageSize))")
        return outcomes
    }

    func writeComparison(_ outcomes: [Outcome], charts: [String], to base: String, title: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeAtomically(try encoder.encode(outcomes), to: base + "/comparison.json")
        let html = ComparisonPage.html(
            title: title, columns: ["run", "parameters", "test accuracy", "macro F1", "training s"],
            rows: outcomes.map { o in (o.name, [o.params.formatted, String(format: "%.4f", o.testAccuracy),
                                                String(format: "%.4f", o.f1Macro), String(format: "%.1f", o.trainingSeconds)]) },
            charts: charts)
        try writeAtomically(Data(html.utf8), to: base + "/comparison.html")
    }
}
