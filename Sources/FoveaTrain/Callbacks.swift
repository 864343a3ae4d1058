import Foundation

/// Something that runs after every epoch; returning `true` stops training.
public protocol TrainingCallback: AnyObject {
    func epochEnded(_ record: EpochRecord, trainer: Trainer) throws -> Bool
}

/// Which validation figure decides "better".
public enum Monitor: String, Codable, Sendable, CaseIterable {
    case valLoss = "val_loss", valAccuracy = "val_accuracy", trainLoss = "train_loss"

    public func value(of record: EpochRecord) -> Double? {
        switch self {
        case .valLoss: record.valLoss
        case .valAccuracy: record.valAccuracy
        case .trainLoss: record.trainLoss
        }
    }

    public func isImprovement(_ value: Double, over best: Double?, minDelta: Double = 0) -> Bool {
        guard let best else { return true }
        return self == .valAccuracy ? value > best + minDelta : value < best - minDelta
    }
}

/// Keras's EarlyStopping: stop when `monitor` has not improved by `minDelta` for `patience`
/// epochs; optionally put back the best epoch's weights.
public final class EarlyStopping: TrainingCallback {
    public let monitor: Monitor, minDelta: Double, patience: Int, restoreBestWeights: Bool
    public private(set) var best: Double?
    public private(set) var bestEpoch: Int?
    public private(set) var stoppedEpoch: Int?
    private var wait = 0
    private var bestWeights: [String: Tensor]?

    public init(monitor: Monitor = .valLoss, minDelta: Double = 0, patience: Int = 5, restoreBestWeights: Bool = true) {
        self.monitor = monitor; self.minDelta = minDelta; self.patience = patience; self.restoreBestWeights = restoreBestWeights
    }

    public func epochEnded(_ record: EpochRecord, trainer: Trainer) throws -> Bool {
        guard let value = monitor.value(of: record) else { return false }
        if monitor.isImprovement(value, over: best, minDelta: minDelta) {
            best = value
            bestEpoch = record.epoch
            wait = 0
            if restoreBestWeights { bestWeights = trainer.model.stateDict().mapValues { $0.copy() } }
            return false
        }
        wait += 1
        guard wait >= patience else { return false }
        stoppedEpoch = record.epoch
        if let bestWeights { try trainer.model.loadStateDict(bestWeights) }
        return true
    }
}

/// Writes the whole history to `metrics.csv` after every epoch (atomically, so a resumed run
/// simply rewrites it).
public final class CSVLogger: TrainingCallback {
    public let path: String
    public init(path: String) { self.path = path }

    public func epochEnded(_ record: EpochRecord, trainer: Trainer) throws -> Bool {
        func cell(_ v: Double?) -> String { v.map { String(format: "%.6f", $0) } ?? "" }
        var lines = ["epoch,train_loss,train_accuracy,val_loss,val_accuracy,learning_rate,seconds"]
        for r in trainer.state.history {
            lines.append("\(r.epoch),\(cell(r.trainLoss)),\(cell(r.trainAccuracy)),\(cell(r.valLoss)),\(cell(r.valAccuracy)),\(String(format: "%.8g", r.learningRate)),\(cell(r.seconds))")
        }
        try writeAtomically(Data((lines.joined(separator: "\n") + "\n").utf8), to: path)
        return false
    }
}

/// Saves `checkpoint-last.safetensors` every epoch and `checkpoint-best.safetensors` when the
/// monitored value improves, in `folder`.
public final class CheckpointSaver: TrainingCallback {
    public let folder: String, monitor: Monitor, options: String
    public init(folder: String, monitor: Monitor = .valLoss, options: String) {
        self.folder = folder; self.monitor = monitor; self.options = options
    }

    public func epochEnded(_ record: EpochRecord, trainer: Trainer) throws -> Bool {
        if let value = monitor.value(of: record), monitor.isImprovement(value, over: trainer.state.bestValue) {
            trainer.state.bestValue = value
            trainer.state.bestEpoch = record.epoch
            try Checkpoint.write(model: trainer.model, optimizer: trainer.optimizer,
                                 metadata: trainer.checkpointMetadata(options: options), to: folder + "/checkpoint-best.safetensors")
        }
        try Checkpoint.write(model: trainer.model, optimizer: trainer.optimizer,
                             metadata: trainer.checkpointMetadata(options: options), to: folder + "/checkpoint-last.safetensors")
        return false
    }
}
