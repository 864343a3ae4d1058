/// DenseNet — G. Huang, Z. Liu, L. van der Maaten, K. Weinberger, "Densely Connected
/// Convolutional Networks", CVPR 2017 (arXiv:1608.06993).
///
/// - `densenet121/169/201`: torchvision's ImageNet networks (growth 32, bottleneck width 4·k,
///   compression 0.5, 7×7 stem + max pool; densenet121 has 7,978,856 parameters at 1000
///   classes). Below 32×32 the stem's max pool is skipped so the last transition still has a
///   2×2 map to pool.
/// - `densenet_bc_100`: the paper's CIFAR DenseNet-BC (L = 100, k = 12): a 3×3 stem of 2k
///   channels, three dense blocks of 16 layers, no stem pooling.
/// Names follow torchvision (features.denseblock1.denselayer1.norm1, features.transition1.conv, …).
public final class DenseLayer: Module {
    let norm1: BatchNorm2D, conv1: Conv2D, norm2: BatchNorm2D, conv2: Conv2D
    let inChannels: Int, growth: Int

    init(_ inChannels: Int, growth: Int, bottleneckWidth: Int, generator g: inout SeededGenerator) {
        self.inChannels = inChannels; self.growth = growth
        norm1 = BatchNorm2D(inChannels)
        conv1 = Conv2D(inChannels, bottleneckWidth * growth, kernelSize: 1, bias: false, generator: &g)
        norm2 = BatchNorm2D(bottleneckWidth * growth)
        conv2 = Conv2D(bottleneckWidth * growth, growth, kernelSize: 3, padding: .explicit(1, 1), bias: false, generator: &g)
    }

    public var children: [(name: String, module: Module)] { [("norm1", norm1), ("conv1", conv1), ("norm2", norm2), ("conv2", conv2)] }
    public var summarisedAsOneRow: Bool { true }
    public var details: String { "\(inChannels) → +\(growth)" }

    /// BN-ReLU-1×1-BN-ReLU-3×3 on everything before it; returns only the `growth` new channels.
    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        var x = try context.runNormalisation(norm1, named: "norm1", activation: .relu, input)
        x = try context.runConvolution(conv1, named: "conv1", normalisedBy: norm2, named: "norm2", activation: .relu, x)
        return try context.run(conv2, named: "conv2", x)
    }
}

/// Each layer sees the concatenation of the block input and every earlier layer's output.
public final class DenseBlock: Module {
    let layers: [DenseLayer]

    init(layers count: Int, inChannels: Int, growth: Int, bottleneckWidth: Int, generator g: inout SeededGenerator) {
        layers = (0..<count).map { DenseLayer(inChannels + $0 * growth, growth: growth, bottleneckWidth: bottleneckWidth, generator: &g) }
    }

    public var children: [(name: String, module: Module)] { layers.enumerated().map { ("denselayer\($0.offset + 1)", $0.element) } }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        var features = input
        for (index, layer) in layers.enumerated() {
            let new = try context.run(layer, named: "denselayer\(index + 1)", features)
            features = Tensor.concatenate([features, new], axis: 1)
        }
        return features
    }
}

enum DenseNet {
    /// BN, ReLU, 1×1 convolution, 2×2 average pool: halves the map and compresses the channels.
    static func transition(_ inChannels: Int, _ outChannels: Int, _ g: inout SeededGenerator) -> Module {
        Sequential(named: [("norm", BatchNorm2D(inChannels)), ("relu", ReLU()),
                           ("conv", Conv2D(inChannels, outChannels, kernelSize: 1, bias: false, generator: &g)),
                           ("pool", AvgPool2D(kernelSize: 2, stride: 2))])
    }

    static func make(blocks: [Int], growth: Int = 32, stemChannels: Int = 64, cifarStem: Bool = false)
        -> @Sendable (ModelConfiguration, inout SeededGenerator) throws -> Module {
        { config, g in
            try requireMinimumSide(cifarStem ? 1 << (blocks.count - 1) : 16, config)
            var layers: [(String, Module)]
            if cifarStem {
                layers = [("conv0", Conv2D(config.inputShape[0], stemChannels, kernelSize: 3, padding: .explicit(1, 1), bias: false, generator: &g))]
            } else {
                layers = [("conv0", Conv2D(config.inputShape[0], stemChannels, kernelSize: 7, stride: 2, padding: .explicit(3, 3), bias: false, generator: &g)),
                          ("norm0", BatchNorm2D(stemChannels)), ("relu0", ReLU())]
                if min(config.inputShape[1], config.inputShape[2]) >= 32 {
                    layers.append(("pool0", MaxPool2D(kernelSize: 3, stride: 2, padding: 1)))
                }
            }
            var channels = stemChannels
            for (index, count) in blocks.enumerated() {
                layers.append(("denseblock\(index + 1)", DenseBlock(layers: count, inChannels: channels, growth: growth, bottleneckWidth: 4, generator: &g)))
                channels += count * growth
                if index < blocks.count - 1 {
                    layers.append(("transition\(index + 1)", transition(channels, channels / 2, &g)))
                    channels /= 2
                }
            }
            layers.append(("norm5", BatchNorm2D(channels)))  // torchvision names it norm5 whatever the block count
            layers.append(("relu5", ReLU()))  // torchvision applies it after `features`; it has no parameters
            let model = PooledClassifier(features: Sequential(named: layers), pooledSize: (1, 1),
                                         classifier: Dense(channels, config.classes, generator: &g))
            WeightInitialisation.heConvolutions(model, fanOut: false, generator: &g)
            if let bias = model.namedParameters.first(where: { $0.name == "classifier.bias" })?.parameter {
                bias.assign(Tensor(zeros: bias.shape))
            }
            return model
        }
    }
}
