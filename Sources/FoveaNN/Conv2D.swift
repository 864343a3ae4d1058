/// How a convolution or pooling window treats the borders.
public enum Padding: Equatable, Sendable, CustomStringConvertible {
    /// No padding: the output shrinks by the window.
    case valid
    /// Output size ⌈input / stride⌉ (Keras/TensorFlow); any odd cell of padding goes bottom/right.
    case same
    /// Zero rows on top and bottom, columns left and right (PyTorch's `padding=(h, w)`).
    case explicit(Int, Int)

    func resolve(height: Int, width: Int, kernel: (Int, Int), stride: (Int, Int), dilation: (Int, Int))
        -> (top: Int, left: Int, bottom: Int, right: Int) {
        switch self {
        case .valid: return (0, 0, 0, 0)
        case let .explicit(h, w): return (h, w, h, w)
        case .same:
            func total(_ size: Int, _ k: Int, _ s: Int, _ d: Int) -> Int {
                Swift.max(((size + s - 1) / s - 1) * s + (k - 1) * d + 1 - size, 0)
            }
            let th = total(height, kernel.0, stride.0, dilation.0), tw = total(width, kernel.1, stride.1, dilation.1)
            return (th / 2, tw / 2, th - th / 2, tw - tw / 2)
        }
    }

    public var description: String {
        switch self {
        case .valid: "valid"
        case .same: "same"
        case let .explicit(h, w): h == w ? "pad \(h)" : "pad \(h)×\(w)"
        }
    }
}

/// 2-D convolution over NCHW input; weight [out, in/groups, kh, kw] as PyTorch's `nn.Conv2d`.
public final class Conv2D: Module {
    public let inChannels: Int, outChannels: Int
    public let kernelSize: (Int, Int), stride: (Int, Int), dilation: (Int, Int)
    public let padding: Padding
    public let groups: Int
    public let activation: Activation?
    public let weight: Parameter
    public let bias: Parameter?
    /// The weight cropped to its live taps for inference on small planes (see `LiveTapWeights`).
    let liveTapWeights = LiveTapWeights()
    /// The kernels' packs of the weight run at inference (see `WeightPacks`).
    let keptPacks = KeptWeightPacks()

    /// PyTorch's default initialisation: weight and bias ~ U(−1/√fanIn, 1/√fanIn).
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: Padding = .valid, dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true,
                activation: Activation? = nil, generator: inout SeededGenerator) {
        precondition(inChannels > 0 && outChannels > 0 && groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv2D(\(inChannels)→\(outChannels), groups \(groups)): channels must be positive multiples of groups")
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernelSize = kernelSize; self.stride = stride; self.dilation = dilation
        self.padding = padding; self.groups = groups; self.activation = activation
        let fanIn = inChannels / groups * kernelSize.0 * kernelSize.1
        let bound = 1 / Float(fanIn).squareRoot()
        weight = Parameter(.uniform([outChannels, inChannels / groups, kernelSize.0, kernelSize.1],
                                    low: -bound, high: bound, using: &generator))
        self.bias = bias ? Parameter(.uniform([outChannels], low: -bound, high: bound, using: &generator)) : nil
    }

    public convenience init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1,
                            padding: Padding = .valid, dilation: Int = 1, groups: Int = 1, bias: Bool = true,
                            activation: Activation? = nil, generator: inout SeededGenerator) {
        self.init(inChannels, outChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
                  padding: padding, dilation: (dilation, dilation), groups: groups, bias: bias,
                  activation: activation, generator: &generator)
    }

    public var ownParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public var details: String {
        var parts = ["\(inChannels)→\(outChannels)", "\(kernelSize.0)×\(kernelSize.1)"]
        if stride != (1, 1) { parts.append("stride \(stride.0)") }
        parts.append(padding.description)
        if dilation != (1, 1) { parts.append("dilation \(dilation.0)") }
        if groups != 1 { parts.append("groups \(groups)") }
        if let activation { parts.append(activation.rawValue) }
        return parts.joined(separator: ", ")
    }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        let pad = try resolvedPadding(for: input)
        // ReLU runs inside the convolution's output pass; other activations follow as their own op.
        let fused: FusedActivation = activation == .relu ? .relu : .none
        let (kernel, kernelPadding, packs) = recordsGradient(input) ? (weight.value, pad, nil) : inferenceWeight(for: input, padding: pad)
        let output = input.conv2d(weight: kernel, bias: bias?.value, stride: stride, padding: kernelPadding,
                                  dilation: dilation, groups: groups, activation: fused, packs: packs)
        return fused == .relu ? output : activation?.apply(output) ?? output
    }

    /// The explicit padding for this input, after checking that the input fits the layer.
    func resolvedPadding(for input: Tensor) throws -> (top: Int, left: Int, bottom: Int, right: Int) {
        guard input.rank == 4, input.shape[1] == inChannels else {
            throw FoveaError.shape("expects input [N, \(inChannels), H, W], got \(describe(shape: input.shape))")
        }
        let pad = padding.resolve(height: input.shape[2], width: input.shape[3], kernel: kernelSize,
                                  stride: stride, dilation: dilation)
        let fits = WindowGeometry(channels: inChannels, height: input.shape[2], width: input.shape[3], kernel: kernelSize,
                                  stride: stride, padding: pad, dilation: dilation).isValid
        guard fits else {
            throw FoveaError.shape("kernel \(kernelSize.0)×\(kernelSize.1) does not fit input \(describe(shape: input.shape)) (\(padding))")
        }
        return pad
    }
}
