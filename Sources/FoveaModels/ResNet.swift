/// ResNet — K. He, X. Zhang, S. Ren, J. Sun, "Deep Residual Learning for Image Recognition",
/// CVPR 2016 (arXiv:1512.03385).
///
/// Built from stage configs like torchvision's `resnet.py`, with its parameter names (conv1,
/// bn1, layer1.0.conv1, …, downsample.0/1, fc). Two families so far:
/// - the CIFAR networks of §4.2 (`resnet20/32/44/56/110`, depth 6n+2): 16/32/64 channels, 3×3
///   stem, parameter-free "option A" shortcuts (subsample + zero channels);
/// - `resnet-seed`: the seed project's ResNet — 3×3 stem to 64 channels, then 2 basic blocks at
///   64/128/256 with 1×1 projection shortcuts.

/// Two 3×3 convolutions with batch norm, plus the shortcut, then ReLU.
public final class BasicBlock: Module {
    public enum Shortcut { case identity, projection, zeroPadding }
    let conv1: Conv2D, bn1: BatchNorm2D, conv2: Conv2D, bn2: BatchNorm2D
    let downsample: Sequential?
    let shortcut: Shortcut
    let stride: Int, inChannels: Int, outChannels: Int

    init(_ inChannels: Int, _ outChannels: Int, stride: Int, optionA: Bool, generator g: inout SeededGenerator) {
        self.stride = stride; self.inChannels = inChannels; self.outChannels = outChannels
        conv1 = Conv2D(inChannels, outChannels, kernelSize: 3, stride: stride, padding: .explicit(1, 1), bias: false, generator: &g)
        bn1 = BatchNorm2D(outChannels)
        conv2 = Conv2D(outChannels, outChannels, kernelSize: 3, padding: .explicit(1, 1), bias: false, generator: &g)
        bn2 = BatchNorm2D(outChannels)
        if stride == 1 && inChannels == outChannels {
            shortcut = .identity; downsample = nil
        } else if optionA {
            shortcut = .zeroPadding; downsample = nil
        } else {
            shortcut = .projection
            downsample = Sequential([Conv2D(inChannels, outChannels, kernelSize: 1, stride: stride, bias: false, generator: &g),
                                     BatchNorm2D(outChannels)])
        }
    }

    public var children: [(name: String, module: Module)] {
        [("conv1", conv1), ("bn1", bn1), ("conv2", conv2), ("bn2", bn2)] + (downsample.map { [("downsample", $0)] } ?? [])
    }
    public var summarisedAsOneRow: Bool { true }
    public var details: String { "\(inChannels)→\(outChannels), stride \(stride)" }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        var out = try context.run(conv1, named: "conv1", input)
        out = try context.run(bn1, named: "bn1", out).relu()
        out = try context.run(bn2, named: "bn2", try context.run(conv2, named: "conv2", out))
        let identity: Tensor
        switch shortcut {
        case .identity: identity = input
        case .projection: identity = try context.run(downsample!, named: "downsample", input)
        case .zeroPadding:
            let extra = outChannels - inChannels
            identity = input.subsampledWithZeroChannels(stride: stride, padBefore: extra / 2, padAfter: extra - extra / 2)
        }
        return (out + identity).relu()
    }
}

/// A ResNet from a stem, stages of basic blocks, global average pooling and a linear head.
public final class ResNet: Module {
    let conv1: Conv2D, bn1: BatchNorm2D
    let layers: [Sequential]
    let fc: Dense
    let headName: String

    public init(stemChannels: Int, inputChannels: Int, widths: [Int], blocks: [Int], classes: Int, optionA: Bool,
         headName: String, generator g: inout SeededGenerator) {
        conv1 = Conv2D(inputChannels, stemChannels, kernelSize: 3, padding: .explicit(1, 1), bias: false, generator: &g)
        bn1 = BatchNorm2D(stemChannels)
        var channels = stemChannels
        var stages: [Sequential] = []
        for (index, (width, count)) in zip(widths, blocks).enumerated() {
            var stage: [Module] = []
            for b in 0..<count {
                stage.append(BasicBlock(channels, width, stride: b == 0 && index > 0 ? 2 : 1, optionA: optionA, generator: &g))
                channels = width
            }
            stages.append(Sequential(stage))
        }
        layers = stages
        fc = Dense(channels, classes, generator: &g)
        self.headName = headName
        // He initialisation for convolutions (fan-out, ReLU), as torchvision's ResNet does.
        for module in [conv1 as Module] + stages.flatMap { $0.layers.map(\.module) } {
            for (name, parameter) in module.namedParameters where name.hasSuffix("weight") && parameter.value.rank == 4 {
                let s = parameter.shape
                parameter.assign(.kaimingNormal(s, fanIn: s[0] * s[2] * s[3], using: &g))
            }
        }
    }

    public var children: [(name: String, module: Module)] {
        [("conv1", conv1), ("bn1", bn1)] + layers.enumerated().map { ("layer\($0.offset + 1)", $0.element) } + [(headName, fc)]
    }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        var x = try context.run(bn1, named: "bn1", try context.run(conv1, named: "conv1", input)).relu()
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

    static func seed(_ config: ModelConfiguration, _ g: inout SeededGenerator) throws -> Module {
        ResNet(stemChannels: 64, inputChannels: config.inputShape[0], widths: [64, 128, 256], blocks: [2, 2, 2],
               classes: config.classes, optionA: false, headName: "fc", generator: &g)
    }
}
