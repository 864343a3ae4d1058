import CKernels

/// Convolution followed by an inference-mode batch norm (running statistics), an optional
/// residual and an optional ReLU or ReLU6, as one kernel call: the normalisation is folded into the
/// convolution's output pass (see `ConvolutionEpilogue`), so the three extra passes over the
/// feature map, and their allocations, disappear. PyTorch's JIT and ONNX Runtime fold the same
/// way. Records no gradient: callers use it only where none is being recorded.
extension Tensor {
    public func conv2dBatchNormInference(weight: Tensor, bias: Tensor?, stride: (Int, Int) = (1, 1),
                                         padding: (top: Int, left: Int, bottom: Int, right: Int) = (0, 0, 0, 0),
                                         dilation: (Int, Int) = (1, 1), groups: Int = 1,
                                         normWeight: Tensor, normBias: Tensor, runningMean: Tensor, runningVariance: Tensor,
                                         epsilon: Float, adding residual: Tensor? = nil,
                                         activation: FusedActivation = .none, packs: WeightPacks? = nil) -> Tensor {
        let outChannels = weight.shape[0]
        precondition(rank == 4 && weight.rank == 4 && shape[1] == weight.shape[1] * groups,
                     "conv2dBatchNormInference: input \(describe(shape: shape)) does not fit weight \(describe(shape: weight.shape))")
        precondition([normWeight, normBias, runningMean, runningVariance].allSatisfy { $0.shape == [outChannels] },
                     "conv2dBatchNormInference: batch norm parameters must have shape [\(outChannels)]")
        precondition(!GradientRecording.isEnabled || ![self, weight, normWeight, normBias].contains { $0.requiresGrad }
                     && !(bias?.requiresGrad ?? false) && !(residual?.requiresGrad ?? false),
                     "conv2dBatchNormInference records no gradient; use conv2d and batchNorm2d when one is needed")
        let geometry = WindowGeometry(channels: shape[1] / groups, height: shape[2], width: shape[3],
                                      kernel: (weight.shape[2], weight.shape[3]), stride: stride,
                                      padding: padding, dilation: dilation)
        precondition(geometry.isValid, "conv2dBatchNormInference: kernel does not fit input \(describe(shape: shape))")
        if let live = LiveTaps.crop(geometry, batch: shape[0], backward: false) {
            let g = live.geometry
            return conv2dBatchNormInference(weight: weight.croppedKernel(rows: live.rows, columns: live.columns), bias: bias,
                                            stride: stride, padding: (g.padTop, g.padLeft, g.padBottom, g.padRight),
                                            dilation: dilation, groups: groups, normWeight: normWeight, normBias: normBias,
                                            runningMean: runningMean, runningVariance: runningVariance, epsilon: epsilon,
                                            adding: residual, activation: activation)
        }
        let outputShape = [shape[0], outChannels, geometry.outputHeight, geometry.outputWidth]
        precondition(residual == nil || residual!.shape == outputShape,
                     "conv2dBatchNormInference: residual \(describe(shape: residual!.shape)) does not match output \(describe(shape: outputShape))")
        let (shiftBefore, scale) = foldedNorm(bias: bias, normWeight: normWeight, runningMean: runningMean,
                                              runningVariance: runningVariance, epsilon: epsilon)
        let kernel = ConvolutionKernel(geometry: geometry, batch: shape[0], outChannels: outChannels, groups: groups,
                                       activation: activation)
        let result = Tensor(uninitializedShape: outputShape)
        shiftBefore.withUnsafeBufferPointer { before in
            scale.withUnsafeBufferPointer { scale in
                let epilogue = ConvolutionEpilogue(bias: before.baseAddress, scale: scale.baseAddress, shift: UnsafePointer(normBias.pointer),
                                                   residual: residual.map { UnsafePointer($0.pointer) }, activation: activation)
                kernel.forward(input: pointer, weight: weight.pointer, epilogue: epilogue, output: result.pointer, packs: packs)
            }
        }
        return result
    }

    /// b − μ and γ / √(σ² + ε) per channel, the scale in whole vectors (`fovea_batch_norm_folded_scale`).
    /// One channel at a time the square root and division took 12 % of MobileNetV2's batch-1
    /// forward pass on the calling thread, the worker waiting; in Swift's SIMD8, which the compiler
    /// lowered lane by lane, still 2.7 % of its samples.
    private func foldedNorm(bias: Tensor?, normWeight: Tensor, runningMean: Tensor, runningVariance: Tensor, epsilon: Float)
        -> (shiftBefore: [Float], scale: [Float]) {
        let count = normWeight.count
        let gamma = normWeight.pointer, mean = runningMean.pointer, variance = runningVariance.pointer
        var shiftBefore = [Float](repeating: 0, count: count), scale = shiftBefore
        shiftBefore.withUnsafeMutableBufferPointer { before in
            scale.withUnsafeMutableBufferPointer { scale in
                fovea_batch_norm_folded_scale(gamma, variance, epsilon, count, scale.baseAddress!)
                if let bias = bias?.pointer {
                    for o in 0..<count { before[o] = bias[o] - mean[o] }
                } else {
                    for o in 0..<count { before[o] = -mean[o] }
                }
            }
        }
        return (shiftBefore, scale)
    }
}
