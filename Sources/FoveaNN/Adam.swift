#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam (Kingma & Ba 2015) with bias correction, as PyTorch's `torch.optim.Adam`;
/// `weightDecay` adds λθ to the gradient (L2). `AdamW` is the same update with decoupled decay.
public class Adam: Optimizer {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    public let parameters: [(name: String, parameter: Parameter)]
    public private(set) var stepCount = 0
    public var groups = ParameterGroups()
    /// Decay the weights directly (AdamW) instead of adding λθ to the gradient.
    let decoupled: Bool
    private let store = SlotStore()

    public convenience init(_ parameters: [(name: String, parameter: Parameter)], learningRate: Float = 1e-3,
                            beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.init(parameters, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                  weightDecay: weightDecay, decoupled: false)
    }

    init(_ parameters: [(name: String, parameter: Parameter)], learningRate: Float, beta1: Float, beta2: Float,
         epsilon: Float, weightDecay: Float, decoupled: Bool) {
        self.parameters = parameters
        self.learningRate = learningRate; self.beta1 = beta1; self.beta2 = beta2
        self.epsilon = epsilon; self.weightDecay = weightDecay; self.decoupled = decoupled
    }

    public func step() {
        stepCount += 1
        let b1 = beta1, b2 = beta2, eps = epsilon
        let correction1 = 1 - powf(b1, Float(stepCount)), correction2 = 1 - powf(b2, Float(stepCount))
        let rootCorrection2 = correction2.squareRoot()
        for (name, parameter) in parameters where parameter.isTrainable {
            guard let grad = parameter.grad else { continue }
            let g = grad.pointer
            let rate = learningRate * groups.learningRateScale(for: name), stepSize = rate / correction1
            let wd = groups.weightDecay(weightDecay, for: name)
            let shrink = decoupled ? 1 - rate * wd : 1, l2 = decoupled ? 0 : wd
            let m = store.slot("\(name)/exp_avg", shape: parameter.shape).pointer
            let v = store.slot("\(name)/exp_avg_sq", shape: parameter.shape).pointer
            parameter.updateInPlace { theta in
                OptimizerUpdates.adam(theta: theta, grad: g, m: m, v: v, count: grad.count, l2: l2, shrink: shrink, beta1: b1,
                                      beta2: b2, stepSize: stepSize, rootCorrection2: rootCorrection2, epsilon: eps)
            }
        }
    }

    public var state: [String: Tensor] {
        store.slots.merging(["step": Tensor(scalar: Float(stepCount))]) { a, _ in a }
    }

    public func loadState(_ state: [String: Tensor]) throws {
        var slots = state
        stepCount = Int(slots.removeValue(forKey: "step")?.item ?? 0)
        try store.load(slots, parameters: parameters, slotNames: ["exp_avg", "exp_avg_sq"])
    }
}
