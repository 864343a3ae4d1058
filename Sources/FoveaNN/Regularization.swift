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

extension Regularization {
    /// L2-SP (Li, Grandvalet, Davoine, "Explicit Inductive Bias for Transfer Learning with
    /// Convolutional Networks", ICML 2018): λ·Σ‖θ − θ_pre‖², pulling fine-tuned weights towards the
    /// pre-trained starting point instead of towards zero. Differentiable in `values`.
    public static func startingPoint(values: [Tensor], references: [Tensor], lambda: Float) -> Tensor {
        precondition(values.count == references.count && zip(values, references).allSatisfy { $0.shape == $1.shape },
                     "L2-SP: values and references must pair up with equal shapes")
        return zip(values, references).map { ($0 - $1.detached()).squared().sum() }.reduce(Tensor(scalar: 0), +) * lambda
    }
}

/// The pre-trained values an L2-SP penalty pulls towards: a copy of every trainable parameter
/// that exists in both the model and the reference weights with the same shape (a new head has
/// no starting point and is left to plain weight decay, as in the paper).
public struct StartingPoint {
    public let lambda: Float
    public let pairs: [(parameter: Parameter, reference: Tensor)]

    public init(lambda: Float, model: Module, reference: [String: Tensor]) {
        self.lambda = lambda
        pairs = model.namedParameters.compactMap { name, parameter in
            guard parameter.isTrainable, let value = reference[name], value.shape == parameter.shape else { return nil }
            return (parameter, value.copy())
        }
    }

    public func penalty() -> Tensor {
        Regularization.startingPoint(values: pairs.map(\.parameter.value), references: pairs.map(\.reference), lambda: lambda)
    }
}
