import Foundation

/// One epoch's figures, as written to `summary.json` (`history`).
public struct EpochRecord: Codable, Equatable, Sendable {
    public let epoch: Int
    public let trainLoss: Double
    public let trainAccuracy: Double
    public let valLoss: Double?
    public let valAccuracy: Double?
    public let learningRate: Double
    public let seconds: Double

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
}

/// Loss and accuracy over a dataset.
public struct Evaluation: Codable, Equatable, Sendable {
    public let loss: Double
    public let accuracy: Double
}

/// Fits a model to a dataset with mini-batch gradient descent and evaluates it.
public final class Trainer {
    public let model: Module
    public let configuration: TrainingConfiguration
    public let optimizer: Optimizer
    public let random: RandomSource

    public init(model: Module, configuration: TrainingConfiguration) throws {
        try configuration.validate()
        self.model = model
        self.configuration = configuration
        optimizer = configuration.optimizer.make(for: model, learningRate: configuration.learningRate)
        random = RandomSource(seed: configuration.seed)
    }

    /// Trains for the configured epochs. Stops with an error naming the epoch and batch if the
    /// loss stops being finite.
    public func fit(train: Dataset, validation: Dataset?, onEvent: (TrainingEvent) -> Void = { _ in }) throws -> [EpochRecord] {
        try checkCompatible(train)
        if let validation { try checkCompatible(validation) }
        var history: [EpochRecord] = []
        for epoch in 1...configuration.epochs {
            history.append(try trainEpoch(epoch, train: train, validation: validation, onEvent: onEvent))
        }
        return history
    }

    func trainEpoch(_ epoch: Int, train: Dataset, validation: Dataset?, onEvent: (TrainingEvent) -> Void) throws -> EpochRecord {
        let started = Date()
        let loader = DataLoader(train, batchSize: configuration.batchSize, seed: configuration.seed, epoch: epoch,
                                augmentation: configuration.augmentation, mix: configuration.mix)
        onEvent(.epochStarted(epoch: epoch, epochs: configuration.epochs, batches: loader.batchCount))
        var lossSum = 0.0, correct = 0, seen = 0
        let context = ForwardContext.training(random)
        for (index, batch) in loader.enumerated() {
            let logits = try model.forward(batch.images, context)
            let loss: Tensor
            if let targets = batch.targets {
                let alpha = configuration.labelSmoothing, classes = Float(train.classCount)
                loss = try Loss.crossEntropy(logits, targets: alpha == 0 ? targets : targets * (1 - alpha) + alpha / classes)
            } else {
                loss = try Loss.crossEntropy(logits, labels: batch.labels, labelSmoothing: configuration.labelSmoothing)
            }
            guard loss.item.isFinite else {
                throw FoveaError(.numerical, "training stopped: the loss became \(loss.item) at epoch \(epoch), batch \(index + 1) — try a lower learning rate (now \(optimizer.learningRate))")
            }
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
            lossSum += Double(loss.item) * Double(batch.labels.count)
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
        var lossSum = 0.0, correct = 0
        try withoutGradients {
            for batch in Batches(dataset, batchSize: batchSize) {
                let logits = try model.forward(batch.images, .inference)
                lossSum += Double(try Loss.crossEntropy(logits, labels: batch.labels).item) * Double(batch.labels.count)
                correct += zip(logits.argmax(axis: 1), batch.labels).filter { $0 == $1 }.count
            }
        }
        return Evaluation(loss: lossSum / Double(max(dataset.count, 1)), accuracy: Double(correct) / Double(max(dataset.count, 1)))
    }

    func checkCompatible(_ dataset: Dataset) throws {
        guard dataset.count > 0 else { throw FoveaError.argument("dataset \(dataset.name) is empty") }
        let probe = try withoutGradients { try model.forward(dataset.images.gatherRows([0]), .inference) }
        guard probe.rank == 2, probe.shape[1] == dataset.classCount else {
            throw FoveaError.shape("the model has \(probe.shape.last ?? 0) outputs but dataset \(dataset.name) has \(dataset.classCount) classes")
        }
    }
}
