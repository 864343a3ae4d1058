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

    public func step() {
        let mu = momentum
        for (name, parameter) in parameters where parameter.isTrainable {
            guard let grad = parameter.grad else { continue }
            let lr = learningRate * groups.learningRateScale(for: name), wd = groups.weightDecay(weightDecay, for: name)
            let g = grad.pointer, n = grad.count
            let v = mu == 0 ? nil : store.slot("\(name)/momentum", shape: parameter.shape).pointer
            parameter.updateInPlace { theta in
                OptimizerUpdates.sgd(theta: theta, grad: g, velocity: v, count: n, learningRate: lr, weightDecay: wd,
                                     momentum: mu, nesterov: nesterov)
            }
        }
    }

    public var state: [String: Tensor] { store.slots }
    public func loadState(_ state: [String: Tensor]) throws { try store.load(state, parameters: parameters, slotNames: ["momentum"]) }
}
