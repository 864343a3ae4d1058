/// The bottleneck residual block of He et al. 2016 (ResNet-50/101/152): 1×1 reduce, 3×3 (with
/// the stride, torchvision's "v1.5"), 1×1 expand ×4, each with batch norm; projection shortcut
/// when the shape changes.
public final class Bottleneck: Module {
    static let expansion = 4
    let conv1: Conv2D, bn1: BatchNorm2D, conv2: Conv2D, bn2: BatchNorm2D, conv3: Conv2D, bn3: BatchNorm2D
    let downsample: Sequential?
    let stride: Int, inChannels: Int, width: Int

    public init(_ inChannels: Int, _ width: Int, stride: Int, generator g: inout SeededGenerator) {
        self.inChannels = inChannels; self.width = width; self.stride = stride
        let out = width * Self.expansion
        conv1 = Conv2D(inChannels, width, kernelSize: 1, bias: false, generator: &g)
        bn1 = BatchNorm2D(width)
        conv2 = Conv2D(width, width, kernelSize: 3, stride: stride, padding: .explicit(1, 1), bias: false, generator: &g)
        bn2 = BatchNorm2D(width)
        conv3 = Conv2D(width, out, kernelSize: 1, bias: false, generator: &g)
        bn3 = BatchNorm2D(out)
        downsample = stride != 1 || inChannels != out
            ? Sequential([Conv2D(inChannels, out, kernelSize: 1, stride: stride, bias: false, generator: &g), BatchNorm2D(out)])
            : nil
    }

    public var children: [(name: String, module: Module)] {
        [("conv1", conv1), ("bn1", bn1), ("conv2", conv2), ("bn2", bn2), ("conv3", conv3), ("bn3", bn3)]
            + (downsample.map { [("downsample", $0)] } ?? [])
    }
    public var summarisedAsOneRow: Bool { true }
    public var details: String { "\(inChannels)→\(width)→\(width * Self.expansion), stride \(stride)" }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        var out = try context.runConvolution(conv1, named: "conv1", normalisedBy: bn1, named: "bn1", activation: .relu, input)
        out = try context.runConvolution(conv2, named: "conv2", normalisedBy: bn2, named: "bn2", activation: .relu, out)
        let identity = try downsample.map { try context.run($0, named: "downsample", input) } ?? input
        // bn3, the shortcut's sum and the final ReLU run as one fused step.
        return try context.runConvolution(conv3, named: "conv3", normalisedBy: bn3, named: "bn3", adding: identity,
                                          activation: .relu, out)
    }
}
