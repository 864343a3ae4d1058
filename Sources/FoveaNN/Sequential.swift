/// Runs its children in order. Children are named "0", "1", … as `nn.Sequential`, unless named.
public final class Sequential: Module {
    public let layers: [(name: String, module: Module)]

    public init(_ layers: [Module]) {
        self.layers = layers.enumerated().map { (String($0.offset), $0.element) }
    }

    public init(named layers: [(String, Module)]) {
        self.layers = layers.map { (name: $0.0, module: $0.1) }
    }

    public var children: [(name: String, module: Module)] { layers }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        var x = input
        var i = 0
        while i < layers.count {
            // Conv2D → BatchNorm2D (→ activation) runs fused (see `runConvolution`).
            if !context.observesLayers, i + 1 < layers.count, let conv = layers[i].module as? Conv2D,
               let norm = layers[i + 1].module as? BatchNorm2D {
                let activation = i + 2 < layers.count ? Sequential.activation(of: layers[i + 2].module) : nil
                x = try context.runConvolution(conv, named: layers[i].name, normalisedBy: norm, named: layers[i + 1].name,
                                               activation: activation, x)
                i += activation == nil ? 2 : 3
                continue
            }
            // Conv2D → 2×2 max pool runs as one op (see `runConvolution(_:named:pooledBy:_:)`).
            if i + 1 < layers.count, let conv = layers[i].module as? Conv2D, let pool = layers[i + 1].module as? MaxPool2D,
               let pooled = try context.runConvolution(conv, named: layers[i].name, pooledBy: pool, x) {
                x = pooled
                i += 2
                continue
            }
            // BatchNorm2D → ReLU (pre-activation blocks, DenseNet's transitions) runs as one op.
            if !context.observesLayers, i + 1 < layers.count, let norm = layers[i].module as? BatchNorm2D,
               Sequential.activation(of: layers[i + 1].module) == .relu {
                x = try context.runNormalisation(norm, named: layers[i].name, activation: .relu, x)
                i += 2
                continue
            }
            x = try context.run(layers[i].module, named: layers[i].name, x)
            i += 1
        }
        return x
    }

    /// The activation a parameter-free activation layer applies, if it is one.
    static func activation(of module: Module) -> Activation? {
        if let layer = module as? ActivationLayer { return layer.activation }
        return module is ReLU ? .relu : nil
    }
}
