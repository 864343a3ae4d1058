import ArgumentParser
import Foundation
import FoveaTrain

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model; with no options, SimpleCNN on the built-in pattern dataset.")

    @Option(help: "Model name (see `fovea models`).") var model = "simplecnn"
    @Option(help: "Dataset: \(DatasetCatalog.help).") var dataset = "patterns"
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
    @Option(help: "Augmentations, e.g. flip,crop=4,rotate=15,scale=0.1,translate=0.1,brightness=0.2,contrast=0.2,hue=0.05,noise=0.02.")
    var augment: String?
    @Option(help: "MixUp with λ ~ Beta(α, α).") var mixup: Float?
    @Option(help: "CutMix with λ ~ Beta(α, α).") var cutmix: Float?
    @Flag(help: "Print only the final result.") var quiet = false

    func run() throws {
        let processStart = Date()
        for (value, name) in [(epochs, "--epochs"), (batchSize, "--batch-size")] { try requirePositive(value, name) }
        if let threads { try requirePositive(threads, "--threads") }
        guard lr > 0, lr.isFinite else { throw FoveaError.argument("--lr must be positive, got \(lr)") }
        ThreadPool.shared.setThreadCount(threads ?? ThreadPool.defaultThreadCount)

        let (data, train, validation, test) = try loadDataset()
        let spec = try ModelZoo.specification(named: model)
        let modelConfiguration = ModelConfiguration(name: spec.name, classes: data.classCount, inputShape: data.imageShape)
        let network = try ModelZoo.make(modelConfiguration, seed: seed)
        let choice: OptimizerChoice
        switch optimizer.lowercased() {
        case "adam": choice = .adam(weightDecay: weightDecay)
        case "sgd": choice = .sgd(momentum: momentum, nesterov: false, weightDecay: weightDecay)
        default: throw FoveaError.argument("unknown optimiser '\(optimizer)'; use adam or sgd")
        }
        let augmentation = try augment.map(AugmentationPipeline.parse) ?? AugmentationPipeline([])
        var mix: BatchMix?
        switch (mixup, cutmix) {
        case (nil, nil): mix = nil
        case let (alpha?, nil): mix = .mixup(alpha: alpha)
        case let (nil, alpha?): mix = .cutmix(alpha: alpha)
        default: throw FoveaError.argument("choose one of --mixup and --cutmix")
        }
        if let alpha = mixup ?? cutmix, !(alpha > 0) { throw FoveaError.argument("--mixup/--cutmix α must be positive, got \(alpha)") }
        let trainer = try Trainer(model: network, configuration: TrainingConfiguration(
            epochs: epochs, batchSize: batchSize, learningRate: lr, optimizer: choice,
            labelSmoothing: labelSmoothing, seed: seed, augmentation: augmentation, mix: mix))
        let folder = out ?? RunDirectory.defaultPath(model: spec.name)

        if !quiet {
            print("Training \(spec.name) (\(network.parameterCount.formatted) parameters) on \(dataset): "
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
            model: spec.name, dataset: dataset, params: network.parameterCount, epochs: epochs, batchSize: batchSize,
            learningRate: Double(lr), optimizer: choice.name, seed: seed, threads: ThreadPool.shared.threadCount,
            inputShape: data.imageShape, classNames: data.classNames, history: history, test: result,
            trainingSeconds: trainingSeconds, wallSeconds: Date().timeIntervalSince(processStart))
        try RunDirectory.writeSummary(summary, to: folder)
        print(String(format: "Test accuracy %.2f%%  loss %.4f  (training %.1fs, wall %.1fs) — wrote %@/summary.json",
                     result.accuracy * 100, result.loss, trainingSeconds, summary.wallSeconds, folder))
    }

    /// Train/validation/test: a dataset with an official test set keeps it and gives 10 % of its
    /// training images to validation; otherwise the data are split 70/15/15. Splits are stratified.
    func loadDataset() throws -> (all: Dataset, train: Dataset, validation: Dataset, test: Dataset) {
        var patterns = PatternDataset.Configuration()
        patterns.seed = seed
        if let samples { try requirePositive(samples, "--samples"); patterns.samples = samples }
        if let imageSize { try requirePositive(imageSize, "--image-size"); patterns.imageSize = imageSize }
        if let channels { try requirePositive(channels, "--channels"); patterns.channels = channels }
        if let noise { patterns.noise = noise }
        let loaded = try DatasetCatalog.load(dataset, patterns: patterns)
        if let test = loaded.test {
            let (train, validation, _) = try loaded.train.split(train: 0.9, validation: 0.1, seed: seed)
            return (loaded.train, train, validation, test)
        }
        let (train, validation, test) = try loaded.train.split(train: 0.70, validation: 0.15, seed: seed)
        return (loaded.train, train, validation, test)
    }
}
