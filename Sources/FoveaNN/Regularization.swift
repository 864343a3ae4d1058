/// Penalty terms added to the loss, and gradient clipping.
public enum Regularization {
    /// λ·Σ|w| over the given parameters (differentiable; subgradient 0 at 0).
    public static func l1(_ parameters: [Parameter], lambda: Float) -> Tensor {
        parameters.map { $0.value.abs().sum() }.reduce(Tensor(scalar: 0), +) * lambda
    }

    /// λ·Σ‖w‖² over the given parameters (differentiable).
    public static func l2(_ parameters: [Parameter], lambda: Float) -> Tensor {
        parameters.map { $0.value.squared().sum() }.reduce(Tensor(scalar: 0), +) * lambda
    }

    /// Weight tensors only (rank ≥ 2): the usual target of L1/L2, leaving biases and norm scales alone.
    public static func weights(of module: Module) -> [Parameter] {
        module.namedParameters.map(\.parameter).filter { $0.value.rank >= 2 && $0.isTrainable }
    }

    /// Scales all gradients so their global L2 norm is at most `maxNorm` (PyTorch's
    /// `clip_grad_norm_`); returns the norm before clipping.
    @discardableResult
    public static func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
        var total: Double = 0
        for parameter in parameters {
            guard let grad = parameter.grad else { continue }
            for i in 0..<grad.count { total += Double(grad.pointer[i]) * Double(grad.pointer[i]) }
        }
        let norm = Float(total.squareRoot())
        let scale = maxNorm / (norm + 1e-6)
        if scale < 1 {
            for parameter in parameters {
                guard let grad = parameter.grad else { continue }
                for i in 0..<grad.count { grad.pointer[i] *= scale }
            }
        }
        return norm
    }
}
