/// Convolution (ReLU or no activation) → 2×2 stride-2 max pool at inference, run as one op
/// (`Tensor.conv2dMaxPooledInference`): each image is pooled straight after its convolution, from
/// cache, and the full-size activation is never written out. The result equals running the two
/// layers one by one, which is what happens in training, when something observes the layers, or
/// where they do not fit together.
extension ForwardContext {
    /// The pooled output, or nil where the pair must run layer by layer.
    func runConvolution(_ conv: Conv2D, named convName: String, pooledBy pool: MaxPool2D, _ input: Tensor) throws -> Tensor? {
        guard !observesLayers, !conv.recordsGradient(input), conv.activation == nil || conv.activation == .relu,
              pool.kernelSize == (2, 2), pool.stride == (2, 2), pool.padding == (0, 0), !pool.ceilMode,
              let pad = try? conv.resolvedPadding(for: input)
        else { return nil }
        let window = WindowGeometry(channels: conv.inChannels, height: input.shape[2], width: input.shape[3],
                                    kernel: conv.kernelSize, stride: conv.stride, padding: pad, dilation: conv.dilation)
        guard window.outputHeight >= 2 && window.outputWidth >= 2 else { return nil }
        return try scoped(conv, named: convName, input) {
            let (weight, weightPadding) = conv.inferenceWeight(for: input, padding: pad)
            return input.conv2dMaxPooledInference(weight: weight, bias: conv.bias?.value, stride: conv.stride, padding: weightPadding,
                                                  dilation: conv.dilation, groups: conv.groups,
                                                  activation: conv.activation == .relu ? .relu : .none)
        }
    }
}
