/// What a model is built from; saved as `model.json` beside the weights.
public struct ModelConfiguration: Codable, Equatable, Sendable {
    public var name: String
    public var classes: Int
    /// [C, H, W]
    public var inputShape: [Int]

    public init(name: String, classes: Int, inputShape: [Int]) {
        self.name = name; self.classes = classes; self.inputShape = inputShape
    }
}

/// One entry of the zoo: its CLI name, what it is, its native input and how to build it.
public struct ModelSpecification: Sendable {
    public let name: String
    public let summary: String
    public let defaultInput: [Int]
    public let defaultClasses: Int
    let build: @Sendable (ModelConfiguration, inout SeededGenerator) throws -> Module
}

/// The named models `fovea` knows.
public enum ModelZoo {
    public static let all: [ModelSpecification] = [
        ModelSpecification(name: "simplecnn", summary: "three blocks of two 3×3 convs (32/64/128) + max-pool, Dense 512, dropout 0.5",
                           defaultInput: [3, 32, 32], defaultClasses: 5, build: SimpleCNN.build),
        ModelSpecification(name: "lenet5", summary: "LeCun et al. 1998, ReLU and max-pool variant (61,706 parameters)",
                           defaultInput: [1, 28, 28], defaultClasses: 10, build: LeNet5.build),
        ModelSpecification(name: "keras-mnist-cnn", summary: "Keras MNIST convnet: conv 32, 64, 64 + Dense 64",
                           defaultInput: [1, 28, 28], defaultClasses: 10, build: KerasModels.mnistCNN),
        ModelSpecification(name: "keras-mnist-dense", summary: "Keras MNIST multilayer perceptron 128-64",
                           defaultInput: [1, 28, 28], defaultClasses: 10, build: KerasModels.mnistDense),
        ModelSpecification(name: "keras-cifar-cnn", summary: "Keras CIFAR-10 convnet: conv 32, 64 + Dense 128, dropout 0.5",
                           defaultInput: [3, 32, 32], defaultClasses: 10, build: KerasModels.cifarCNN),
        ModelSpecification(name: "resnet-seed", summary: "the seed's ResNet: 3×3 stem 64, 2 basic blocks at 64/128/256, projection shortcuts",
                           defaultInput: [3, 32, 32], defaultClasses: 5, build: ResNet.seed),
    ] + [20, 32, 44, 56, 110].map { depth in
        ModelSpecification(name: "resnet\(depth)", summary: "He et al. 2016 §4.2 CIFAR ResNet-\(depth), option-A shortcuts",
                           defaultInput: [3, 32, 32], defaultClasses: 10, build: ResNet.cifar(depth: depth))
    }

    public static var names: [String] { all.map(\.name) }

    public static func specification(named name: String) throws -> ModelSpecification {
        guard let spec = all.first(where: { $0.name == name.lowercased() }) else {
            throw FoveaError(.unknownName, "unknown model '\(name)'; known models: \(names.joined(separator: ", "))")
        }
        return spec
    }

    /// Builds a model with weights drawn from `seed`; the input shape and class count are checked.
    public static func make(_ config: ModelConfiguration, seed: UInt64) throws -> Module {
        let spec = try specification(named: config.name)
        guard config.classes >= 2 else {
            throw FoveaError.argument("model \(config.name): classes must be at least 2, got \(config.classes)")
        }
        guard config.inputShape.count == 3, config.inputShape.allSatisfy({ $0 > 0 }) else {
            throw FoveaError.shape("model \(config.name): input must be C,H,W with positive sizes, got \(config.inputShape.map(String.init).joined(separator: ","))")
        }
        var generator = SeededGenerator(seed: seed)
        do {
            return try spec.build(config, &generator)
        } catch let error as FoveaError {
            throw FoveaError(error.kind, "model \(config.name) cannot take input \(config.inputShape.map(String.init).joined(separator: "×")): \(error.message)")
        }
    }

    /// Output size of `features` for one input, found by running it (no gradients).
    static func flattenedSize(of features: Module, input: [Int]) throws -> Int {
        try withoutGradients { try features.forward(Tensor(zeros: [1] + input), .inference).count }
    }
}

/// A feature extractor followed by a classifier head, the shape most of the zoo shares.
public final class Classifier: Module {
    public let name: String
    public let features: Module
    public let classifier: Module

    public init(name: String, features: Module, classifier: Module) {
        self.name = name; self.features = features; self.classifier = classifier
    }

    public var children: [(name: String, module: Module)] { [("features", features), ("classifier", classifier)] }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        try context.run(classifier, named: "classifier", try context.run(features, named: "features", input))
    }
}
