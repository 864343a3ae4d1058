/// The optimiser a run uses, with its hyperparameters.
public enum OptimizerChoice: Equatable, Sendable, Codable {
    case sgd(momentum: Float, nesterov: Bool, weightDecay: Float)
    case adam(weightDecay: Float)

    public var name: String {
        switch self {
        case .sgd: "sgd"
        case .adam: "adam"
        }
    }

    public func make(for model: Module, learningRate: Float) -> Optimizer {
        switch self {
        case let .sgd(momentum, nesterov, weightDecay):
            SGD(model.namedParameters, learningRate: learningRate, momentum: momentum, weightDecay: weightDecay, nesterov: nesterov)
        case let .adam(weightDecay):
            Adam(model.namedParameters, learningRate: learningRate, weightDecay: weightDecay)
        }
    }
}

public struct TrainingConfiguration: Sendable {
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Float
    public var optimizer: OptimizerChoice
    public var labelSmoothing: Float
    public var seed: UInt64
    /// Per-image augmentation of training batches.
    public var augmentation: AugmentationPipeline
    /// Batch-level MixUp or CutMix of training batches.
    public var mix: BatchMix?

    public init(epochs: Int = 10, batchSize: Int = 32, learningRate: Float = 1e-3,
                optimizer: OptimizerChoice = .adam(weightDecay: 0), labelSmoothing: Float = 0, seed: UInt64 = 42,
                augmentation: AugmentationPipeline = AugmentationPipeline([]), mix: BatchMix? = nil) {
        self.epochs = epochs; self.batchSize = batchSize; self.learningRate = learningRate
        self.optimizer = optimizer; self.labelSmoothing = labelSmoothing; self.seed = seed
        self.augmentation = augmentation; self.mix = mix
    }

    public func validate() throws {
        guard epochs > 0 else { throw FoveaError.argument("epochs must be positive, got \(epochs)") }
        guard batchSize > 0 else { throw FoveaError.argument("batch size must be positive, got \(batchSize)") }
        guard learningRate > 0, learningRate.isFinite else {
            throw FoveaError.argument("learning rate must be positive, got \(learningRate)")
        }
    }
}
