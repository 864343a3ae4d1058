import Foundation
import FoveaTrain

/// Everything `fovea train` was asked to do, saved in each checkpoint so `--resume` rebuilds
/// exactly the same run (data, model, optimiser, schedule, augmentation).
struct RunOptions: Codable, Equatable {
    var model = "simplecnn"
    var dataset = "patterns"
    var epochs = 10
    var batchSize = 32
    var lr: Float = 1e-3
    var optimizer = "adam"
    var momentum: Float = 0.9
    var nesterov = false
    var weightDecay: Float = 0
    var labelSmoothing: Float = 0
    var seed: UInt64 = 42
    var samples: Int?
    var imageSize: Int?
    var channels: Int?
    var noise: Float?
    var augment: String?
    var mixup: Float?
    var cutmix: Float?
    var schedule = "constant"
    var warmup = 0
    var plateauPatience: Int?
    var l1: Float = 0
    var l2: Float = 0
    var clipNorm: Float?
    var earlyStopping: Int?
    var monitor = "val_loss"
    var noDecayBiasNorm: Bool?
    /// Fraction of the training data held out for validation (default 0.1 with an official test set, else 0.15).
    var validationSplit: Double?
    var lrScales: [String] = []
    // Transfer learning and distillation (optional, so checkpoints of earlier versions still resume).
    /// Start from these weights: a run folder or a safetensors file with the same parameter names.
    var from: String?
    var freeze: [String]?
    var freezeEncoder: Bool?
    var l2sp: Float?
    var teacher: String?
    var temperature: Float?
    var distillAlpha: Float?
    /// Train on only this many (stratified) training images.
    var trainLimit: Int?
    /// Re-initialise the classifier head after loading --from (a new task with the same class count).
    var newHead: Bool?
    /// Seed of the data (pattern generation, splits, --train-limit) when it should differ from --seed,
    /// e.g. ensemble members that share the data but not the initial weights.
    var dataSeed: UInt64?

    func validate() throws {
        for (value, name) in [(epochs, "--epochs"), (batchSize, "--batch-size")] { try requirePositive(value, name) }
        guard lr > 0, lr.isFinite else { throw FoveaError.argument("--lr must be positive, got \(lr)") }
        guard warmup >= 0 else { throw FoveaError.argument("--warmup must be ≥ 0, got \(warmup)") }
        if let earlyStopping { try requirePositive(earlyStopping, "--early-stopping") }
        guard Monitor(rawValue: monitor) != nil else {
            throw FoveaError.argument("--monitor must be one of \(Monitor.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func optimizerChoice() throws -> OptimizerChoice {
        switch optimizer.lowercased() {
        case "adam": return .adam(weightDecay: weightDecay)
        case "adamw": return .adamw(weightDecay: weightDecay)
        case "sgd": return .sgd(momentum: momentum, nesterov: nesterov, weightDecay: weightDecay)
        case "rmsprop": return .rmsprop(momentum: 0, weightDecay: weightDecay)
        default: throw FoveaError.argument("unknown optimiser '\(optimizer)'; use adam, adamw, sgd or rmsprop")
        }
    }

    func trainingConfiguration() throws -> TrainingConfiguration {
        let augmentation = try augment.map(AugmentationPipeline.parse) ?? AugmentationPipeline([])
        var mix: BatchMix?
        switch (mixup, cutmix) {
        case (nil, nil): mix = nil
        case let (alpha?, nil): mix = .mixup(alpha: alpha)
        case let (nil, alpha?): mix = .cutmix(alpha: alpha)
        default: throw FoveaError.argument("choose one of --mixup and --cutmix")
        }
        if let alpha = mixup ?? cutmix, !(alpha > 0) { throw FoveaError.argument("--mixup/--cutmix α must be positive, got \(alpha)") }
        return TrainingConfiguration(
            epochs: epochs, batchSize: batchSize, learningRate: lr, optimizer: try optimizerChoice(),
            labelSmoothing: labelSmoothing, seed: seed, augmentation: augmentation, mix: mix,
            schedule: try LearningRateSchedule.parse(schedule, totalSteps: epochs, warmup: warmup),
            plateau: plateauPatience.map { ReduceOnPlateau(patience: $0) }, l1: l1, l2: l2, clipNorm: clipNorm,
            noDecayOnBiasesAndNorms: noDecayBiasNorm, learningRateScales: try lrScales.map(parseScale))
    }

    /// Train/validation/test: a dataset with an official test set keeps it and gives 10 % of its
    /// training images to validation; otherwise the data are split 70/15/15. Splits are stratified.
    func loadData() throws -> (all: Dataset, train: Dataset, validation: Dataset?, test: Dataset) {
        var patterns = PatternDataset.Configuration()
        patterns.seed = dataSeed ?? seed
        if let samples { try requirePositive(samples, "--samples"); patterns.samples = samples }
        if let imageSize { try requirePositive(imageSize, "--image-size"); patterns.imageSize = imageSize }
        if let channels { try requirePositive(channels, "--channels"); patterns.channels = channels }
        if let noise { patterns.noise = noise }
        let loaded = try DatasetCatalog.load(dataset, patterns: patterns)
        if let fraction = validationSplit, !(0..<1).contains(fraction) {
            throw FoveaError.argument("--validation-split must be in [0, 1), got \(fraction)")
        }
        let (all, train, validation, test) = try splitData(loaded)
        guard let limit = trainLimit else { return (all, train, validation, test) }
        try requirePositive(limit, "--train-limit")
        return (all, try train.stratifiedSample(count: limit, seed: dataSeed ?? seed), validation, test)
    }

    func splitData(_ loaded: DatasetCatalog.Loaded) throws -> (all: Dataset, train: Dataset, validation: Dataset?, test: Dataset) {
        if let test = loaded.test {
            let fraction = validationSplit ?? 0.1
            if fraction == 0 { return (loaded.train, loaded.train, nil, test) }
            let (train, validation, _) = try loaded.train.split(train: 1 - fraction, validation: fraction, seed: dataSeed ?? seed)
            return (loaded.train, train, validation, test)
        }
        let fraction = validationSplit ?? 0.15
        let (train, validation, test) = try loaded.train.split(train: 0.85 - fraction, validation: fraction, seed: dataSeed ?? seed)
        return (loaded.train, train, fraction == 0 ? nil : validation, test)
    }

    /// "features=0.1" → scale 0.1 for every parameter under `features`.
    func parseScale(_ text: String) throws -> ParameterGroups.Scale {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, let value = Float(parts[1]), value >= 0, value.isFinite else {
            throw FoveaError.argument("--lr-scale takes PREFIX=MULTIPLIER (e.g. features=0.1), got '\(text)'")
        }
        return ParameterGroups.Scale(prefix: parts[0], multiplier: value)
    }

    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
