/// A layer or a model: named parameters, named children and one forward function.
///
/// Names follow PyTorch's `state_dict` keys ("features.0.weight", "layer3.1.conv2.weight"),
/// so weights map one to one to and from PyTorch.
public protocol Module: AnyObject {
    /// Child modules in forward order, with their attribute names.
    var children: [(name: String, module: Module)] { get }
    /// Parameters owned directly by this module.
    var ownParameters: [(name: String, parameter: Parameter)] { get }
    /// Non-trainable state owned directly (running statistics).
    var ownBuffers: [(name: String, buffer: Buffer)] { get }
    /// One line of hyperparameters for summaries, e.g. "3→32, 3×3, same".
    var details: String { get }
    /// Whether `summary` shows this composite module as a single row (blocks) or its leaves.
    var summarisedAsOneRow: Bool { get }
    /// The name summaries and errors use; the class name unless a module says otherwise.
    var typeName: String { get }

    func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor
}

extension Module {
    public var children: [(name: String, module: Module)] { [] }
    public var ownParameters: [(name: String, parameter: Parameter)] { [] }
    public var ownBuffers: [(name: String, buffer: Buffer)] { [] }
    public var details: String { "" }
    public var summarisedAsOneRow: Bool { false }
    public var typeName: String { String(describing: type(of: self)) }

    public func callAsFunction(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        try forward(input, context)
    }

    /// Every parameter below this module with its dotted path, depth first.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        ownParameters + children.flatMap { child in
            child.module.namedParameters.map { ("\(child.name).\($0.name)", $0.parameter) }
        }
    }

    public var namedBuffers: [(name: String, buffer: Buffer)] {
        ownBuffers + children.flatMap { child in
            child.module.namedBuffers.map { ("\(child.name).\($0.name)", $0.buffer) }
        }
    }

    public var parameters: [Parameter] { namedParameters.map(\.parameter) }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
    public var trainableParameterCount: Int { parameters.filter(\.isTrainable).reduce(0) { $0 + $1.value.count } }

    public func zeroGrad() { parameters.forEach { $0.zeroGrad() } }

    /// Forward in inference mode without recording gradients.
    /// Large batches of large models go through in chunks of images, each through the whole
    /// network before the next (see `InferenceChunking`): the same results, faster.
    public func predict(_ input: Tensor) throws -> Tensor {
        guard input.rank >= 2 else { return try predict(input, inChunksOf: nil) }
        return try predict(input, inChunksOf: InferenceChunking.chunk(for: self, inputShape: Array(input.shape.dropFirst()),
                                                                      batch: input.shape[0]))
    }

    /// Forward in inference mode without recording gradients, `chunk` images at a time (the
    /// last chunk may be smaller), each through the whole network before the next; nil: all at once.
    public func predict(_ input: Tensor, inChunksOf chunk: Int?) throws -> Tensor {
        if let chunk, chunk < 1 { throw FoveaError.argument("predict: chunks of \(chunk) images (a chunk holds one image or more)") }
        return try withoutGradients {
            guard let chunk, input.rank >= 1, input.shape[0] > chunk else { return try forward(input, .inference) }
            let n = input.shape[0]
            let parts = try stride(from: 0, to: n, by: chunk).map { start in
                try forward(input.slice(axis: 0, start..<Swift.min(n, start + chunk)), .inference)
            }
            return Tensor.concatenate(parts, axis: 0)
        }
    }
}
