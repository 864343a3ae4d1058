import ArgumentParser
import Foundation
import FoveaTrain

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a run folder from PyTorch weights (safetensors with torchvision names, for a zoo --model) or an ONNX file.")

    @Argument(help: "A .safetensors or .onnx file.") var file: String
    @Option(help: "Zoo model the safetensors weights belong to (see `fovea models`).") var model: String?
    @Option(help: "Number of classes (default: read from the weights' head).") var classes: Int?
    @Option(help: "Input shape C,H,W (default: the model's native input).") var input: String?
    @Option(help: "Run folder to create.") var out: String

    func run() throws {
        if file.lowercased().hasSuffix(".onnx") {
            let imported = try ONNXModel(contentsOf: file)
            try ONNXModel.writeRun(imported, source: file, to: out)
            print("imported \(file): \(imported.nodeCount) nodes, \(imported.parameterCount.formatted) parameters, input \(imported.inputShape.map(String.init).joined(separator: "×")), \(imported.classes) classes → \(out)")
            return
        }
        guard let model else { throw FoveaError.argument("importing safetensors needs --model (the zoo model the weights belong to)") }
        let spec = try ModelZoo.specification(named: model)
        let weights = try PretrainedWeights.read(file)
        let inputShape = try input.map { try parseShape($0, option: "--input") } ?? spec.defaultInput
        let build = { (classes: Int) in try ModelZoo.make(ModelConfiguration(name: spec.name, classes: classes, inputShape: inputShape), seed: 0) }
        // The class count is the head's output size in the file, unless given.
        var classCount = classes ?? spec.defaultClasses
        if classes == nil, let head = try build(2).head, let weight = weights[head.path + ".weight"] { classCount = weight.shape[0] }
        let network = try build(classCount)
        let (headReplaced, loaded) = try PretrainedWeights.load(weights, into: network, source: file)
        guard !headReplaced else { throw FoveaError.shape("\(file): the head has a different class count than --classes \(classCount)") }
        try RunDirectory.writeModel(network, configuration: ModelConfiguration(name: spec.name, classes: classCount, inputShape: inputShape), to: out)
        print("imported \(loaded) tensors from \(file) into \(spec.name) (\(classCount) classes) → \(out)")
    }
}
