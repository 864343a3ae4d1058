import CKernels

/// The optimisers' per-element updates over whole parameter tensors, in C over vector lanes and
/// split between the threads for large tensors: an update reads and writes every parameter,
/// gradient and moment once per step, a pass bound by memory, and as a scalar Swift loop on one
/// thread it left the other core idle (3 % of LeNet-5's training step, while the worker waited).
public enum OptimizerUpdates {
    /// Elements per thread share: smaller tensors are updated on the calling thread.
    static let elementsPerShare = 1 << 15

    /// θ ← θ − lr·step with g = grad + wd·θ and, where `velocity` is given, v ← μ·v + g and the
    /// step v (Nesterov: g + μ·v), else g: `torch.optim.SGD`'s rule, element for element.
    public static func sgd(theta: UnsafeMutablePointer<Float>, grad: UnsafePointer<Float>, velocity: UnsafeMutablePointer<Float>?,
                           count: Int, learningRate: Float, weightDecay: Float, momentum: Float, nesterov: Bool) {
        ThreadPool.shared.parallelRanges(count, minimumPerChunk: elementsPerShare) { range in
            fovea_sgd_step(theta + range.lowerBound, grad + range.lowerBound, velocity.map { $0 + range.lowerBound },
                           range.count, learningRate, weightDecay, momentum, nesterov ? 1 : 0)
        }
    }
}
