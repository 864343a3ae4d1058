/// Stochastic gradient descent with momentum, as PyTorch's `torch.optim.SGD`:
/// g ← ∇ + λθ;  v ← μv + g;  θ ← θ − lr·v  (Nesterov: θ ← θ − lr·(g + μv)).
public final class SGD: Optimizer {
    public var learningRate: Float
    public let momentum: Float, weightDecay: Float, nesterov: Bool
    public let parameters: [(name: String, parameter: Parameter)]
    public var groups = ParameterGroups()
    private let store = SlotStore()

    public init(_ parameters: [(name: String, parameter: Parameter)], learningRate: Float, momentum: Float = 0,
                weightDecay: Float = 0, nesterov: Bool = false) {
        self.parameters = parameters
        self.learningRate = learningRate; self.momentum = momentum
        self.weightDecay = weightDecay; self.nesterov = nesterov
    }

    /// All parameters in one pass split between the threads (`OptimizerUpdates.sgd(_:)`).
    public func step() {
        let mu = momentum
        var updates: [OptimizerUpdates.SGDUpdate] = [], kept: [Tensor] = []
        for (name, parameter) in parameters where parameter.isTrainable {
            guard let grad = parameter.grad else { continue }
            let lr = learningRate * groups.learningRateScale(for: name), wd = groups.weightDecay(weightDecay, for: name)
            let velocity = mu == 0 ? nil : store.slot("\(name)/momentum", shape: parameter.shape)
            kept.append(grad)
            if let velocity { kept.append(velocity) }
            // The version moves on now; the values before this step returns, with nothing read between.
            parameter.updateInPlace { theta in
                updates.append(OptimizerUpdates.SGDUpdate(theta: theta, grad: grad.pointer, velocity: velocity?.pointer, count: grad.count,
                                                          learningRate: lr, weightDecay: wd, momentum: mu, nesterov: nesterov))
            }
            kept.append(parameter.value)
        }
        withExtendedLifetime(kept) { OptimizerUpdates.sgd(updates) }
    }

    public var state: [String: Tensor] { store.slots }
    public func loadState(_ state: [String: Tensor]) throws { try store.load(state, parameters: parameters, slotNames: ["momentum"]) }
}
