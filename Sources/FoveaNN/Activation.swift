/// Elementwise activations, usable as layers or fused into Conv2D/Dense (Keras's `activation=`).
public enum Activation: String, CaseIterable, Sendable {
    case relu, sigmoid, tanh, softmax

    public func apply(_ x: Tensor) -> Tensor {
        switch self {
        case .relu: x.relu()
        case .sigmoid: x.sigmoid()
        case .tanh: x.tanh()
        case .softmax: x.softmax()
        }
    }
}

public final class ReLU: Module {
    public init() {}
    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor { input.relu() }
}

public final class Sigmoid: Module {
    public init() {}
    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor { input.sigmoid() }
}

public final class Tanh: Module {
    public init() {}
    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor { input.tanh() }
}

/// Softmax over the last axis.
public final class Softmax: Module {
    public init() {}
    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor { input.softmax() }
}
