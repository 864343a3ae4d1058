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
        if let classes { try requirePositive(classes, "--classes") }
        // The class count is the head's output size in the file, unless given: build once, then
        // resize the head to what the weights hold.
        let network = try ModelZoo.make(ModelConfiguration(name: spec.name, classes: classes ?? spec.defaultClasses, inputShape: inputShape), seed: 0)
        var classCount = classes ?? spec.defaultClasses
        if classes == nil, let head = network.head, let weight = weights[head.path + ".weight"], weight.rank == 2, weight.shape[0] != classCount {
            classCount = weight.shape[0]
            var generator = SeededGenerator(seed: 0)
            try network.replaceHead(classes: classCount, generator: &generator)
        }
        let (headReplaced, loaded) = try PretrainedWeights.load(weights, into: network, source: file)
        guard !headReplaced else { throw FoveaError.shape("\(file): the head has a different class count than --classes \(classCount)") }
        try RunDirectory.writeModel(network, configuration: ModelConfiguration(name: spec.name, classes: classCount, inputShape: inputShape), to: out)
        print("imported \(loaded) tensors from \(file) into \(spec.name) (\(classCount) classes) → \(out)")
    }
}
