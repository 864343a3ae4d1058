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
                           defaultInput: [3, 32, 32], defaultClasses: 5, build: { try SimpleCNN.build($0, &$1) }),
        ModelSpecification(name: "lenet5", summary: "LeCun et al. 1998, ReLU and max-pool variant (61,706 parameters)",
                           defaultInput: [1, 28, 28], defaultClasses: 10, build: { try LeNet5.build($0, &$1) }),
        ModelSpecification(name: "keras-mnist-cnn", summary: "Keras MNIST convnet: conv 32, 64, 64 + Dense 64",
                           defaultInput: [1, 28, 28], defaultClasses: 10, build: { try KerasModels.mnistCNN($0, &$1) }),
        ModelSpecification(name: "keras-mnist-dense", summary: "Keras MNIST multilayer perceptron 128-64",
                           defaultInput: [1, 28, 28], defaultClasses: 10, build: { try KerasModels.mnistDense($0, &$1) }),
        ModelSpecification(name: "keras-cifar-cnn", summary: "Keras CIFAR-10 convnet: conv 32, 64 + Dense 128, dropout 0.5",
                           defaultInput: [3, 32, 32], defaultClasses: 10, build: { try KerasModels.cifarCNN($0, &$1) }),
        ModelSpecification(name: "resnet-seed", summary: "the seed's ResNet: 3×3 stem 64, 2 basic blocks at 64/128/256, projection shortcuts",
                           defaultInput: [3, 32, 32], defaultClasses: 5, build: { try ResNet.seed($0, &$1) }),
    ] + [20, 32, 44, 56, 110].map { depth in
        ModelSpecification(name: "resnet\(depth)", summary: "He et al. 2016 §4.2 CIFAR ResNet-\(depth), option-A shortcuts",
                           defaultInput: [3, 32, 32], defaultClasses: 10, build: ResNet.cifar(depth: depth))
    } + imageNetModels

    static let imageNet = [3, 224, 224]

    /// The torchvision families, at their native ImageNet input and 1000 classes by default.
    static let imageNetModels: [ModelSpecification] = [
        ModelSpecification(name: "alexnet", summary: "Krizhevsky et al. 2012, torchvision's single-tower AlexNet",
                           defaultInput: imageNet, defaultClasses: 1000, build: { try AlexNet.build($0, &$1) }),
    ] + [11, 13, 16, 19].flatMap { depth in
        [false, true].map { bn in
            ModelSpecification(name: "vgg\(depth)" + (bn ? "_bn" : ""), summary: "Simonyan & Zisserman 2015, VGG-\(depth)" + (bn ? " with batch norm" : ""),
                               defaultInput: imageNet, defaultClasses: 1000, build: VGG.make(depth: depth, batchNorm: bn))
        }
    } + [
        ModelSpecification(name: "googlenet", summary: "Szegedy et al. 2015, Inception v1 with batch norm (no auxiliary heads)",
                           defaultInput: imageNet, defaultClasses: 1000, build: { try GoogLeNet.build($0, &$1) }),
    ] + [18, 34, 50, 101, 152].map { depth in
        ModelSpecification(name: "resnet\(depth)", summary: "He et al. 2016, ImageNet ResNet-\(depth) (\(depth < 50 ? "basic" : "bottleneck") blocks)",
                           defaultInput: imageNet, defaultClasses: 1000, build: ResNet.imageNet(depth: depth))
    } + [(121, [6, 12, 24, 16]), (169, [6, 12, 32, 32]), (201, [6, 12, 48, 32])].map { depth, blocks in
        ModelSpecification(name: "densenet\(depth)", summary: "Huang et al. 2017, DenseNet-\(depth) (k = 32)",
                           defaultInput: imageNet, defaultClasses: 1000, build: DenseNet.make(blocks: blocks))
    } + [
        ModelSpecification(name: "densenet_bc_100", summary: "Huang et al. 2017, CIFAR DenseNet-BC (L = 100, k = 12)",
                           defaultInput: [3, 32, 32], defaultClasses: 10,
                           build: DenseNet.make(blocks: [16, 16, 16], growth: 12, stemChannels: 24, cifarStem: true)),
    ] + [(1.0, ""), (0.75, "_0.75"), (0.5, "_0.5"), (0.35, "_0.35")].map { width, suffix in
        ModelSpecification(name: "mobilenet_v2" + suffix, summary: "Sandler et al. 2018, MobileNetV2, width ×\(width)",
                           defaultInput: imageNet, defaultClasses: 1000, build: MobileNetV2.make(width: width))
    } + EfficientNet.variants.enumerated().map { index, scaling in
        ModelSpecification(name: "efficientnet_b\(index)", summary: "Tan & Le 2019, EfficientNet-B\(index) (width ×\(scaling.width), depth ×\(scaling.depth))",
                           defaultInput: [3, scaling.resolution, scaling.resolution], defaultClasses: 1000, build: EfficientNet.make(scaling))
    } + [
        ("vit_ti_16", VisionTransformer.Size(patch: 16, hidden: 192, depth: 12, heads: 3, mlp: 768), imageNet, 1000),
        ("vit_s_16", VisionTransformer.Size(patch: 16, hidden: 384, depth: 12, heads: 6, mlp: 1536), imageNet, 1000),
        ("vit_b_16", VisionTransformer.Size(patch: 16, hidden: 768, depth: 12, heads: 12, mlp: 3072), imageNet, 1000),
        ("vit_p4_32", VisionTransformer.Size(patch: 4, hidden: 192, depth: 6, heads: 3, mlp: 384), [3, 32, 32], 10),
    ].map { name, size, input, classes in
        ModelSpecification(name: name, summary: "Dosovitskiy et al. 2021, ViT: patch \(size.patch), width \(size.hidden), \(size.depth) blocks, \(size.heads) heads",
                           defaultInput: input, defaultClasses: classes, build: VisionTransformer.make(size))
    }

    public static var names: [String] { all.map(\.name) }

    /// Names compare without case, and "-" matches "_" (`mobilenet-v2` is `mobilenet_v2`).
    static func canonical(_ name: String) -> String { name.lowercased().replacingOccurrences(of: "-", with: "_") }

    public static func specification(named name: String) throws -> ModelSpecification {
        if let spec = all.first(where: { canonical($0.name) == canonical(name) }) { return spec }
        let prefix = "efficientnet_phi"
        if canonical(name).hasPrefix(prefix), let phi = Double(canonical(name).dropFirst(prefix.count)), phi >= 0, phi <= 8 {
            let scaling = EfficientNet.compound(phi: phi)
            return ModelSpecification(name: canonical(name), summary: "EfficientNet-B0 compound-scaled by φ = \(phi)",
                                      defaultInput: [3, scaling.resolution, scaling.resolution], defaultClasses: 1000,
                                      build: EfficientNet.make(scaling))
        }
        throw FoveaError(.unknownName, "unknown model '\(name)'; known models: \(names.joined(separator: ", ")), efficientnet_phiΦ (0 ≤ Φ ≤ 8)")
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
