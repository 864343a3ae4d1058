#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// AdamW (Loshchilov & Hutter 2019), as PyTorch's `torch.optim.AdamW`: the weight decay is
/// decoupled from the gradient, θ ← θ − lr·λ·θ, applied before the Adam update.
public final class AdamW: Optimizer {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    public let parameters: [(name: String, parameter: Parameter)]
    public private(set) var stepCount = 0
    public var groups = ParameterGroups()
    private let store = SlotStore()

    public init(_ parameters: [(name: String, parameter: Parameter)], learningRate: Float = 1e-3, beta1: Float = 0.9,
                beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 1e-2) {
        self.parameters = parameters
        self.learningRate = learningRate; self.beta1 = beta1; self.beta2 = beta2
        self.epsilon = epsilon; self.weightDecay = weightDecay
    }

    public func step() {
        stepCount += 1
        let b1 = beta1, b2 = beta2, eps = epsilon
        let correction1 = 1 - powf(b1, Float(stepCount)), rootCorrection2 = (1 - powf(b2, Float(stepCount))).squareRoot()
        for (name, parameter) in parameters where parameter.isTrainable {
            guard let grad = parameter.grad else { continue }
            let lr = learningRate * groups.learningRateScale(for: name)
            let decay = 1 - lr * groups.weightDecay(weightDecay, for: name)
            let theta = parameter.value.pointer, g = grad.pointer
            let m = store.slot("\(name)/exp_avg", shape: parameter.shape).pointer
            let v = store.slot("\(name)/exp_avg_sq", shape: parameter.shape).pointer
            for i in 0..<grad.count {
                theta[i] *= decay
                m[i] = b1 * m[i] + (1 - b1) * g[i]
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                theta[i] -= lr / correction1 * m[i] / (v[i].squareRoot() / rootCorrection2 + eps)
            }
        }
    }

    public var state: [String: Tensor] { store.slots.merging(["step": Tensor(scalar: Float(stepCount))]) { a, _ in a } }
    public func loadState(_ state: [String: Tensor]) throws {
        var slots = state
        stepCount = Int(slots.removeValue(forKey: "step")?.item ?? 0)
        try store.load(slots, parameters: parameters, slotNames: ["exp_avg", "exp_avg_sq"])
    }
}

/// RMSprop as PyTorch's `torch.optim.RMSprop` (no centering): v ← αv + (1 − α)g²;
/// with momentum μ: b ← μb + g/(√v + ε), θ ← θ − lr·b; otherwise θ ← θ − lr·g/(√v + ε).
public final class RMSprop: Optimizer {
    public var learningRate: Float
    public let alpha: Float, epsilon: Float, momentum: Float, weightDecay: Float
    public let parameters: [(name: String, parameter: Parameter)]
    public var groups = ParameterGroups()
    private let store = SlotStore()

    public init(_ parameters: [(name: String, parameter: Parameter)], learningRate: Float = 1e-2, alpha: Float = 0.99,
                epsilon: Float = 1e-8, momentum: Float = 0, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate; self.alpha = alpha; self.epsilon = epsilon
        self.momentum = momentum; self.weightDecay = weightDecay
    }

    public func step() {
        let a = alpha, eps = epsilon, mu = momentum
        for (name, parameter) in parameters where parameter.isTrainable {
            guard let grad = parameter.grad else { continue }
            let lr = learningRate * groups.learningRateScale(for: name), wd = groups.weightDecay(weightDecay, for: name)
            let theta = parameter.value.pointer, g = grad.pointer
            let v = store.slot("\(name)/square_avg", shape: parameter.shape).pointer
            let b = mu > 0 ? store.slot("\(name)/momentum_buffer", shape: parameter.shape).pointer : nil
            for i in 0..<grad.count {
                let gi = g[i] + wd * theta[i]
                v[i] = a * v[i] + (1 - a) * gi * gi
                let update = gi / (v[i].squareRoot() + eps)
                if let b {
                    b[i] = mu * b[i] + update
                    theta[i] -= lr * b[i]
                } else {
                    theta[i] -= lr * update
                }
            }
        }
    }

    public var state: [String: Tensor] { store.slots }
    public func loadState(_ state: [String: Tensor]) throws {
        try store.load(state, parameters: parameters, slotNames: ["square_avg", "momentum_buffer"])
    }
}
