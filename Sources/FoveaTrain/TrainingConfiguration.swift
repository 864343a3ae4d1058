/// The optimiser a run uses, with its hyperparameters.
public enum OptimizerChoice: Equatable, Sendable, Codable {
    case sgd(momentum: Float, nesterov: Bool, weightDecay: Float)
    case adam(weightDecay: Float)
    /// Decoupled weight decay; biases and other rank-1 parameters are exempt.
    case adamw(weightDecay: Float)
    case rmsprop(momentum: Float, weightDecay: Float)

    public var name: String {
        switch self {
        case .sgd: "sgd"
        case .adam: "adam"
        case .adamw: "adamw"
        case .rmsprop: "rmsprop"
        }
    }

    public func make(for model: Module, learningRate: Float) -> Optimizer {
        make(for: model.namedParameters, learningRate: learningRate)
    }

    public func make(for parameters: [(name: String, parameter: Parameter)], learningRate: Float) -> Optimizer {
        switch self {
        case let .sgd(momentum, nesterov, weightDecay):
            SGD(parameters, learningRate: learningRate, momentum: momentum, weightDecay: weightDecay, nesterov: nesterov)
        case let .adam(weightDecay):
            Adam(parameters, learningRate: learningRate, weightDecay: weightDecay)
        case let .adamw(weightDecay):
            AdamW(parameters, learningRate: learningRate, weightDecay: weightDecay)
        case let .rmsprop(momentum, weightDecay):
            RMSprop(parameters, learningRate: learningRate, momentum: momentum, weightDecay: weightDecay)
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
    /// Learning rate per epoch (t = epoch − 1), times the plateau multiplier if any.
    public var schedule: LearningRateSchedule
    public var plateau: ReduceOnPlateau?
    /// λ of the L1 and L2 penalties on weight tensors (rank ≥ 2), added to the loss.
    public var l1: Float, l2: Float
    /// Clip the global gradient norm to this value.
    public var clipNorm: Float?
    /// Exempt biases and normalisation parameters from weight decay (nil: only for AdamW).
    public var noDecayOnBiasesAndNorms: Bool?
    /// Learning-rate multipliers by parameter-name prefix.
    public var learningRateScales: [ParameterGroups.Scale]

    public init(epochs: Int = 10, batchSize: Int = 32, learningRate: Float = 1e-3,
                optimizer: OptimizerChoice = .adam(weightDecay: 0), labelSmoothing: Float = 0, seed: UInt64 = 42,
                augmentation: AugmentationPipeline = AugmentationPipeline([]), mix: BatchMix? = nil,
                schedule: LearningRateSchedule = .constant, plateau: ReduceOnPlateau? = nil,
                l1: Float = 0, l2: Float = 0, clipNorm: Float? = nil,
                noDecayOnBiasesAndNorms: Bool? = nil, learningRateScales: [ParameterGroups.Scale] = []) {
        self.epochs = epochs; self.batchSize = batchSize; self.learningRate = learningRate
        self.optimizer = optimizer; self.labelSmoothing = labelSmoothing; self.seed = seed
        self.augmentation = augmentation; self.mix = mix; self.schedule = schedule; self.plateau = plateau
        self.l1 = l1; self.l2 = l2; self.clipNorm = clipNorm
        self.noDecayOnBiasesAndNorms = noDecayOnBiasesAndNorms; self.learningRateScales = learningRateScales
    }

    public func validate() throws {
        guard epochs > 0 else { throw FoveaError.argument("epochs must be positive, got \(epochs)") }
        guard batchSize > 0 else { throw FoveaError.argument("batch size must be positive, got \(batchSize)") }
        guard learningRate > 0, learningRate.isFinite else {
            throw FoveaError.argument("learning rate must be positive, got \(learningRate)")
        }
        guard l1 >= 0, l2 >= 0, (0..<1).contains(labelSmoothing) else {
            throw FoveaError.argument("L1/L2 must be ≥ 0 and label smoothing in [0, 1)")
        }
        if let clipNorm, !(clipNorm > 0) { throw FoveaError.argument("gradient clipping norm must be positive, got \(clipNorm)") }
    }
}
