import ArgumentParser
import Foundation
import FoveaTrain

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model; with no options, SimpleCNN on the built-in pattern dataset.")

    @Option(help: "Model name (see `fovea models`).") var model: String?
    @Option(help: "Dataset: \(DatasetCatalog.help).") var dataset: String?
    @Option(help: "Epochs (the total, also when resuming).") var epochs: Int?
    @Option(name: .customLong("batch-size"), help: "Batch size.") var batchSize: Int?
    @Option(help: "Learning rate.") var lr: Float?
    @Option(help: "Optimiser: adam, adamw, sgd or rmsprop.") var optimizer: String?
    @Option(help: "Momentum for sgd.") var momentum: Float?
    @Flag(help: "Nesterov momentum for sgd.") var nesterov = false
    @Option(name: .customLong("weight-decay"), help: "Weight decay (decoupled for adamw, L2 in the gradient otherwise).") var weightDecay: Float?
    @Option(name: .customLong("label-smoothing"), help: "Label smoothing α.") var labelSmoothing: Float?
    @Option(help: "Random seed (data, weights, shuffling, dropout).") var seed: UInt64?
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
    @Option(help: "Learning-rate schedule per epoch: constant, step:S:γ, multistep:M1/M2:γ, exponential:k, cosine[:lr_min].")
    var schedule: String?
    @Option(help: "Epochs of linear warm-up before the schedule.") var warmup: Int?
    @Option(name: .customLong("reduce-on-plateau"), help: "Divide the rate by 10 after this many epochs without improvement.")
    var reduceOnPlateau: Int?
    @Option(help: "L1 penalty λΣ|w| on weight tensors.") var l1: Float?
    @Option(help: "L2 penalty λΣw² on weight tensors.") var l2: Float?
    @Option(name: .customLong("clip-norm"), help: "Clip the global gradient norm.") var clipNorm: Float?
    @Option(name: .customLong("early-stopping"), help: "Stop after this many epochs without improvement (restores the best weights).")
    var earlyStopping: Int?
    @Option(help: "What decides improvement: val_loss, val_accuracy or train_loss.") var monitor: String?
    @Flag(name: .customLong("no-decay-bias-norm"), help: "No weight decay on biases and normalisation parameters (default for adamw).")
    var noDecayBiasNorm = false
    @Option(name: .customLong("lr-scale"), help: "Learning-rate multiplier for parameters under a name prefix, e.g. features=0.1 (repeatable).")
    var lrScale: [String] = []
    @Option(name: .customLong("validation-split"), help: "Fraction of training data held out for validation (0 for none).")
    var validationSplit: Double?
    @Option(help: "Continue the run in this folder from its last checkpoint, up to --epochs in total.") var resume: String?
    @Option(help: "Start from pre-trained weights: a run folder or a safetensors file with torchvision names (the head is replaced when the class count differs).")
    var from: String?
    @Option(help: "Freeze parameters under this name prefix, e.g. features or layer1 (repeatable).") var freeze: [String] = []
    @Flag(name: .customLong("freeze-encoder"), help: "Freeze everything but the classifier head.") var freezeEncoder = false
    @Option(help: "L2-SP: add λ‖θ − θ_pre‖² towards the --from weights.") var l2sp: Float?
    @Option(help: "Distil from this trained run (its soft targets).") var teacher: String?
    @Option(help: "Distillation temperature T.") var temperature: Float?
    @Option(name: .customLong("distill-alpha"), help: "Weight α of the soft (teacher) term; 1 − α goes to the labels.") var distillAlpha: Float?
    @Option(name: .customLong("train-limit"), help: "Use only this many training images (stratified).") var trainLimit: Int?
    @Flag(name: .customLong("new-head"), help: "With --from: a freshly initialised classifier head even when the class count is the same.")
    var newHead = false
    @Option(name: .customLong("data-seed"), help: "Seed of the data and its split, when it should differ from --seed (e.g. ensemble members).")
    var dataSeed: UInt64?
    @Flag(help: "Print only the final result.") var quiet = false

    /// The options of this invocation over the defaults (or, when resuming, over the saved run's).
    func options(over base: RunOptions) -> RunOptions {
        var o = base
        if let model { o.model = model }
        if let dataset { o.dataset = dataset }
        if let epochs { o.epochs = epochs }
        if let batchSize { o.batchSize = batchSize }
        if let lr { o.lr = lr }
        if let optimizer { o.optimizer = optimizer }
        if let momentum { o.momentum = momentum }
        if nesterov { o.nesterov = true }
        if let weightDecay { o.weightDecay = weightDecay }
        if let labelSmoothing { o.labelSmoothing = labelSmoothing }
        if let seed { o.seed = seed }
        if let samples { o.samples = samples }
        if let imageSize { o.imageSize = imageSize }
        if let channels { o.channels = channels }
        if let noise { o.noise = noise }
        if let augment { o.augment = augment }
        if let mixup { o.mixup = mixup }
        if let cutmix { o.cutmix = cutmix }
        if let schedule { o.schedule = schedule }
        if let warmup { o.warmup = warmup }
        if let reduceOnPlateau { o.plateauPatience = reduceOnPlateau }
        if let l1 { o.l1 = l1 }
        if let l2 { o.l2 = l2 }
        if let clipNorm { o.clipNorm = clipNorm }
        if let earlyStopping { o.earlyStopping = earlyStopping }
        if let monitor { o.monitor = monitor }
        if noDecayBiasNorm { o.noDecayBiasNorm = true }
        if !lrScale.isEmpty { o.lrScales = lrScale }
        if let validationSplit { o.validationSplit = validationSplit }
        if let from { o.from = from }
        if !freeze.isEmpty { o.freeze = freeze }
        if freezeEncoder { o.freezeEncoder = true }
        if let l2sp { o.l2sp = l2sp }
        if let teacher { o.teacher = teacher }
        if let temperature { o.temperature = temperature }
        if let distillAlpha { o.distillAlpha = distillAlpha }
        if let trainLimit { o.trainLimit = trainLimit }
        if newHead { o.newHead = true }
        if let dataSeed { o.dataSeed = dataSeed }
        return o
    }

    func run() throws {
        let processStart = Date()
        if let threads { try requirePositive(threads, "--threads") }
        ThreadPool.shared.setThreadCount(threads ?? ThreadPool.defaultThreadCount)

        // A resumed run keeps its saved options; only --epochs (and --threads, --quiet) may change.
        var checkpoint: Checkpoint?
        var options = options(over: RunOptions())
        var folder = out
        if let resume {
            var requested = options
            requested.epochs = RunOptions().epochs
            guard requested == RunOptions(), out == nil else {
                throw FoveaError.argument("with --resume only --epochs, --threads and --quiet may be given; the run keeps the options it was started with")
            }
            let path = resume + "/checkpoint-last.safetensors"
            let saved = try Checkpoint.read(path)
            guard let savedOptions = try? JSONDecoder().decode(RunOptions.self, from: Data(saved.metadata.options.utf8)) else {
                throw FoveaError.format("\(path): the checkpoint has no fovea train options")
            }
            options = savedOptions
            if let epochs { options.epochs = epochs }
            checkpoint = saved
            folder = resume
        }
        try options.validate()

        let (data, train, validation, test) = try options.loadData()
        let spec = try ModelZoo.specification(named: options.model)
        let modelConfiguration = ModelConfiguration(name: spec.name, classes: data.classCount, inputShape: data.imageShape)
        let network = try ModelZoo.make(modelConfiguration, seed: options.seed)
        let transfer = try TransferSetup(options: options, network: network, data: data, quiet: quiet)
        let trainer = try Trainer(model: network, configuration: try options.trainingConfiguration(), modelConfiguration: modelConfiguration)
        transfer.configure(trainer)
        if let checkpoint { try trainer.restore(checkpoint, source: resume! + "/checkpoint-last.safetensors") }
        let runFolder = folder ?? RunDirectory.defaultPath(model: spec.name)
        let monitor = Monitor(rawValue: options.monitor)!

        if !quiet {
            print("Training \(spec.name) (\(network.parameterCount.formatted) parameters) on \(options.dataset): "
                  + "\(train.count) train / \(validation?.count ?? 0) val / \(test.count) test images, "
                  + "\(data.imageShape.map(String.init).joined(separator: "×")), \(data.classCount) classes")
            let from = trainer.state.epoch > 0 ? "resuming after epoch \(trainer.state.epoch), " : ""
            print("\(from)\(options.epochs) epochs, batch \(options.batchSize), \(options.optimizer) lr \(options.lr) (\(options.schedule)), "
                  + "\(ThreadPool.shared.threadCount) threads → \(runFolder)")
        }
        var callbacks: [TrainingCallback] = [
            CSVLogger(path: runFolder + "/metrics.csv"),
            try TensorBoardWriter(folder: runFolder + "/tensorboard"),
        ]
        if let patience = options.earlyStopping { callbacks.append(EarlyStopping(monitor: monitor, patience: patience)) }
        // Last: checkpoints capture the state after every other callback (e.g. restored best weights).
        callbacks.append(CheckpointSaver(folder: runFolder, monitor: monitor, options: try options.encoded()))

        var printer = ProgressPrinter(quiet: quiet)
        let trainingStart = Date()
        let history = try trainer.fit(train: train, validation: validation, callbacks: callbacks) { printer.handle($0) }
        let trainingSeconds = Date().timeIntervalSince(trainingStart)

        let prediction = try Prediction.run(network, on: test, batchSize: options.batchSize)
        let metrics = TestMetrics(prediction, labels: test.labels)
        try RunDirectory.writeModel(network, configuration: modelConfiguration, to: runFolder)
        try writeAtomically(Data((prediction.metrics.report() + "\n" + prediction.metrics.confusionTable() + "\n").utf8),
                            to: runFolder + "/classification_report.txt")
        let summary = RunSummary(
            model: spec.name, dataset: options.dataset, params: network.parameterCount, epochs: history.count,
            batchSize: options.batchSize, learningRate: Double(options.lr), optimizer: options.optimizer, seed: options.seed,
            threads: ThreadPool.shared.threadCount, inputShape: data.imageShape, classNames: data.classNames,
            history: history, test: metrics, trainingSeconds: trainingSeconds, wallSeconds: Date().timeIntervalSince(processStart))
        try RunDirectory.writeSummary(summary, to: runFolder)
        try Report.write(to: runFolder, title: "\(spec.name) on \(options.dataset)", history: history, prediction: prediction, test: test)
        if !quiet { print("\n" + prediction.metrics.report()) }
        print(String(format: "Test accuracy %.2f%%  loss %.4f  macro F1 %.4f  (training %.1fs, wall %.1fs) — wrote %@/summary.json",
                     metrics.accuracy * 100, metrics.loss, metrics.f1Macro, trainingSeconds, summary.wallSeconds, runFolder))
    }
}
