/// Transfer learning on any module: freezing by parameter-name prefix, a new classifier head,
/// and the encoder's output (the head's input) as features.
///
/// The head is the last `Dense` layer in the module tree (`fc`, `classifier.6`, `heads.head`, …).
/// A frozen BatchNorm (its weight frozen) normalises with its running statistics and never
/// updates them, so a frozen encoder is exactly the pre-trained function.
extension Module {
    /// Marks every parameter whose name is `prefix` or starts with `prefix.` as frozen (or trainable).
    /// Throws, listing the top-level names, if a prefix matches nothing.
    public func setTrainable(_ trainable: Bool, prefixes: [String]) throws {
        let named = namedParameters
        for prefix in prefixes {
            let matching = named.filter { $0.name == prefix || $0.name.hasPrefix(prefix + ".") }
            guard !matching.isEmpty else {
                let roots = Array(Set(named.map { String($0.name.split(separator: ".").first ?? "") })).sorted()
                throw FoveaError.argument("'\(prefix)' matches no parameter; top-level names are \(roots.joined(separator: ", "))")
            }
            matching.forEach { $0.parameter.isTrainable = trainable }
        }
    }

    /// Freezes everything except the classifier head.
    public func freezeEncoder() throws {
        guard let head else { throw FoveaError.argument("\(typeName) has no Dense head to keep trainable") }
        for (name, parameter) in namedParameters { parameter.isTrainable = name.hasPrefix(head.path + ".") }
    }

    /// The last `Dense` layer and its dotted path, depth first.
    public var head: (path: String, layer: Dense)? {
        func search(_ module: Module, _ path: String) -> (String, Dense)? {
            for (name, child) in module.children.reversed() {
                let childPath = path.isEmpty ? name : "\(path).\(name)"
                if let found = search(child, childPath) { return found }
            }
            return (module as? Dense).map { (path, $0) }
        }
        return search(self, "")
    }

    /// Replaces the head by a freshly initialised one with `classes` outputs (PyTorch's default
    /// initialisation); the encoder is untouched. Build optimisers after calling this.
    public func replaceHead(classes: Int, generator: inout SeededGenerator) throws {
        guard classes >= 1 else { throw FoveaError.argument("a head needs at least one class, got \(classes)") }
        guard let (_, dense) = head else { throw FoveaError.argument("\(typeName) has no Dense head to replace") }
        dense.reinitialise(outFeatures: classes, generator: &generator)
    }

    /// Logits and the head's input (the encoder's features, [N, D]) of one forward pass.
    public func forwardWithFeatures(_ input: Tensor, _ context: ForwardContext) throws -> (logits: Tensor, features: Tensor) {
        guard let (_, dense) = head else { throw FoveaError.argument("\(typeName) has no Dense head to take features from") }
        var features: Tensor?
        let previous = context.costRecorder
        context.costRecorder = { module, input, output in
            if module === dense { features = input }
            previous?(module, input, output)
        }
        defer { context.costRecorder = previous }
        let logits = try forward(input, context)
        guard let features else { throw FoveaError.argument("\(typeName): the head was not reached in the forward pass") }
        return (logits, features)
    }

    /// The encoder's output for a batch, in inference mode, without gradients.
    public func extractFeatures(_ input: Tensor) throws -> Tensor {
        try withoutGradients { try forwardWithFeatures(input, .inference).features }
    }
}
