/// 1-D convolution over [N, C, L] (audio, time series), weight [out, in/groups, k] as PyTorch's
/// `nn.Conv1d`. Runs as a 2-D convolution of height 1, so it shares the tuned kernel.
public final class Conv1D: Module {
    public let inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int, dilation: Int, groups: Int
    public let padding: Padding
    public let weight: Parameter
    public let bias: Parameter?

    /// PyTorch's default initialisation: weight and bias ~ U(−1/√fanIn, 1/√fanIn).
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Padding = .valid,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true, generator: inout SeededGenerator) {
        precondition(inChannels > 0 && outChannels > 0 && groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv1D(\(inChannels)→\(outChannels), groups \(groups)): channels must be positive multiples of groups")
        self.inChannels = inChannels; self.outChannels = outChannels; self.kernelSize = kernelSize
        self.stride = stride; self.dilation = dilation; self.groups = groups; self.padding = padding
        let bound = 1 / Float(inChannels / groups * kernelSize).squareRoot()
        weight = Parameter(.uniform([outChannels, inChannels / groups, kernelSize], low: -bound, high: bound, using: &generator))
        self.bias = bias ? Parameter(.uniform([outChannels], low: -bound, high: bound, using: &generator)) : nil
    }

    public var ownParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }
    public var details: String { "\(inChannels)→\(outChannels), k \(kernelSize), stride \(stride), \(padding)" }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        guard input.rank == 3, input.shape[1] == inChannels else {
            throw FoveaError.shape("expects input [N, \(inChannels), L], got \(describe(shape: input.shape))")
        }
        let length = input.shape[2]
        let pad = padding.resolve(height: 1, width: length, kernel: (1, kernelSize), stride: (1, stride), dilation: (1, dilation))
        guard WindowGeometry(channels: inChannels, height: 1, width: length, kernel: (1, kernelSize), stride: (1, stride),
                             padding: (0, pad.left, 0, pad.right), dilation: (1, dilation)).isValid else {
            throw FoveaError.shape("kernel \(kernelSize) does not fit input \(describe(shape: input.shape)) (\(padding))")
        }
        let output = input.reshaped([input.shape[0], inChannels, 1, length])
            .conv2d(weight: weight.value.reshaped([outChannels, inChannels / groups, 1, kernelSize]), bias: bias?.value,
                    stride: (1, stride), padding: (0, pad.left, 0, pad.right), dilation: (1, dilation), groups: groups)
        return output.reshaped([output.shape[0], outChannels, output.shape[3]])
    }
}
