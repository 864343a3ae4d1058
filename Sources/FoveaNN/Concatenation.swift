/// Runs several branches on the same input and joins their outputs along the channel axis
/// (Inception modules; `torch.cat(branches, 1)`). Branches are named as given.
public final class ConcatenatedBranches: Module {
    public let branches: [(name: String, module: Module)]

    public init(_ branches: [(String, Module)]) {
        precondition(!branches.isEmpty, "ConcatenatedBranches needs at least one branch")
        self.branches = branches.map { (name: $0.0, module: $0.1) }
    }

    public var children: [(name: String, module: Module)] { branches }
    public var summarisedAsOneRow: Bool { true }
    public var details: String { branches.map(\.name).joined(separator: " ‖ ") }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        let outputs = try branches.map { try context.run($0.module, named: $0.name, input) }
        try checkConcatenable(outputs, names: branches.map(\.name))
        return Tensor.concatenate(outputs, axis: 1)
    }
}

/// Throws, naming the branches, unless the tensors agree on every axis but the channel axis.
func checkConcatenable(_ tensors: [Tensor], names: [String]) throws {
    let reference = tensors[0].shape
    for (tensor, name) in zip(tensors, names) {
        var a = tensor.shape, b = reference
        guard a.count == b.count, a.count >= 2 else {
            throw FoveaError.shape("cannot concatenate '\(name)' \(describe(shape: tensor.shape)) with \(describe(shape: reference))")
        }
        a[1] = 0; b[1] = 0
        guard a == b else {
            throw FoveaError.shape("cannot concatenate '\(name)' \(describe(shape: tensor.shape)) with '\(names[0])' \(describe(shape: reference)) along channels")
        }
    }
}
