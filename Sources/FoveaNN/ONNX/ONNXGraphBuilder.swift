import Foundation

/// An ONNX graph under construction (opset 17, IR version 8), serialised with Fovea's own
/// protobuf writer: nodes, initialisers named by the parameters' state_dict names, a dynamic
/// batch dimension "N". Modules add themselves through `ONNXExportable`.
public final class ONNXGraphBuilder {
    public enum Attribute {
        case int(String, Int), ints(String, [Int]), float(String, Float), string(String, String)
    }

    public static let opset = 17
    var nodes: [Data] = []
    var initializers: [Data] = []
    var names = Set<String>()
    /// Input and output shapes (batch 1) of every module, from one traced forward pass.
    var shapes: [ObjectIdentifier: (input: [Int], output: [Int])] = [:]

    public init() {}

    /// A fresh value name starting with `base`.
    public func uniqueName(_ base: String) -> String {
        var name = base, index = 1
        while names.contains(name) { name = "\(base)_\(index)"; index += 1 }
        names.insert(name)
        return name
    }

    /// Input shape (with batch 1) the module saw in the traced pass.
    public func inputShape(of module: Module) throws -> [Int] {
        guard let shape = shapes[ObjectIdentifier(module)]?.input else {
            throw FoveaError.argument("ONNX export: \(module.typeName) was not reached in the traced forward pass")
        }
        return shape
    }

    @discardableResult
    public func initializer(_ name: String, _ tensor: Tensor) -> String {
        let unique = uniqueName(name)
        var proto = Data()
        for d in tensor.shape { proto.appendField(1, int: d) }
        proto.appendField(2, int: 1)  // FLOAT
        proto.appendField(8, string: unique)
        // Float32 little-endian, copied in one go (the platforms Fovea runs on are little-endian).
        proto.appendField(9, bytes: Data(bytes: UnsafeRawPointer(tensor.pointer), count: tensor.count * 4))
        initializers.append(proto)
        return unique
    }

    /// An int64 constant (shapes, axes, indices).
    public func integers(_ name: String, _ values: [Int], scalar: Bool = false) -> String {
        let unique = uniqueName(name)
        var proto = Data()
        if !scalar { proto.appendField(1, int: values.count) }
        proto.appendField(2, int: 7)  // INT64
        proto.appendField(8, string: unique)
        var raw = Data()
        for v in values { raw.appendLittleEndian(Int64(v)) }
        proto.appendField(9, bytes: raw)
        initializers.append(proto)
        return unique
    }

    public func scalar(_ name: String, _ value: Float) -> String { initializer(name, Tensor(scalar: value)) }

    /// Adds a node and returns its output names.
    @discardableResult
    public func node(_ op: String, _ inputs: [String], outputs count: Int = 1, name: String, _ attributes: [Attribute] = []) -> [String] {
        let outputs = (0..<count).map { uniqueName(count == 1 ? name : "\(name)_\($0)") }
        var proto = Data()
        for input in inputs { proto.appendField(1, string: input) }
        for output in outputs { proto.appendField(2, string: output) }
        proto.appendField(3, string: uniqueName("node_" + name))
        proto.appendField(4, string: op)
        for attribute in attributes {
            var a = Data()
            switch attribute {
            case let .int(key, value): a.appendField(1, string: key); a.appendField(3, int: value); a.appendField(20, int: 2)
            case let .float(key, value): a.appendField(1, string: key); a.appendField(2, float: value); a.appendField(20, int: 1)
            case let .string(key, value): a.appendField(1, string: key); a.appendField(4, string: value); a.appendField(20, int: 3)
            case let .ints(key, values):
                a.appendField(1, string: key)
                for v in values { a.appendField(8, int: v) }
                a.appendField(20, int: 7)
            }
            proto.appendField(5, bytes: a)
        }
        nodes.append(proto)
        return outputs
    }

    public func node1(_ op: String, _ inputs: [String], name: String, _ attributes: [Attribute] = []) -> String {
        node(op, inputs, name: name, attributes)[0]
    }

    /// Exports `module` on `input`, naming its initialisers under `path`.
    public func export(_ module: Module, input: String, path: String) throws -> String {
        guard let exportable = module as? ONNXExportable else {
            throw FoveaError.argument("ONNX export does not support \(module.typeName) (at '\(path.isEmpty ? "model" : path)')")
        }
        return try exportable.exportONNX(self, input: input, path: path)
    }

    /// The child at `name` of a module, exported under `path.name`.
    public func export(child module: Module, named name: String, of path: String, input: String) throws -> String {
        try export(module, input: input, path: path.isEmpty ? name : "\(path).\(name)")
    }

    /// Traces `model` on a zero image of `inputShape`, builds the graph and returns the model file.
    public static func export(_ model: Module, inputShape: [Int], producer: String = "fovea") throws -> Data {
        let builder = ONNXGraphBuilder()
        let context = ForwardContext.inference
        context.costRecorder = { module, input, output in
            builder.shapes[ObjectIdentifier(module)] = (input.shape, output.shape)
        }
        let output = try withoutGradients { try model.forward(Tensor(zeros: [1] + inputShape), context) }
        builder.names.insert("input")
        builder.shapes[ObjectIdentifier(model)] = ([1] + inputShape, output.shape)
        let result = try builder.export(model, input: "input", path: "")
        let logits = builder.node1("Identity", [result], name: "logits")

        func valueInfo(_ name: String, _ shape: [Int]) -> Data {
            var dims = Data()
            for (i, d) in shape.enumerated() {
                var dim = Data()
                if i == 0 { dim.appendField(2, string: "N") } else { dim.appendField(1, int: d) }
                dims.appendField(1, bytes: dim)
            }
            var tensorType = Data()
            tensorType.appendField(1, int: 1)
            tensorType.appendField(2, bytes: dims)
            var type = Data()
            type.appendField(1, bytes: tensorType)
            var info = Data()
            info.appendField(1, string: name)
            info.appendField(2, bytes: type)
            return info
        }
        var graph = Data()
        for node in builder.nodes { graph.appendField(1, bytes: node) }
        graph.appendField(2, string: model.typeName)
        for initializer in builder.initializers { graph.appendField(5, bytes: initializer) }
        graph.appendField(11, bytes: valueInfo("input", [1] + inputShape))
        graph.appendField(12, bytes: valueInfo(logits, output.shape))
        var opset = Data()
        opset.appendField(1, string: "")
        opset.appendField(2, int: Self.opset)
        var proto = Data()
        proto.appendField(1, int: 8)  // IR version 8 goes with opset 17
        proto.appendField(2, string: producer)
        proto.appendField(7, bytes: graph)
        proto.appendField(8, bytes: opset)
        return proto
    }
}

/// A module that can write itself into an ONNX graph: `input` is the name of its input value;
/// it returns the name of its output. Initialisers are named `path.<parameter>`.
public protocol ONNXExportable {
    func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String
}

extension ONNXGraphBuilder {
    public func join(_ path: String, _ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    /// Applies an activation to `input`.
    public func activation(_ activation: Activation?, _ input: String, path: String) -> String {
        guard let activation else { return input }
        switch activation {
        case .relu: return node1("Relu", [input], name: join(path, "relu"))
        case .sigmoid: return node1("Sigmoid", [input], name: join(path, "sigmoid"))
        case .tanh: return node1("Tanh", [input], name: join(path, "tanh"))
        case .softmax: return node1("Softmax", [input], name: join(path, "softmax"), [.int("axis", -1)])
        case .relu6:
            return node1("Clip", [input, scalar(join(path, "relu6_min"), 0), scalar(join(path, "relu6_max"), 6)], name: join(path, "relu6"))
        case .silu:
            return node1("Mul", [input, node1("Sigmoid", [input], name: join(path, "silu_gate"))], name: join(path, "silu"))
        case .hardswish: return node1("HardSwish", [input], name: join(path, "hardswish"))
        case .gelu:  // opset 17 has no Gelu: ½x(1 + erf(x/√2))
            let scaled = node1("Mul", [input, scalar(join(path, "gelu_rsqrt2"), 0.70710678)], name: join(path, "gelu_scaled"))
            let erf = node1("Erf", [scaled], name: join(path, "gelu_erf"))
            let onePlus = node1("Add", [erf, scalar(join(path, "gelu_one"), 1)], name: join(path, "gelu_1p"))
            let half = node1("Mul", [input, scalar(join(path, "gelu_half"), 0.5)], name: join(path, "gelu_half_x"))
            return node1("Mul", [half, onePlus], name: join(path, "gelu"))
        }
    }
}
