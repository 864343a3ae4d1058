/// AdamW (Loshchilov & Hutter 2019), as PyTorch's `torch.optim.AdamW`: Adam whose weight decay
/// is decoupled from the gradient, θ ← θ·(1 − lr·λ), applied before the Adam update.
public final class AdamW: Adam {
    public init(_ parameters: [(name: String, parameter: Parameter)], learningRate: Float = 1e-3, beta1: Float = 0.9,
                beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 1e-2) {
        super.init(parameters, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                   weightDecay: weightDecay, decoupled: true)
    }
}
