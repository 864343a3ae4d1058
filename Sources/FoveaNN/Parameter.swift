/// A trainable tensor owned by a layer. Optimisers update its storage in place, through
/// `updateInPlace`, which counts the change in `version`.
public final class Parameter {
    public private(set) var value: Tensor
    /// Frozen parameters get no gradient and are skipped by optimisers.
    public var isTrainable: Bool {
        didSet {
            value = isTrainable ? value.detached().requiringGrad() : value.detached()
            version += 1
        }
    }
    /// Counts every change of the values made through this parameter (`updateInPlace`, `assign`):
    /// what a layer derives from them for inference (ResNet-18's cropped weights, `Conv2D`) is
    /// kept until it moves, as PyTorch's tensor version counter. Code that writes through
    /// `value.pointer` itself must call `updateInPlace` around the write, or the layer keeps
    /// using what it derived from the old values.
    public private(set) var version = 0

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
        updateInPlace { $0.update(from: newValue.pointer, count: value.count) }
    }

    /// Runs `body` on the values' storage (an optimiser's step) and counts the change in `version`.
    public func updateInPlace<Result>(_ body: (UnsafeMutablePointer<Float>) throws -> Result) rethrows -> Result {
        defer { version += 1 }
        return try body(value.pointer)
    }
}

/// A non-trainable tensor a layer keeps as state (BatchNorm running statistics) and saves.
public final class Buffer {
    public var value: Tensor
    public init(_ value: Tensor) { self.value = value }
}
