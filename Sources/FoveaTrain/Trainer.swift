import Foundation

/// One epoch's figures, as written to `summary.json` (`history`) and `metrics.csv`.
public struct EpochRecord: Codable, Equatable, Sendable {
    public let epoch: Int
    public let trainLoss: Double
    public let trainAccuracy: Double
    public let valLoss: Double?
    public let valAccuracy: Double?
    public let learningRate: Double
    public let seconds: Double

    public init(epoch: Int, trainLoss: Double, trainAccuracy: Double, valLoss: Double?, valAccuracy: Double?,
                learningRate: Double, seconds: Double) {
        self.epoch = epoch; self.trainLoss = trainLoss; self.trainAccuracy = trainAccuracy
        self.valLoss = valLoss; self.valAccuracy = valAccuracy; self.learningRate = learningRate; self.seconds = seconds
    }

    enum CodingKeys: String, CodingKey {
        case epoch, seconds
        case trainLoss = "train_loss", trainAccuracy = "train_accuracy"
        case valLoss = "val_loss", valAccuracy = "val_accuracy", learningRate = "learning_rate"
    }
}

/// What training reports as it goes; the CLI turns these into progress bars and tables.
public enum TrainingEvent: Sendable {
    case epochStarted(epoch: Int, epochs: Int, batches: Int)
    case batchEnded(epoch: Int, batch: Int, batches: Int, loss: Double, accuracy: Double,
                    imagesPerSecond: Double, secondsLeft: Double)
    case epochEnded(EpochRecord)
    case stoppedEarly(epoch: Int, reason: String)
}

/// Loss and accuracy over a dataset.
public struct Evaluation: Codable, Equatable, Sendable {
    public let loss: Double
    public let accuracy: Double
}

/// Where a run stands: what a checkpoint saves and a resume restores.
public struct TrainingState: Sendable {
    public var epoch = 0
    public var history: [EpochRecord] = []
    public var plateau: ReduceOnPlateau?
    public var bestValue: Double?
    public var bestEpoch: Int?
}

/// Fits a model to a dataset with mini-batch gradient descent and evaluates it.
public final class Trainer {
    public let model: Module
    public let modelConfiguration: ModelConfiguration?
    public let configuration: TrainingConfiguration
    public let optimizer: Optimizer
    /// Drives dropout; its state is checkpointed. Data order and augmentation derive from (seed, epoch).
    public let random: RandomSource
    public var state = TrainingState()
    /// Fine-tuning with L2-SP: λ‖θ − θ_pre‖² added to the loss.
    public var startingPoint: StartingPoint?
    /// Knowledge distillation from a teacher's soft targets.
    public var distillation: Distillation?

    public init(model: Module, configuration: TrainingConfiguration, modelConfiguration: ModelConfiguration? = nil) throws {
        try configuration.validate()
        self.model = model
        self.modelConfiguration = modelConfiguration
        self.configuration = configuration
        let names = model.namedParameters.map(\.name)
        for scale in configuration.learningRateScales
        where !names.contains(where: { $0 == scale.prefix || $0.hasPrefix(scale.prefix + ".") }) {
            let roots = Array(Set(names.map { String($0.split(separator: ".").first ?? "") })).sorted()
            throw FoveaError.argument("learning-rate scale '\(scale.prefix)' matches no parameter; top-level names are \(roots.joined(separator: ", "))")
        }
        optimizer = configuration.optimizer.make(for: model, learningRate: configuration.learningRate)
        let exemptNorms: Bool
        if case .adamw = configuration.optimizer { exemptNorms = configuration.noDecayOnBiasesAndNorms ?? true }
        else { exemptNorms = configuration.noDecayOnBiasesAndNorms ?? false }
        optimizer.groups = exemptNorms
            ? .noDecayOnBiasesAndNorms(model, scales: configuration.learningRateScales)
            : ParameterGroups(learningRateScales: configuration.learningRateScales)
        random = RandomSource(seed: configuration.seed)
        state.plateau = configuration.plateau
    }

    /// Continues from a checkpoint: weights, optimiser moments, RNG, epoch and history.
    public func restore(_ checkpoint: Checkpoint, source: String) throws {
        try model.loadStateDict(checkpoint.weights, source: source)
        try optimizer.loadState(checkpoint.optimizerState)
        random.generator = SeededGenerator(state: checkpoint.metadata.randomState)
        state = TrainingState(epoch: checkpoint.metadata.epoch, history: checkpoint.metadata.history,
                              plateau: checkpoint.metadata.plateau, bestValue: checkpoint.metadata.bestValue,
                              bestEpoch: checkpoint.metadata.bestEpoch)
    }

    public func checkpointMetadata(options: String) -> Checkpoint.Metadata {
        Checkpoint.Metadata(model: modelConfiguration ?? ModelConfiguration(name: "custom", classes: 0, inputShape: []),
                            epoch: state.epoch, history: state.history, randomState: random.generator.stateWords,
                            plateau: state.plateau, bestValue: state.bestValue, bestEpoch: state.bestEpoch, options: options)
    }

    /// The rate for `epoch` (1-based): the schedule times the plateau multiplier.
    public func learningRate(forEpoch epoch: Int) -> Float {
        configuration.schedule.rate(at: epoch - 1, base: configuration.learningRate) * (state.plateau?.multiplier ?? 1)
    }

    /// Trains from the current state up to the configured number of epochs. Callbacks run after
    /// each epoch and may stop training. Stops with an error naming the epoch and batch if the
    /// loss stops being finite.
    @discardableResult
    public func fit(train: Dataset, validation: Dataset?, callbacks: [TrainingCallback] = [],
                    onEvent: (TrainingEvent) -> Void = { _ in }) throws -> [EpochRecord] {
        try checkCompatible(train)
        if let validation { try checkCompatible(validation) }
        while state.epoch < configuration.epochs {
            let epoch = state.epoch + 1
            optimizer.learningRate = learningRate(forEpoch: epoch)
            let record = try trainEpoch(epoch, train: train, validation: validation, onEvent: onEvent)
            state.epoch = epoch
            state.history.append(record)
            if var plateau = state.plateau, let value = (record.valLoss ?? Optional(record.trainLoss)) {
                _ = plateau.observe(value)
                state.plateau = plateau
            }
            var stop = false
            for callback in callbacks where try callback.epochEnded(record, trainer: self) { stop = true }
            if stop {
                onEvent(.stoppedEarly(epoch: epoch, reason: "no improvement"))
                break
            }
        }
        return state.history
    }

    func trainEpoch(_ epoch: Int, train: Dataset, validation: Dataset?, onEvent: (TrainingEvent) -> Void) throws -> EpochRecord {
        let started = Date()
        let loader = DataLoader(train, batchSize: configuration.batchSize, seed: configuration.seed, epoch: epoch,
                                augmentation: configuration.augmentation, mix: configuration.mix)
        onEvent(.epochStarted(epoch: epoch, epochs: configuration.epochs, batches: loader.batchCount))
        var lossSum = 0.0, correct = 0, seen = 0
        let context = ForwardContext.training(random)
        let penalised = configuration.l1 > 0 || configuration.l2 > 0 ? Regularization.weights(of: model) : []
        for (index, batch) in loader.enumerated() {
            let logits = try model.forward(batch.images, context)
            var loss: Tensor
            if let targets = batch.targets {
                let alpha = configuration.labelSmoothing, classes = Float(train.classCount)
                loss = try Loss.crossEntropy(logits, targets: alpha == 0 ? targets : targets * (1 - alpha) + alpha / classes)
            } else {
                loss = try Loss.crossEntropy(logits, labels: batch.labels, labelSmoothing: configuration.labelSmoothing)
            }
            if let distillation { loss = try distillation.loss(studentLogits: logits, images: batch.images, hardLoss: loss) }
            let dataLoss = loss.item
            if let startingPoint { loss = loss + startingPoint.penalty() }
            if configuration.l1 > 0 { loss = loss + Regularization.l1(penalised, lambda: configuration.l1) }
            if configuration.l2 > 0 { loss = loss + Regularization.l2(penalised, lambda: configuration.l2) }
            guard loss.item.isFinite else {
                throw FoveaError(.numerical, "training stopped: the loss became \(loss.item) at epoch \(epoch), batch \(index + 1) — try a lower learning rate (now \(optimizer.learningRate))")
            }
            optimizer.zeroGrad()
            loss.backward()
            if let clipNorm = configuration.clipNorm { Regularization.clipGradientNorm(model.parameters, maxNorm: clipNorm) }
            optimizer.step()
            lossSum += Double(dataLoss) * Double(batch.labels.count)
            correct += zip(logits.argmax(axis: 1), batch.labels).filter { $0 == $1 }.count
            seen += batch.labels.count
            let elapsed = Date().timeIntervalSince(started)
            let rate = Double(seen) / max(elapsed, 1e-9)
            onEvent(.batchEnded(epoch: epoch, batch: index + 1, batches: loader.batchCount, loss: lossSum / Double(seen),
                                accuracy: Double(correct) / Double(seen), imagesPerSecond: rate,
                                secondsLeft: Double(train.count - seen) / rate))
        }
        let validationResult = try validation.map { try evaluate($0) }
        let record = EpochRecord(epoch: epoch, trainLoss: lossSum / Double(max(seen, 1)),
                                 trainAccuracy: Double(correct) / Double(max(seen, 1)),
                                 valLoss: validationResult?.loss, valAccuracy: validationResult?.accuracy,
                                 learningRate: Double(optimizer.learningRate), seconds: Date().timeIntervalSince(started))
        onEvent(.epochEnded(record))
        return record
    }

    /// Mean cross-entropy and accuracy in inference mode.
    public func evaluate(_ dataset: Dataset) throws -> Evaluation {
        try checkCompatible(dataset)
        return try Trainer.evaluate(model, on: dataset, batchSize: configuration.batchSize)
    }

    public static func evaluate(_ model: Module, on dataset: Dataset, batchSize: Int = 128) throws -> Evaluation {
        let result = try Prediction.run(model, on: dataset, batchSize: batchSize)
        return Evaluation(loss: result.loss, accuracy: result.metrics.accuracy)
    }

    func checkCompatible(_ dataset: Dataset) throws {
        guard dataset.count > 0 else { throw FoveaError.argument("dataset \(dataset.name) is empty") }
        let probe = try withoutGradients { try model.forward(dataset.images.gatherRows([0]), .inference) }
        guard probe.rank == 2, probe.shape[1] == dataset.classCount else {
            throw FoveaError.shape("the model has \(probe.shape.last ?? 0) outputs but dataset \(dataset.name) has \(dataset.classCount) classes")
        }
    }
}

/// Probabilities, predictions and metrics of a model over a dataset.
public struct Prediction {
    /// Softmax probabilities [N, K].
    public let probabilities: Tensor
    public let predictions: [Int]
    public let loss: Double
    public let metrics: ClassificationMetrics

    public static func run(_ model: Module, on dataset: Dataset, batchSize: Int = 128) throws -> Prediction {
        var lossSum = 0.0
        var parts: [Tensor] = []
        try withoutGradients {
            for batch in Batches(dataset, batchSize: batchSize) {
                let logits = try model.predict(batch.images)
                guard logits.rank == 2, logits.shape[1] == dataset.classCount else {
                    throw FoveaError.shape("the model has \(logits.shape.last ?? 0) outputs but dataset \(dataset.name) has \(dataset.classCount) classes")
                }
                lossSum += Double(try Loss.crossEntropy(logits, labels: batch.labels).item) * Double(batch.labels.count)
                parts.append(logits.softmax())
            }
        }
        let probabilities = Tensor.concatenate(parts, axis: 0)
        let predictions = probabilities.argmax(axis: 1)
        return Prediction(probabilities: probabilities, predictions: predictions, loss: lossSum / Double(max(dataset.count, 1)),
                          metrics: ClassificationMetrics(trueLabels: dataset.labels, predictions: predictions, classNames: dataset.classNames))
    }

    public func topKAccuracy(labels: [Int], k: Int) -> Double { FoveaTrain.topKAccuracy(scores: probabilities, labels: labels, k: k) }
}
