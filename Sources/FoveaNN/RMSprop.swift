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
            let g = grad.pointer
            let v = store.slot("\(name)/square_avg", shape: parameter.shape).pointer
            let b = mu > 0 ? store.slot("\(name)/momentum_buffer", shape: parameter.shape).pointer : nil
            parameter.updateInPlace { theta in
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
    }

    public var state: [String: Tensor] { store.slots }
    public func loadState(_ state: [String: Tensor]) throws {
        try store.load(state, parameters: parameters, slotNames: ["square_avg", "momentum_buffer"])
    }
}
