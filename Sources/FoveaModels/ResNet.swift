/// ResNet — K. He, X. Zhang, S. Ren, J. Sun, "Deep Residual Learning for Image Recognition",
/// CVPR 2016 (arXiv:1512.03385).
///
/// Built from stage configs like torchvision's `resnet.py`, with its parameter names (conv1,
/// bn1, layer1.0.conv1, …, downsample.0/1, fc). Three families:
/// - ImageNet `resnet18/34` (basic blocks) and `resnet50/101/152` (bottleneck blocks, stride on
///   the 3×3 convolution — torchvision's "v1.5"): 7×7 stride-2 stem and a 3×3 max pool, stages
///   of 64/128/256/512 (×4 for bottlenecks); resnet18 has 11,689,512 parameters at 1000 classes;
/// - the CIFAR networks of §4.2 (`resnet20/32/44/56/110`, depth 6n+2): 16/32/64 channels, 3×3
///   stem, parameter-free "option A" shortcuts (subsample + zero channels);
/// - `resnet-seed`: the seed project's ResNet — 3×3 stem to 64 channels, then 2 basic blocks at
///   64/128/256 with 1×1 projection shortcuts.

/// A ResNet from a stem, stages of basic blocks, global average pooling and a linear head.
public final class ResNet: Module {
    public enum Block: Sendable { case basic, bottleneck }
    let conv1: Conv2D, bn1: BatchNorm2D
    let maxpool: MaxPool2D?
    let layers: [Sequential]
    let fc: Dense
    let headName: String

    /// `imageNetStem`: 7×7 stride-2 convolution and a 3×3 stride-2 max pool instead of one 3×3 convolution.
    public init(stemChannels: Int, inputChannels: Int, widths: [Int], blocks: [Int], classes: Int, optionA: Bool,
                headName: String, block: Block = .basic, imageNetStem: Bool = false, generator g: inout SeededGenerator) {
        conv1 = imageNetStem
            ? Conv2D(inputChannels, stemChannels, kernelSize: 7, stride: 2, padding: .explicit(3, 3), bias: false, generator: &g)
            : Conv2D(inputChannels, stemChannels, kernelSize: 3, padding: .explicit(1, 1), bias: false, generator: &g)
        bn1 = BatchNorm2D(stemChannels)
        maxpool = imageNetStem ? MaxPool2D(kernelSize: 3, stride: 2, padding: 1) : nil
        var channels = stemChannels
        var stages: [Sequential] = []
        for (index, (width, count)) in zip(widths, blocks).enumerated() {
            var stage: [Module] = []
            for b in 0..<count {
                let stride = b == 0 && index > 0 ? 2 : 1
                switch block {
                case .basic:
                    stage.append(BasicBlock(channels, width, stride: stride, optionA: optionA, generator: &g))
                    channels = width
                case .bottleneck:
                    stage.append(Bottleneck(channels, width, stride: stride, generator: &g))
                    channels = width * Bottleneck.expansion
                }
            }
            stages.append(Sequential(stage))
        }
        layers = stages
        fc = Dense(channels, classes, generator: &g)
        self.headName = headName
        // He initialisation for convolutions (fan-out, ReLU), as torchvision's ResNet does.
        WeightInitialisation.heConvolutions(self, generator: &g)
    }

    public var children: [(name: String, module: Module)] {
        [("conv1", conv1), ("bn1", bn1)] + (maxpool.map { [("maxpool", $0 as Module)] } ?? []) + layers.enumerated().map { ("layer\($0.offset + 1)", $0.element) } + [(headName, fc)]
    }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        var x = try context.runConvolution(conv1, named: "conv1", normalisedBy: bn1, named: "bn1", activation: .relu, input)
        if let maxpool { x = try context.run(maxpool, named: "maxpool", x) }
        for (i, layer) in layers.enumerated() { x = try context.run(layer, named: "layer\(i + 1)", x) }
        guard x.rank == 4 else { throw FoveaError.shape("expected feature maps before pooling, got \(describe(shape: x.shape))") }
        return try context.run(fc, named: headName, x.globalAvgPool2d())
    }

    /// CIFAR ResNet of depth 6n+2 (§4.2).
    static func cifar(depth: Int) -> @Sendable (ModelConfiguration, inout SeededGenerator) throws -> Module {
        { config, g in
            ResNet(stemChannels: 16, inputChannels: config.inputShape[0], widths: [16, 32, 64], blocks: Array(repeating: (depth - 2) / 6, count: 3),
                   classes: config.classes, optionA: true, headName: "linear", generator: &g)
        }
    }

    /// ImageNet ResNet of 18, 34, 50, 101 or 152 layers (torchvision's `resnetNN`).
    static func imageNet(depth: Int) -> @Sendable (ModelConfiguration, inout SeededGenerator) throws -> Module {
        let blocks: [Int: [Int]] = [18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3]]
        return { config, g in
            try requireMinimumSide(8, config)
            return ResNet(stemChannels: 64, inputChannels: config.inputShape[0], widths: [64, 128, 256, 512], blocks: blocks[depth]!,
                          classes: config.classes, optionA: false, headName: "fc", block: depth < 50 ? .basic : .bottleneck,
                          imageNetStem: true, generator: &g)
        }
    }

    static func seed(_ config: ModelConfiguration, _ g: inout SeededGenerator) throws -> Module {
        ResNet(stemChannels: 64, inputChannels: config.inputShape[0], widths: [64, 128, 256], blocks: [2, 2, 2],
               classes: config.classes, optionA: false, headName: "fc", generator: &g)
    }
}
