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
        for (name, layer) in layers { x = try context.run(layer, named: name, x) }
        return x
    }
}
