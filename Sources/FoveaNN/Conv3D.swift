/// 3-D convolution over [N, C, D, H, W] (volumes, video clips), weight [out, in/groups, kd, kh, kw]
/// as PyTorch's `nn.Conv3d`; padding is per axis and symmetric.
public final class Conv3D: Module {
    public let inChannels: Int, outChannels: Int, groups: Int
    public let kernelSize: [Int], stride: [Int], padding: [Int], dilation: [Int]
    public let weight: Parameter
    public let bias: Parameter?

    /// PyTorch's default initialisation: weight and bias ~ U(−1/√fanIn, 1/√fanIn).
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: [Int], stride: [Int] = [1, 1, 1],
                padding: [Int] = [0, 0, 0], dilation: [Int] = [1, 1, 1], groups: Int = 1, bias: Bool = true,
                generator: inout SeededGenerator) {
        precondition(inChannels > 0 && outChannels > 0 && groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv3D(\(inChannels)→\(outChannels), groups \(groups)): channels must be positive multiples of groups")
        precondition([kernelSize, stride, padding, dilation].allSatisfy { $0.count == 3 }, "Conv3D: sizes need three axes (D, H, W)")
        self.inChannels = inChannels; self.outChannels = outChannels; self.groups = groups
        self.kernelSize = kernelSize; self.stride = stride; self.padding = padding; self.dilation = dilation
        let fanIn = inChannels / groups * kernelSize.reduce(1, *)
        let bound = 1 / Float(fanIn).squareRoot()
        weight = Parameter(.uniform([outChannels, inChannels / groups] + kernelSize, low: -bound, high: bound, using: &generator))
        self.bias = bias ? Parameter(.uniform([outChannels], low: -bound, high: bound, using: &generator)) : nil
    }

    public convenience init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                            bias: Bool = true, generator: inout SeededGenerator) {
        self.init(inChannels, outChannels, kernelSize: [kernelSize, kernelSize, kernelSize], stride: [stride, stride, stride],
                  padding: [padding, padding, padding], bias: bias, generator: &generator)
    }

    public var ownParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }
    public var details: String {
        "\(inChannels)→\(outChannels), \(kernelSize.map(String.init).joined(separator: "×"))"
            + (stride != [1, 1, 1] ? ", stride \(stride.map(String.init).joined(separator: "×"))" : "")
            + (padding != [0, 0, 0] ? ", pad \(padding.map(String.init).joined(separator: "×"))" : "")
    }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        guard input.rank == 5, input.shape[1] == inChannels else {
            throw FoveaError.shape("expects input [N, \(inChannels), D, H, W], got \(describe(shape: input.shape))")
        }
        let geometry = VolumeGeometry(channels: inChannels / groups, size: Array(input.shape[2...]), kernel: kernelSize,
                                      stride: stride, padding: padding, dilation: dilation)
        guard geometry.isValid else {
            throw FoveaError.shape("kernel \(describe(shape: kernelSize)) does not fit input \(describe(shape: input.shape))")
        }
        return input.conv3d(weight: weight.value, bias: bias?.value, stride: stride, padding: padding,
                            dilation: dilation, groups: groups)
    }
}
