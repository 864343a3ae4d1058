/// Convolution (+ bias, + ReLU) → 2×2 max pool with stride 2, for inference: LeNet-5's, the Keras
/// CNNs' and VGG's unit. Kernels that take whole images pool each image as soon as it is done,
/// from cache (`ConvolutionKernel.forwardMaxPooled`); the full-size activation is never kept.
/// Records no gradient: callers use it only where none is being recorded.
extension Tensor {
    public func conv2dMaxPooledInference(weight: Tensor, bias: Tensor?, stride: (Int, Int) = (1, 1),
                                         padding: (top: Int, left: Int, bottom: Int, right: Int) = (0, 0, 0, 0),
                                         dilation: (Int, Int) = (1, 1), groups: Int = 1,
                                         activation: FusedActivation = .none) -> Tensor {
        precondition(rank == 4 && weight.rank == 4 && groups > 0 && shape[1] == weight.shape[1] * groups
                     && weight.shape[0] % groups == 0,
                     "conv2dMaxPooledInference: input \(describe(shape: shape)) does not fit weight \(describe(shape: weight.shape))")
        precondition(!GradientRecording.isEnabled || !(requiresGrad || weight.requiresGrad || (bias?.requiresGrad ?? false)),
                     "conv2dMaxPooledInference records no gradient; use conv2d and maxPool2d when one is needed")
        let geometry = WindowGeometry(channels: shape[1] / groups, height: shape[2], width: shape[3],
                                      kernel: (weight.shape[2], weight.shape[3]), stride: stride,
                                      padding: padding, dilation: dilation)
        precondition(geometry.isValid && geometry.outputHeight >= 2 && geometry.outputWidth >= 2,
                     "conv2dMaxPooledInference: kernel \(weight.shape[2])×\(weight.shape[3]) leaves no 2×2 window on input \(describe(shape: shape))")
        if let live = LiveTaps.crop(geometry, batch: shape[0], backward: false) {
            let g = live.geometry
            return conv2dMaxPooledInference(weight: weight.croppedKernel(rows: live.rows, columns: live.columns), bias: bias,
                                            stride: stride, padding: (g.padTop, g.padLeft, g.padBottom, g.padRight),
                                            dilation: dilation, groups: groups, activation: activation)
        }
        let outChannels = weight.shape[0]
        let kernel = ConvolutionKernel(geometry: geometry, batch: shape[0], outChannels: outChannels, groups: groups,
                                       activation: activation)
        let result = Tensor(uninitializedShape: [shape[0], outChannels, geometry.outputHeight / 2, geometry.outputWidth / 2])
        kernel.forwardMaxPooled(input: pointer, weight: weight.pointer,
                                epilogue: ConvolutionEpilogue(bias: bias?.pointer, activation: activation), output: result.pointer)
        return result
    }
}
