import ArgumentParser
import Foundation
import FoveaTrain

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model; with no options, SimpleCNN on the built-in pattern dataset.")

    @Option(help: "Model name (see `fovea models`).") var model = "simplecnn"
    @Option(help: "Dataset: patterns, patterns-10 (10 classes, 64×64, noisy).") var dataset = "patterns"
    @Option(help: "Epochs.") var epochs = 10
    @Option(name: .customLong("batch-size"), help: "Batch size.") var batchSize = 32
    @Option(help: "Learning rate.") var lr: Float = 1e-3
    @Option(help: "Optimiser: adam or sgd.") var optimizer = "adam"
    @Option(help: "Momentum for sgd.") var momentum: Float = 0.9
    @Option(name: .customLong("weight-decay"), help: "L2 weight decay.") var weightDecay: Float = 0
    @Option(name: .customLong("label-smoothing"), help: "Label smoothing α.") var labelSmoothing: Float = 0
    @Option(help: "Random seed (data, weights, shuffling, dropout).") var seed: UInt64 = 42
    @Option(help: "Threads (default: all cores).") var threads: Int?
    @Option(help: "Output folder (default: runs/<model>-<timestamp>).") var out: String?
    @Option(help: "Pattern dataset: number of images.") var samples: Int?
    @Option(name: .customLong("image-size"), help: "Pattern dataset: image size.") var imageSize: Int?
    @Option(help: "Pattern dataset: channels (1 or 3).") var channels: Int?
    @Option(help: "Pattern dataset: noise standard deviation.") var noise: Float?
    @Flag(help: "Print only the final result.") var quiet = false

    func run() throws {
        let processStart = Date()
        for (value, name) in [(epochs, "--epochs"), (batchSize, "--batch-size")] { try requirePositive(value, name) }
        if let threads { try requirePositive(threads, "--threads") }
        guard lr > 0, lr.isFinite else { throw FoveaError.argument("--lr must be positive, got \(lr)") }
        ThreadPool.shared.setThreadCount(threads ?? ThreadPool.defaultThreadCount)

        let data = try loadDataset()
        let (train, validation, test) = try data.split(train: 0.70, validation: 0.15, seed: seed)
        let spec = try ModelZoo.specification(named: model)
        let modelConfiguration = ModelConfiguration(name: spec.name, classes: data.classCount, inputShape: data.imageShape)
        let network = try ModelZoo.make(modelConfiguration, seed: seed)
        let choice: OptimizerChoice
        switch optimizer.lowercased() {
        case "adam": choice = .adam(weightDecay: weightDecay)
        case "sgd": choice = .sgd(momentum: momentum, nesterov: false, weightDecay: weightDecay)
        default: throw FoveaError.argument("unknown optimiser '\(optimizer)'; use adam or sgd")
        }
        let trainer = try Trainer(model: network, configuration: TrainingConfiguration(
            epochs: epochs, batchSize: batchSize, learningRate: lr, optimizer: choice,
            labelSmoothing: labelSmoothing, seed: seed))
        let folder = out ?? RunDirectory.defaultPath(model: spec.name)

        if !quiet {
            print("Training \(spec.name) (\(network.parameterCount.formatted) parameters) on \(data.name): "
                  + "\(train.count) train / \(validation.count) val / \(test.count) test images, "
                  + "\(data.imageShape.map(String.init).joined(separator: "×")), \(data.classCount) classes")
            print("\(epochs) epochs, batch \(batchSize), \(choice.name) lr \(lr), \(ThreadPool.shared.threadCount) threads → \(folder)")
        }
        var printer = ProgressPrinter(quiet: quiet)
        let trainingStart = Date()
        let history = try trainer.fit(train: train, validation: validation) { printer.handle($0) }
        let trainingSeconds = Date().timeIntervalSince(trainingStart)
        let result = try trainer.evaluate(test)

        try RunDirectory.writeModel(network, configuration: modelConfiguration, to: folder)
        let summary = RunSummary(
            model: spec.name, dataset: data.name, params: network.parameterCount, epochs: epochs, batchSize: batchSize,
            learningRate: Double(lr), optimizer: choice.name, seed: seed, threads: ThreadPool.shared.threadCount,
            inputShape: data.imageShape, classNames: data.classNames, history: history, test: result,
            trainingSeconds: trainingSeconds, wallSeconds: Date().timeIntervalSince(processStart))
        try RunDirectory.writeSummary(summary, to: folder)
        print(String(format: "Test accuracy %.2f%%  loss %.4f  (training %.1fs, wall %.1fs) — wrote %@/summary.json",
                     result.accuracy * 100, result.loss, trainingSeconds, summary.wallSeconds, folder))
    }

    func loadDataset() throws -> Dataset {
        var configuration: PatternDataset.Configuration
        switch dataset.lowercased() {
        case "patterns": configuration = PatternDataset.Configuration()
        case "patterns-10": configuration = .tenClassNoisy
        default: throw FoveaError(.unknownName, "unknown dataset '\(dataset)'; known datasets: patterns, patterns-10")
        }
        configuration.seed = seed
        if let samples { try requirePositive(samples, "--samples"); configuration.samples = samples }
        if let imageSize { try requirePositive(imageSize, "--image-size"); configuration.imageSize = imageSize }
        if let channels { try requirePositive(channels, "--channels"); configuration.channels = channels }
        if let noise { configuration.noise = noise }
        return try PatternDataset.generate(configuration)
    }
}
