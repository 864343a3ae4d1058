/// Convolution (ReLU or no activation) → 2×2 stride-2 max pool, run as one op
/// (`Tensor.conv2dMaxPooled`): each image is pooled straight after its convolution, from cache,
/// the full-size activation is never kept, and in training the ReLU's mask is applied to the
/// pooled gradient. The result and the gradients equal running the two layers one by one, which is
/// what happens when something observes the layers or where they do not fit together.
extension ForwardContext {
    /// The pooled output, or nil where the pair must run layer by layer.
    func runConvolution(_ conv: Conv2D, named convName: String, pooledBy pool: MaxPool2D, _ input: Tensor) throws -> Tensor? {
        guard !observesLayers, conv.activation == nil || conv.activation == .relu,
              pool.kernelSize == (2, 2), pool.stride == (2, 2), pool.padding == (0, 0), !pool.ceilMode,
              let pad = try? conv.resolvedPadding(for: input)
        else { return nil }
        let window = WindowGeometry(channels: conv.inChannels, height: input.shape[2], width: input.shape[3],
                                    kernel: conv.kernelSize, stride: conv.stride, padding: pad, dilation: conv.dilation)
        guard window.outputHeight >= 2 && window.outputWidth >= 2 else { return nil }
        return try scoped(conv, named: convName, input) {
            let (weight, weightPadding, packs) = conv.recordsGradient(input) ? (conv.weight.value, pad, nil)
                : conv.inferenceWeight(for: input, padding: pad)
            return input.conv2dMaxPooled(weight: weight, bias: conv.bias?.value, stride: conv.stride, padding: weightPadding,
                                         dilation: conv.dilation, groups: conv.groups,
                                         activation: conv.activation == .relu ? .relu : .none, packs: packs)
        }
    }
}
