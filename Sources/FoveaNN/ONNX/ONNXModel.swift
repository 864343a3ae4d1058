import Foundation

/// An ONNX file run by Fovea's own ops: the graph is parsed with Fovea's protobuf reader (nothing
/// is executed), float initialisers become named parameters (so an imported model can be
/// evaluated, fine-tuned and saved), and each node maps to a differentiable Fovea op. Files from
/// `torch.onnx.export` (legacy exporter, opset 11–17) and from Fovea's own exporter load; any
/// other op is an error naming it and its node.
public final class ONNXModel: Module {
    struct Node {
        let op: String, name: String, inputs: [String], outputs: [String]
        let ints: [String: [Int]], floats: [String: Float], tensors: [String: Tensor], strings: [String: String]
        func int(_ key: String, _ fallback: Int) -> Int { ints[key]?.first ?? fallback }
    }

    public static let supportedOps: Set<String> = [
        "Conv", "Relu", "Clip", "MaxPool", "AveragePool", "GlobalAveragePool", "Add", "Sub", "Mul", "Div", "Sigmoid", "Tanh",
        "Erf", "HardSwish", "Flatten", "Gemm", "MatMul", "BatchNormalization", "LayerNormalization", "Concat", "Reshape",
        "Transpose", "Softmax", "Identity", "Dropout", "Constant", "Shape", "Gather", "Unsqueeze", "Squeeze", "Slice",
        "Expand", "Pad",
    ]

    let nodes: [Node]
    let parameters_: [(name: String, parameter: Parameter)]
    let constants: [String: Tensor]
    public let inputName: String, outputName: String
    /// [C, H, W] of one input image (the batch dimension is free).
    public let inputShape: [Int]
    public let classes: Int
    public var nodeCount: Int { nodes.count }

    public convenience init(contentsOf path: String) throws {
        try self.init(data: try readFile(path), source: path)
    }

    public init(data: Data, source: String) throws {
        let model = try ProtobufMessage(data, source: source)
        guard let graph = try model.message(7, source: source) else { throw FoveaError.format("\(source): no graph in this ONNX file") }
        var parameters: [(String, Parameter)] = [], constants: [String: Tensor] = [:]
        for proto in try graph.messages(5, source: source) {
            let (name, tensor, isFloat) = try Self.tensor(proto, source: source)
            if isFloat { parameters.append((name, Parameter(tensor))) } else { constants[name] = tensor }
        }
        let initialised = Set(parameters.map(\.0)).union(constants.keys)
        var nodes: [Node] = []
        for proto in try graph.messages(1, source: source) {
            var ints: [String: [Int]] = [:], floats: [String: Float] = [:], tensors: [String: Tensor] = [:], strings: [String: String] = [:]
            for attribute in try proto.messages(5, source: source) {
                guard let key = attribute.string(1) else { continue }
                switch attribute.integer(20) ?? 0 {
                case 1: floats[key] = attribute.float(2)
                case 2: ints[key] = attribute.integer(3).map { [$0] }
                case 7: ints[key] = attribute.integers(8)
                case 6: floats[key] = attribute.floats(7).first
                case 3: strings[key] = attribute.string(4)
                case 4: if let t = try attribute.message(5, source: source) { tensors[key] = try Self.tensor(t, source: source).1 }
                default: break
                }
            }
            let node = Node(op: proto.string(4) ?? "", name: proto.string(3) ?? "", inputs: proto.strings(1), outputs: proto.strings(2),
                            ints: ints, floats: floats, tensors: tensors, strings: strings)
            guard Self.supportedOps.contains(node.op), (proto.string(7) ?? "").isEmpty || proto.string(7) == "ai.onnx" else {
                throw FoveaError.format("\(source): unsupported ONNX op '\(node.op)' (node '\(node.name)'); Fovea runs \(Self.supportedOps.sorted().joined(separator: ", "))")
            }
            nodes.append(node)
        }
        guard let input = try graph.messages(11, source: source).first(where: { !initialised.contains($0.string(1) ?? "") }),
              let inputName = input.string(1), !inputName.isEmpty,
              let output = try graph.message(12, source: source), let outputName = output.string(1), !outputName.isEmpty else {
            throw FoveaError.format("\(source): the graph needs one image input and one output")
        }
        func dims(_ info: ProtobufMessage) throws -> [Int] {
            guard let type = try info.message(2, source: source), let tensorType = try type.message(1, source: source),
                  let shape = try tensorType.message(2, source: source) else { return [] }
            return try shape.messages(1, source: source).map { $0.integer(1) ?? -1 }
        }
        let shape = try dims(input)
        guard shape.count >= 3 else { throw FoveaError.format("\(source): the input must be [N, C, …], got \(shape)") }
        self.nodes = nodes
        self.parameters_ = parameters
        self.constants = constants
        self.inputName = inputName
        self.outputName = outputName
        inputShape = Array(shape.dropFirst())
        classes = try dims(output).last ?? 0
    }

    /// (name, values, is float). Float and int64/int32 data, raw or typed.
    static func tensor(_ proto: ProtobufMessage, source: String) throws -> (String, Tensor, Bool) {
        let dims = proto.integers(1), type = proto.integer(2) ?? 1, name = proto.string(8) ?? ""
        let count = dims.reduce(1, *)
        var values: [Float]
        let raw = proto.bytes(9).last
        switch type {
        case 1:
            values = raw.map { data in
                let count = data.count / 4
                var floats = [Float](repeating: 0, count: count)
                floats.withUnsafeMutableBytes { target in _ = data.copyBytes(to: target.bindMemory(to: UInt8.self), count: count * 4) }
                return floats
            } ?? proto.floats(4)
        case 7, 6:
            let size = type == 7 ? 8 : 4
            values = raw.map { data in stride(from: 0, to: data.count, by: size).map { i in
                let bits = data[data.startIndex + i..<data.startIndex + i + size].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
                return Float(size == 8 ? Int64(bitPattern: bits) : Int64(Int32(truncatingIfNeeded: bits)))
            } } ?? proto.integers(type == 7 ? 7 : 5).map(Float.init)
        default:
            throw FoveaError.format("\(source): tensor '\(name)' has ONNX data type \(type); Fovea reads float32, int32 and int64")
        }
        guard values.count == count else { throw FoveaError.format("\(source): tensor '\(name)' has \(values.count) values for shape \(dims)") }
        return (name, try Tensor(values, shape: dims), type == 1)
    }

    public var ownParameters: [(name: String, parameter: Parameter)] { parameters_ }
    public var typeName: String { "ONNXModel" }
    public var details: String { "\(nodes.count) nodes" }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        guard Array(input.shape.dropFirst()).count == inputShape.count,
              zip(input.shape.dropFirst(), inputShape).allSatisfy({ $1 <= 0 || $0 == $1 }) else {
            throw FoveaError.shape("expects input [N, \(inputShape.map(String.init).joined(separator: ", "))], got \(describe(shape: input.shape))")
        }
        var values = constants
        for (name, parameter) in parameters_ { values[name] = parameter.value }
        values[inputName] = input
        for node in nodes {
            let inputs = try node.inputs.map { name -> Tensor? in
                if name.isEmpty { return nil }
                guard let value = values[name] else { throw FoveaError.format("ONNX node '\(node.name)' (\(node.op)) reads '\(name)', which nothing produced") }
                return value
            }
            let outputs = try ONNXOps.run(node, inputs)
            for (name, value) in zip(node.outputs, outputs) { values[name] = value }
        }
        guard let output = values[outputName] else { throw FoveaError.format("the graph never produced its output '\(outputName)'") }
        return output
    }

    /// A run folder for an imported model: the ONNX file itself, its weights by initialiser name
    /// and a `model.json` naming it "onnx", so `fovea evaluate/predict/finetune` can use it.
    public static func writeRun(_ model: ONNXModel, source: String, to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try writeAtomically(try readFile(source), to: folder + "/model.onnx")
        try Safetensors.write(model.stateDict(), to: folder + "/model.safetensors")
        let description = "{\"classes\":\(model.classes),\"inputShape\":[\(model.inputShape.map(String.init).joined(separator: ","))],\"name\":\"onnx\"}"
        try writeAtomically(Data(description.utf8), to: folder + "/model.json")
    }
}
