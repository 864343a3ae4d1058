/// The basic residual block of He et al. 2016 (ResNet-18/34 and the CIFAR ResNets).
/// Two 3×3 convolutions with batch norm, plus the shortcut, then ReLU.
public final class BasicBlock: Module {
    public enum Shortcut { case identity, projection, zeroPadding }
    let conv1: Conv2D, bn1: BatchNorm2D, conv2: Conv2D, bn2: BatchNorm2D
    let downsample: Sequential?
    let shortcut: Shortcut
    let stride: Int, inChannels: Int, outChannels: Int

    public init(_ inChannels: Int, _ outChannels: Int, stride: Int, optionA: Bool, generator g: inout SeededGenerator) {
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
        let out = try context.runConvolution(conv1, named: "conv1", normalisedBy: bn1, named: "bn1", activation: .relu, input)
        let identity: Tensor
        switch shortcut {
        case .identity: identity = input
        case .projection: identity = try context.run(downsample!, named: "downsample", input)
        case .zeroPadding:
            let extra = outChannels - inChannels
            identity = input.subsampledWithZeroChannels(stride: stride, padBefore: extra / 2, padAfter: extra - extra / 2)
        }
        // bn2, the shortcut's sum and the final ReLU run as one fused step.
        return try context.runConvolution(conv2, named: "conv2", normalisedBy: bn2, named: "bn2", adding: identity,
                                          activation: .relu, out)
    }
}
