/// A dense, contiguous, row-major Float32 array (images are NCHW) that can take part in autodiff.
///
/// `Tensor` is a value: ops return new tensors and never write into their inputs. A tensor
/// that requires gradients carries a `GradNode`; ops on such tensors record how to send
/// gradients back (see Autograd.swift).
public struct Tensor: @unchecked Sendable {
    public let shape: [Int]
    public private(set) var storage: TensorStorage
    public internal(set) var gradNode: GradNode?

    public init(shape: [Int], storage: TensorStorage) {
        precondition(shape.reduce(1, *) == storage.count,
                     "shape \(describe(shape: shape)) does not match \(storage.count) elements")
        self.shape = shape
        self.storage = storage
        self.gradNode = nil
    }

    /// A tensor with uninitialised contents, for kernels that write every element.
    public init(uninitializedShape shape: [Int]) {
        self.init(shape: shape, storage: TensorStorage(uninitializedCount: shape.reduce(1, *)))
    }

    public init(zeros shape: [Int]) { self.init(repeating: 0, shape: shape) }
    public init(ones shape: [Int]) { self.init(repeating: 1, shape: shape) }

    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, storage: TensorStorage(repeating: value, count: shape.reduce(1, *)))
    }

    /// Elements in row-major order; throws if their count does not fill the shape.
    public init(_ values: [Float], shape: [Int]) throws {
        guard shape.allSatisfy({ $0 >= 0 }), values.count == shape.reduce(1, *) else {
            throw FoveaError.shape("\(values.count) values cannot fill a tensor of shape \(describe(shape: shape))")
        }
        self.init(shape: shape, storage: values.withUnsafeBufferPointer { TensorStorage(copying: $0) })
    }

    /// A rank-0 tensor.
    public init(scalar: Float) {
        self.init(repeating: scalar, shape: [])
    }

    public var count: Int { storage.count }
    public var rank: Int { shape.count }
    public var pointer: UnsafeMutablePointer<Float> { storage.pointer }
    public var requiresGrad: Bool { gradNode != nil }

    /// Copies the elements out, row-major.
    public var scalars: [Float] { Array(storage.buffer) }

    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item of a tensor with shape \(describe(shape: shape))")
        return storage.pointer[0]
    }

    public subscript(flat index: Int) -> Float { storage.pointer[index] }

    /// The same values, detached from autodiff.
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

    /// self += other element by element, when this tensor's storage has no other holder (no
    /// other tensor, view or gradient shares it) and `other` has the same shape; false, and
    /// nothing written, otherwise. For gradient accumulation, where the buffer is the tape's own.
    mutating func addInPlaceIfUniquelyOwned(_ other: Tensor) -> Bool {
        guard shape == other.shape, other.storage !== storage, isKnownUniquelyReferenced(&storage) else { return false }
        Tensor.addElements(pointer, other.pointer, into: pointer, count: count)
        return true
    }

    /// A deep copy (new storage), detached.
    public func copy() -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(copying: UnsafeBufferPointer(storage.buffer)))
    }

    /// Marks this tensor as a leaf whose gradient is accumulated by `backward()`.
    public func requiringGrad() -> Tensor {
        var leaf = detached()
        leaf.gradNode = GradNode(leafOf: shape)
        return leaf
    }

    /// The gradient accumulated at this leaf by `backward()` calls, if any.
    public var grad: Tensor? { gradNode?.grad }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(\(describe(shape: shape)), [\(shown)\(count > 8 ? ", …" : "")])"
    }
}
