/// A trainable tensor owned by a layer. Optimisers update its storage in place.
public final class Parameter {
    public private(set) var value: Tensor
    /// Frozen parameters get no gradient and are skipped by optimisers.
    public var isTrainable: Bool {
        didSet { value = isTrainable ? value.detached().requiringGrad() : value.detached() }
    }

    public init(_ value: Tensor, trainable: Bool = true) {
        self.isTrainable = trainable
        self.value = trainable ? value.detached().requiringGrad() : value.detached()
    }

    public var shape: [Int] { value.shape }
    public var grad: Tensor? { value.grad }
    public func zeroGrad() { value.gradNode?.zeroGrad() }

    /// Replaces the values (same shape), keeping the parameter's identity for optimisers.
    public func assign(_ newValue: Tensor) {
        precondition(newValue.shape == value.shape,
                     "assigning \(describe(shape: newValue.shape)) to a parameter of shape \(describe(shape: value.shape))")
        value.pointer.update(from: newValue.pointer, count: value.count)
    }
}

/// A non-trainable tensor a layer keeps as state (BatchNorm running statistics) and saves.
public final class Buffer {
    public var value: Tensor
    public init(_ value: Tensor) { self.value = value }
}
