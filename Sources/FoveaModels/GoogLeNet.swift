/// GoogLeNet (Inception v1) — C. Szegedy et al., "Going Deeper with Convolutions", CVPR 2015
/// (arXiv:1409.4842), as torchvision's `googlenet.py`: batch norm (ε = 0.001) after every
/// convolution, and — like torchvision — a 3×3 convolution where the paper's "5×5" branch is
/// (6,624,904 parameters without the auxiliary heads at 1000 classes). The auxiliary
/// classifiers only matter for ImageNet training from scratch and are not built.
enum GoogLeNet {
    /// torchvision's `BasicConv2d`: convolution without bias, batch norm, ReLU.
    static func basicConv(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                          _ g: inout SeededGenerator) -> Module {
        BasicConv2d(inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: padding, generator: &g)
    }

    /// One Inception module: 1×1 ‖ 1×1→3×3 ‖ 1×1→3×3 ‖ pool→1×1, concatenated.
    static func inception(_ inChannels: Int, _ c1: Int, _ c3reduce: Int, _ c3: Int, _ c5reduce: Int, _ c5: Int, _ poolProjection: Int,
                          _ g: inout SeededGenerator) -> Module {
        ConcatenatedBranches([
            ("branch1", basicConv(inChannels, c1, kernelSize: 1, &g)),
            ("branch2", Sequential([basicConv(inChannels, c3reduce, kernelSize: 1, &g), basicConv(c3reduce, c3, kernelSize: 3, padding: 1, &g)])),
            ("branch3", Sequential([basicConv(inChannels, c5reduce, kernelSize: 1, &g), basicConv(c5reduce, c5, kernelSize: 3, padding: 1, &g)])),
            ("branch4", Sequential([MaxPool2D(kernelSize: 3, stride: 1, padding: 1, ceilMode: true), basicConv(inChannels, poolProjection, kernelSize: 1, &g)])),
        ])
    }

    static func build(_ config: ModelConfiguration, _ g: inout SeededGenerator) throws -> Module {
        try requireMinimumSide(16, config)
        let layers: [(String, Module)] = [
            ("conv1", basicConv(config.inputShape[0], 64, kernelSize: 7, stride: 2, padding: 3, &g)),
            ("maxpool1", MaxPool2D(kernelSize: 3, stride: 2, ceilMode: true)),
            ("conv2", basicConv(64, 64, kernelSize: 1, &g)),
            ("conv3", basicConv(64, 192, kernelSize: 3, padding: 1, &g)),
            ("maxpool2", MaxPool2D(kernelSize: 3, stride: 2, ceilMode: true)),
            ("inception3a", inception(192, 64, 96, 128, 16, 32, 32, &g)),
            ("inception3b", inception(256, 128, 128, 192, 32, 96, 64, &g)),
            ("maxpool3", MaxPool2D(kernelSize: 3, stride: 2, ceilMode: true)),
            ("inception4a", inception(480, 192, 96, 208, 16, 48, 64, &g)),
            ("inception4b", inception(512, 160, 112, 224, 24, 64, 64, &g)),
            ("inception4c", inception(512, 128, 128, 256, 24, 64, 64, &g)),
            ("inception4d", inception(512, 112, 144, 288, 32, 64, 64, &g)),
            ("inception4e", inception(528, 256, 160, 320, 32, 128, 128, &g)),
            ("maxpool4", MaxPool2D(kernelSize: 2, stride: 2, ceilMode: true)),
            ("inception5a", inception(832, 256, 160, 320, 32, 128, 128, &g)),
            ("inception5b", inception(832, 384, 192, 384, 48, 128, 128, &g)),
            ("avgpool", GlobalAvgPool2D()),
            ("dropout", Dropout(0.2)),
            ("fc", Dense(1024, config.classes, generator: &g)),
        ]
        let model = Sequential(named: layers)
        // torchvision: normal (σ = 0.01, truncated at ±2, which never binds) for convolutions and the classifier.
        for (_, parameter) in model.namedParameters where parameter.value.rank >= 2 {
            parameter.assign(.normal(parameter.shape, std: 0.01, using: &g))
        }
        return model
    }
}

/// Convolution (no bias), batch norm with ε = 0.001, ReLU; parameters `conv.weight`, `bn.*`.
public final class BasicConv2d: Module {
    let conv: Conv2D, bn: BatchNorm2D

    init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int, padding: Int, generator g: inout SeededGenerator) {
        conv = Conv2D(inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: .explicit(padding, padding),
                      bias: false, generator: &g)
        bn = BatchNorm2D(outChannels, epsilon: 0.001)
    }

    public var children: [(name: String, module: Module)] { [("conv", conv), ("bn", bn)] }
    public var summarisedAsOneRow: Bool { true }
    public var details: String { conv.details + ", bn, relu" }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        try context.runConvolution(conv, named: "conv", normalisedBy: bn, named: "bn", activation: .relu, input)
    }
}
