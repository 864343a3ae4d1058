#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam (Kingma & Ba 2015) with bias correction, as PyTorch's `torch.optim.Adam`;
/// `weightDecay` adds λθ to the gradient (L2), unlike AdamW's decoupled decay.
public final class Adam: Optimizer {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    public let parameters: [(name: String, parameter: Parameter)]
    public private(set) var stepCount = 0
    public var groups = ParameterGroups()
    private let store = SlotStore()

    public init(_ parameters: [(name: String, parameter: Parameter)], learningRate: Float = 1e-3,
                beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate; self.beta1 = beta1; self.beta2 = beta2
        self.epsilon = epsilon; self.weightDecay = weightDecay
    }

    public func step() {
        stepCount += 1
        let b1 = beta1, b2 = beta2, eps = epsilon
        let correction1 = 1 - powf(b1, Float(stepCount)), correction2 = 1 - powf(b2, Float(stepCount))
        let rootCorrection2 = correction2.squareRoot()
        for (name, parameter) in parameters where parameter.isTrainable {
            guard let grad = parameter.grad else { continue }
            let stepSize = learningRate * groups.learningRateScale(for: name) / correction1
            let wd = groups.weightDecay(weightDecay, for: name)
            let theta = parameter.value.pointer, g = grad.pointer
            let m = store.slot("\(name)/exp_avg", shape: parameter.shape).pointer
            let v = store.slot("\(name)/exp_avg_sq", shape: parameter.shape).pointer
            for i in 0..<grad.count {
                let gi = g[i] + wd * theta[i]
                m[i] = b1 * m[i] + (1 - b1) * gi
                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                theta[i] -= stepSize * m[i] / (v[i].squareRoot() / rootCorrection2 + eps)
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
