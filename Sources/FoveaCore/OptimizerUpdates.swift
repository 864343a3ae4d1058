import CKernels

/// The optimisers' per-element updates over whole parameter tensors, in C over vector lanes and
/// split between the threads for large tensors (`parallelElements`): an update reads and writes
/// every parameter, gradient and moment once per step, a pass bound by memory, and as a scalar
/// Swift loop on one thread it left the other core idle (ResNet-18 at 32×32: SGD's step 4.9 % of
/// the training step on one thread, the kernel 3.96 % over both).
public enum OptimizerUpdates {
    /// θ ← θ − lr·step with g = grad + wd·θ and, where `velocity` is given, v ← μ·v + g and the
    /// step v (Nesterov: g + μ·v), else g: `torch.optim.SGD`'s rule, element for element.
    public static func sgd(theta: UnsafeMutablePointer<Float>, grad: UnsafePointer<Float>, velocity: UnsafeMutablePointer<Float>?,
                           count: Int, learningRate: Float, weightDecay: Float, momentum: Float, nesterov: Bool) {
        sgd([SGDUpdate(theta: theta, grad: grad, velocity: velocity, count: count, learningRate: learningRate,
                       weightDecay: weightDecay, momentum: momentum, nesterov: nesterov)])
    }

    /// One SGD update of one parameter tensor (`sgd(theta:…)`'s arguments).
    public struct SGDUpdate {
        public let theta: UnsafeMutablePointer<Float>, grad: UnsafePointer<Float>, velocity: UnsafeMutablePointer<Float>?
        public let count: Int, learningRate: Float, weightDecay: Float, momentum: Float, nesterov: Bool
        public init(theta: UnsafeMutablePointer<Float>, grad: UnsafePointer<Float>, velocity: UnsafeMutablePointer<Float>?, count: Int,
                    learningRate: Float, weightDecay: Float, momentum: Float, nesterov: Bool) {
            self.theta = theta; self.grad = grad; self.velocity = velocity; self.count = count
            self.learningRate = learningRate; self.weightDecay = weightDecay; self.momentum = momentum; self.nesterov = nesterov
        }
    }

    /// Every tensor's update, the elements of all of them split between the threads as one pass
    /// (tensor by tensor, a model of small tensors ran its whole step on the caller: LeNet-5's
    /// 61 K parameters, 2.1 % of its training step with the worker idle).
    public static func sgd(_ updates: [SGDUpdate]) {
        var starts: [Int] = [], total = 0
        for update in updates { starts.append(total); total += update.count }
        ThreadPool.shared.parallelRanges(total, minimumPerChunk: 1 << 14) { range in
            // The updates that overlap `range`, each over its overlapping elements.
            var index = (starts.lastIndex { $0 <= range.lowerBound }) ?? 0
            while index < updates.count && starts[index] < range.upperBound {
                let u = updates[index], first = Swift.max(range.lowerBound, starts[index]) - starts[index]
                let end = Swift.min(range.upperBound, starts[index] + u.count) - starts[index]
                if first < end {
                    fovea_sgd_step(u.theta + first, u.grad + first, u.velocity.map { $0 + first }, end - first, u.learningRate,
                                   u.weightDecay, u.momentum, u.nesterov ? 1 : 0)
                }
                index += 1
            }
        }
    }

    /// `torch.optim.Adam`'s update, operation for operation: g = grad + l2·θ; θ ← shrink·θ (AdamW's
    /// decoupled decay: 1 − lr·λ, else 1); m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g·g;
    /// θ ← θ − stepSize·m / (√v / rootCorrection2 + ε).
    public static func adam(theta: UnsafeMutablePointer<Float>, grad: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
                            v: UnsafeMutablePointer<Float>, count: Int, l2: Float, shrink: Float, beta1: Float, beta2: Float,
                            stepSize: Float, rootCorrection2: Float, epsilon: Float) {
        ThreadPool.shared.parallelElements(count) { r in
            let i = r.lowerBound
            fovea_adam_step(theta + i, grad + i, m + i, v + i, r.count, l2, shrink, beta1, beta2, stepSize, rootCorrection2, epsilon)
        }
    }
}
