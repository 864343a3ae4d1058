/// Elementwise activations, usable as layers or fused into Conv2D/Dense (Keras's `activation=`).
public enum Activation: String, CaseIterable, Sendable {
    case relu, sigmoid, tanh, softmax, relu6, silu, gelu, hardswish

    public func apply(_ x: Tensor) -> Tensor {
        switch self {
        case .relu: x.relu()
        case .sigmoid: x.sigmoid()
        case .tanh: x.tanh()
        case .softmax: x.softmax()
        case .relu6: x.relu6()
        case .silu: x.silu()
        case .gelu: x.gelu()
        case .hardswish: x.hardswish()
        }
    }
}

/// Any `Activation` as a layer (ReLU6, SiLU/Swish, GELU, Hardswish, …).
public final class ActivationLayer: Module {
    public let activation: Activation
    public init(_ activation: Activation) { self.activation = activation }
    public var typeName: String { activation.rawValue }
    public var details: String { activation.rawValue }
    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor { activation.apply(input) }
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
