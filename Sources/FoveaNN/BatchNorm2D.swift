/// Batch normalisation over channels of NCHW input, as PyTorch's `nn.BatchNorm2d`: parameters
/// `weight`, `bias`; buffers `running_mean`, `running_var`, `num_batches_tracked`.
/// A frozen BatchNorm (weight not trainable) always uses its running statistics and never
/// updates them, so fine-tuning a frozen encoder cannot shift it.
public final class BatchNorm2D: Module {
    public let channels: Int
    public let momentum: Float, epsilon: Float
    public let weight: Parameter, bias: Parameter
    public let runningMean: Buffer, runningVariance: Buffer, batchesTracked: Buffer

    public init(_ channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        precondition(channels > 0, "BatchNorm2D needs a positive channel count")
        self.channels = channels; self.momentum = momentum; self.epsilon = epsilon
        weight = Parameter(Tensor(ones: [channels]))
        bias = Parameter(Tensor(zeros: [channels]))
        runningMean = Buffer(Tensor(zeros: [channels]))
        runningVariance = Buffer(Tensor(ones: [channels]))
        batchesTracked = Buffer(Tensor(zeros: []))
    }

    public var ownParameters: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }
    public var ownBuffers: [(name: String, buffer: Buffer)] {
        [("running_mean", runningMean), ("running_var", runningVariance), ("num_batches_tracked", batchesTracked)]
    }
    public var details: String { "\(channels)" }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        try forward(input, context, adding: nil, activation: .none)
    }

    /// Whether this layer normalises by its running statistics in `context` (inference, or frozen).
    func usesRunningStatistics(_ context: ForwardContext) -> Bool { !(context.isTraining && weight.isTrainable) }

    /// The layer, then `+ residual`, then the fused activation, in one pass (see `Tensor.batchNorm2d`).
    func forward(_ input: Tensor, _ context: ForwardContext, adding residual: Tensor?, activation: FusedActivation) throws -> Tensor {
        guard input.rank == 4, input.shape[1] == channels else {
            throw FoveaError.shape("expects input [N, \(channels), H, W], got \(describe(shape: input.shape))")
        }
        if let residual, residual.shape != input.shape {
            throw FoveaError.shape("residual \(describe(shape: residual.shape)) does not match input \(describe(shape: input.shape))")
        }
        let training = !usesRunningStatistics(context)
        if training {
            guard input.shape[0] * input.shape[2] * input.shape[3] > 1 else {
                throw FoveaError.shape("training needs more than one value per channel, got input \(describe(shape: input.shape))")
            }
            batchesTracked.value = Tensor(scalar: batchesTracked.value.item + 1)
        }
        return input.batchNorm2d(weight: weight.value, bias: bias.value, runningMean: runningMean.value,
                                 runningVariance: runningVariance.value, training: training, momentum: momentum, epsilon: epsilon,
                                 adding: residual, activation: activation)
    }
}
