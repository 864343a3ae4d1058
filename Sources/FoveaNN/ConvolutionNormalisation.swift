/// Convolution → BatchNorm (→ + residual) (→ activation), the unit of ResNets, MobileNets and
/// EfficientNets, run with as few passes over memory as the phase allows:
/// - inference (the norm uses running statistics, no gradient recorded): the norm, residual and
///   ReLU or ReLU6 fold into the convolution's output pass — one kernel call, one output tensor;
/// - training: the convolution, then one batch-norm op that also adds the residual and applies
///   the ReLU or ReLU6 (forward and backward), instead of three ops and three tape nodes.
/// Other activations (SiLU, Hardswish) follow as their own op.
/// The result equals running the layers one by one, which is what happens when something
/// observes them (summary, FLOP counting, ONNX tracing) or the layers do not fit together.
extension ForwardContext {
    public func runConvolution(_ conv: Conv2D, named convName: String, normalisedBy norm: BatchNorm2D, named normName: String,
                               adding residual: Tensor? = nil, activation: Activation?, _ input: Tensor) throws -> Tensor {
        let fusedActivation = FusedActivation(activation)
        let applyRest = { (x: Tensor) in fusedActivation == .none ? activation?.apply(x) ?? x : x }
        guard !observesLayers, conv.activation == nil, norm.channels == conv.outChannels else {
            var x = try run(norm, named: normName, try run(conv, named: convName, input))
            if let residual {
                guard residual.shape == x.shape else {
                    throw FoveaError.shape("residual \(describe(shape: residual.shape)) does not match \(describe(shape: x.shape))")
                }
                x = x + residual
            }
            return activation?.apply(x) ?? x
        }
        let needsGradient = GradientRecording.isEnabled
            && ([input, conv.weight.value, norm.weight.value, norm.bias.value] + [conv.bias?.value, residual].compactMap { $0 })
                .contains { $0.requiresGrad }
        if norm.usesRunningStatistics(self) && !needsGradient {
            let output = try scoped(conv, named: convName, input) {
                let pad = try conv.resolvedPadding(for: input)
                let window = WindowGeometry(channels: conv.inChannels, height: input.shape[2], width: input.shape[3],
                                            kernel: conv.kernelSize, stride: conv.stride, padding: pad, dilation: conv.dilation)
                let outputShape = [input.shape[0], conv.outChannels, window.outputHeight, window.outputWidth]
                if let residual, residual.shape != outputShape {
                    throw FoveaError.shape("residual \(describe(shape: residual.shape)) does not match \(describe(shape: outputShape))")
                }
                let (weight, weightPadding, packs) = conv.inferenceWeight(for: input, padding: pad)
                return input.conv2dBatchNormInference(
                    weight: weight, bias: conv.bias?.value, stride: conv.stride, padding: weightPadding, dilation: conv.dilation,
                    groups: conv.groups, normWeight: norm.weight.value, normBias: norm.bias.value,
                    runningMean: norm.runningMean.value, runningVariance: norm.runningVariance.value, epsilon: norm.epsilon,
                    adding: residual, activation: fusedActivation, packs: packs)
            }
            return applyRest(output)
        }
        let convolved = try run(conv, named: convName, input)
        let output = try scoped(norm, named: normName, convolved) {
            try norm.forward(convolved, self, adding: residual, activation: fusedActivation)
        }
        return applyRest(output)
    }

    /// BatchNorm → ReLU as one op (forward and backward); other activations follow as their own op.
    public func runNormalisation(_ norm: BatchNorm2D, named name: String, activation: Activation?, _ input: Tensor) throws -> Tensor {
        guard !observesLayers else {
            let output = try run(norm, named: name, input)
            return activation?.apply(output) ?? output
        }
        let fused = FusedActivation(activation)
        let output = try scoped(norm, named: name, input) { try norm.forward(input, self, adding: nil, activation: fused) }
        return fused != .none ? output : activation?.apply(output) ?? output
    }
}

extension FusedActivation {
    /// The clamp a kernel can apply itself for this activation; `.none` when it must run as its own op.
    init(_ activation: Activation?) {
        switch activation {
        case .relu: self = .relu
        case .relu6: self = .relu6
        default: self = .none
        }
    }
}
