/// Building blocks and initialisers the torchvision-style models share.

/// Convolution, batch norm and an optional activation as one `Sequential` named "0", "1", "2" —
/// torchvision's `Conv2dNormActivation`, so its weights load one to one. Padding keeps the size
/// at stride 1 ((k − 1)/2 · dilation).
func convNormActivation(_ inChannels: Int, _ outChannels: Int, kernelSize: Int = 3, stride: Int = 1, groups: Int = 1,
                        activation: Activation? = .relu, epsilon: Float = 1e-5, momentum: Float = 0.1,
                        generator g: inout SeededGenerator) -> Sequential {
    let pad = (kernelSize - 1) / 2
    var layers: [(String, Module)] = [
        ("0", Conv2D(inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: .explicit(pad, pad),
                     groups: groups, bias: false, generator: &g)),
        ("1", BatchNorm2D(outChannels, momentum: momentum, epsilon: epsilon)),
    ]
    if let activation { layers.append(("2", ActivationLayer(activation))) }
    return Sequential(named: layers)
}

/// The initialisation schemes torchvision's model constructors apply after building.
enum WeightInitialisation {
    /// Kaiming-normal convolution weights (He et al. 2015) with fan-out (`mode="fan_out"`) or fan-in; zero biases.
    static func heConvolutions(_ model: Module, fanOut: Bool = true, generator g: inout SeededGenerator) {
        let named = model.namedParameters
        let byName = Dictionary(named.map { ($0.name, $0.parameter) }, uniquingKeysWith: { a, _ in a })
        for (name, parameter) in named where parameter.value.rank >= 3 {
            let s = parameter.shape, receptive = s.dropFirst(2).reduce(1, *)
            parameter.assign(.kaimingNormal(s, fanIn: fanOut ? s[0] * receptive : s[1] * receptive, using: &g))
            zeroBias(of: name, in: byName)
        }
    }

    /// Normal(0, std) linear weights and zero biases (VGG, MobileNetV2).
    static func normalLinear(_ model: Module, std: Float, generator g: inout SeededGenerator) {
        let named = model.namedParameters
        let byName = Dictionary(named.map { ($0.name, $0.parameter) }, uniquingKeysWith: { a, _ in a })
        for (name, parameter) in named where parameter.value.rank == 2 {
            parameter.assign(.normal(parameter.shape, std: std, using: &g))
            zeroBias(of: name, in: byName)
        }
    }

    /// The bias beside a weight ("fc.weight" → "fc.bias"), set to zero if there is one.
    static func zeroBias(of weightName: String, in parameters: [String: Parameter]) {
        guard weightName.hasSuffix("weight"), let bias = parameters[weightName.dropLast("weight".count) + "bias"] else { return }
        bias.assign(Tensor(zeros: bias.shape))
    }
}

/// Features, adaptive average pooling to a fixed grid, flatten, then the classifier —
/// torchvision's AlexNet/VGG/MobileNet/EfficientNet/DenseNet layout (`features`, `avgpool`, `classifier`).
public final class PooledClassifier: Module {
    public let features: Module, classifier: Module
    let avgpool: AdaptiveAvgPool2D
    let headName: String

    init(features: Module, pooledSize: (Int, Int), classifier: Module, headName: String = "classifier") {
        self.features = features; self.classifier = classifier
        avgpool = AdaptiveAvgPool2D(outputSize: pooledSize)
        self.headName = headName
    }

    public var children: [(name: String, module: Module)] {
        [("features", features), ("avgpool", avgpool), (headName, classifier)]
    }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        let x = try context.run(avgpool, named: "avgpool", try context.run(features, named: "features", input))
        return try context.run(classifier, named: headName, x.flattened())
    }
}

/// Throws unless the input is at least `side` pixels high and wide (what the model's strides need).
func requireMinimumSide(_ side: Int, _ config: ModelConfiguration) throws {
    guard config.inputShape[1] >= side, config.inputShape[2] >= side else {
        throw FoveaError.shape("needs inputs of at least \(side)×\(side) pixels")
    }
}
