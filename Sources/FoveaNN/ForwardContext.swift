/// What a forward pass needs besides its input: the phase (training or inference) and, in
/// training, the random source for dropout. Passed explicitly, never global.
public final class ForwardContext {
    public let isTraining: Bool
    public let random: RandomSource
    /// Collects (layer path, layer, output) during a forward pass when set; used by `summary`.
    var recorder: ((String, Module, Tensor) -> Void)?
    /// Sees every module run, with its input and output; used to count multiply-accumulates.
    public internal(set) var costRecorder: ((Module, Tensor, Tensor) -> Void)?
    var path: [String] = []
    /// Inside a module summarised as one row, its own layers are not recorded.
    var insideSummarisedBlock = 0

    public init(training: Bool, random: RandomSource = RandomSource(seed: 0)) {
        isTraining = training
        self.random = random
    }

    public static func training(_ random: RandomSource) -> ForwardContext { ForwardContext(training: true, random: random) }
    public static var inference: ForwardContext { ForwardContext(training: false) }

    /// Runs a child module under `name`, recording it and naming it in any error it throws.
    public func run(_ child: Module, named name: String, _ input: Tensor) throws -> Tensor {
        try scoped(child, named: name, input) { try child.forward(input, self) }
    }

    /// Whether anything watches the layers one by one (summary, FLOP counting, ONNX tracing,
    /// feature extraction): then layers run one by one, unfused.
    var observesLayers: Bool { recorder != nil || costRecorder != nil }

    /// Runs `body` as `child`'s forward under `name`: the path, error naming and recording of `run`.
    func scoped(_ child: Module, named name: String, _ input: Tensor, _ body: () throws -> Tensor) throws -> Tensor {
        path.append(name)
        defer { path.removeLast() }
        let output: Tensor
        let block = child.summarisedAsOneRow
        if block { insideSummarisedBlock += 1 }
        defer { if block { insideSummarisedBlock -= 1 } }
        do {
            output = try body()
        } catch let error as FoveaError where !error.message.hasPrefix("layer '") {
            throw FoveaError(error.kind, "layer '\(path.joined(separator: "."))' (\(child.typeName)): \(error.message)")
        }
        costRecorder?(child, input, output)
        if let recorder, insideSummarisedBlock == (block ? 1 : 0), child.children.isEmpty || block {
            recorder(path.joined(separator: "."), child, output)
        }
        return output
    }
}
