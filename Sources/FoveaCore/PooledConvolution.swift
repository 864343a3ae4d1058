import CKernels

/// Convolution (+ bias, + ReLU or ReLU6) → 2×2 max pool with stride 2 as one op: LeNet-5's, the
/// Keras CNNs' and VGG's unit.
///
/// Forward, kernels that take whole images pool each image as soon as it is done, from cache
/// (`ConvolutionKernel.forwardMaxPooled`); the full-size activation is never kept. Backward, the
/// activation's mask is applied to the pooled gradient (a quarter of the size): the pooled value
/// is the winner's activation output, so masking there is masking the winner, and every other
/// cell of a window gets no gradient anyway. The convolution's backward then takes dY as it is,
/// without reading the activation (keras-cifar-cnn spent 9 % of its training step masking dY).
extension Tensor {
    public func conv2dMaxPooled(weight: Tensor, bias: Tensor?, stride: (Int, Int) = (1, 1),
                                padding: (top: Int, left: Int, bottom: Int, right: Int) = (0, 0, 0, 0),
                                dilation: (Int, Int) = (1, 1), groups: Int = 1,
                                activation: FusedActivation = .none, packs: WeightPacks? = nil) -> Tensor {
        precondition(rank == 4 && weight.rank == 4 && groups > 0 && shape[1] == weight.shape[1] * groups
                     && weight.shape[0] % groups == 0,
                     "conv2dMaxPooled: input \(describe(shape: shape)) does not fit weight \(describe(shape: weight.shape))")
        let geometry = WindowGeometry(channels: shape[1] / groups, height: shape[2], width: shape[3],
                                      kernel: (weight.shape[2], weight.shape[3]), stride: stride,
                                      padding: padding, dilation: dilation)
        precondition(geometry.isValid && geometry.outputHeight >= 2 && geometry.outputWidth >= 2,
                     "conv2dMaxPooled: kernel \(weight.shape[2])×\(weight.shape[3]) leaves no 2×2 window on input \(describe(shape: shape))")
        let recordsGradient = GradientRecording.isEnabled && (requiresGrad || weight.requiresGrad || (bias?.requiresGrad ?? false))
        // The 2×2 pool's winners are plane offsets computed in float lanes, exact below 2²⁴ cells;
        // larger planes go through maxPool2d, which takes them window by window.
        if recordsGradient && geometry.outputHeight * geometry.outputWidth >= 1 << 24 {
            return conv2d(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups,
                          activation: activation).maxPool2d(kernel: (2, 2))
        }
        if let live = LiveTaps.crop(geometry, batch: shape[0], backward: recordsGradient) {
            guard !recordsGradient else {
                // conv2d crops the taps and takes their gradient back to the whole weight.
                return conv2d(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups,
                              activation: activation).maxPool2d(kernel: (2, 2))
            }
            let g = live.geometry
            return conv2dMaxPooled(weight: weight.croppedKernel(rows: live.rows, columns: live.columns), bias: bias,
                                   stride: stride, padding: (g.padTop, g.padLeft, g.padBottom, g.padRight),
                                   dilation: dilation, groups: groups, activation: activation)
        }
        let batch = shape[0], outChannels = weight.shape[0]
        let kernel = ConvolutionKernel(geometry: geometry, batch: batch, outChannels: outChannels, groups: groups,
                                       activation: activation)
        let pooledShape = [batch, outChannels, geometry.outputHeight / 2, geometry.outputWidth / 2]
        let result = Tensor(uninitializedShape: pooledShape)
        let winners = recordsGradient ? PoolingIndices(pointer: .allocate(capacity: result.count)) : nil
        kernel.forwardMaxPooled(input: pointer, weight: weight.pointer, epilogue: ConvolutionEpilogue(bias: bias?.pointer, activation: activation),
                                output: result.pointer, winners: winners?.pointer, packs: packs)
        guard let winners else { return result }

        let input = detached(), w = weight.detached(), pooled = result.detached()
        var inputs = [self, weight]
        if let bias { inputs.append(bias) }
        return Tensor.record(result, op: "conv2dMaxPooled", inputs: inputs) { g, needs in
            let planes = batch * outChannels, pooledPlane = pooledShape[2] * pooledShape[3]
            let height = geometry.outputHeight, width = geometry.outputWidth
            // The mask is applied below: the convolution's backward takes dY as it is, and the bias is done.
            // (`output` is read only for a fused activation's mask, which `unmasked` has none of.)
            let unmasked = ConvolutionKernel(geometry: geometry, batch: batch, outChannels: outChannels, groups: groups)
            // dW from the pooled windows alone (16 input channels and more), else by outer products, which
            // read the pooled gradient too: dY's planes are then written only for dX (none for a
            // network's first layer; keras-cifar-cnn's conv2d wrote 7.4 MB of them a step).
            let pooledWeight = needs[1] ? PooledWeightGradient(unmasked) : nil
            let outer: OuterProductWeightGradient? = if needs[1], pooledWeight == nil,
                                                        case let .outerProducts(kernel) = unmasked.weightGradientPath {
                kernel
            } else {
                nil
            }
            // dX from the pooled windows too, where its pixel rows fit in L2.
            let pooledInput = needs[0] ? PooledInputGradient(unmasked) : nil
            let planesNeeded = [needs[0] && pooledInput == nil, needs[1] && outer == nil && pooledWeight == nil]
            let writesPlanes = planesNeeded.contains(true)
            // The pooled gradient where the winner's activation let it through, then each window's
            // share back to its winner: dY, every cell written.
            // The bias gradient is the masked pooled gradient's sum per channel (dY holds the same
            // values and zeros), taken here from a quarter of the floats.
            let masked = TensorStorage(uninitializedCount: g.count)
            let outputGrad = writesPlanes ? TensorStorage(uninitializedCount: planes * height * width) : nil
            let planeSums = TensorStorage(uninitializedCount: planes)
            withExtendedLifetime((masked, outputGrad, winners, planeSums)) {
                ThreadPool.shared.parallelRanges(planes, chunksPerThread: poolingChunksPerThread) { range in
                    for plane in range {
                        let offset = plane * pooledPlane
                        planeSums.pointer[plane] = activation.maskGradient(g.pointer + offset, output: pooled.pointer + offset,
                                                                           into: masked.pointer + offset, count: pooledPlane)
                    }
                    if let outputGrad {
                        fovea_max_pool_halving_backward(masked.pointer, winners.pointer, Int32(height), Int32(width),
                                                        Int32(range.lowerBound), Int32(range.upperBound), outputGrad.pointer)
                    }
                }
            }
            let gradBias = needs.count > 2 && needs[2] ? Tensor(uninitializedShape: [outChannels]) : nil
            if let gradBias {
                for o in 0..<outChannels {
                    var sum: Float = 0
                    for n in 0..<batch { sum += planeSums.pointer[n * outChannels + o] }
                    gradBias.pointer[o] = sum
                }
            }
            var gradWeight: Tensor?, gradInput: Tensor?
            if pooledWeight != nil || outer != nil {
                let target = Tensor(uninitializedShape: w.shape)
                withExtendedLifetime((masked, winners)) {
                    if let pooledWeight {
                        pooledWeight.weightGradient(input: input.pointer, pooled: masked.pointer, winners: winners.pointer, into: target.pointer)
                    } else if let outer {
                        outer.weightGradient(input: input.pointer, outputGrad: .pooled(masked.pointer, winners: winners.pointer),
                                             into: target.pointer)
                    }
                }
                gradWeight = target
            }
            if let pooledInput {
                let target = Tensor(uninitializedShape: input.shape)
                withExtendedLifetime((masked, winners)) {
                    pooledInput.inputGradient(pooled: masked.pointer, winners: winners.pointer, weight: w.pointer, into: target.pointer)
                }
                gradInput = target
            }
            guard let outputGrad else { return [gradInput, gradWeight, gradBias] }
            let gradients = withExtendedLifetime(outputGrad) {
                unmasked.gradients(input: input, weight: w, output: outputGrad.pointer, outputGrad: outputGrad.pointer,
                                   needs: planesNeeded)
            }
            return [gradInput ?? gradients[0], gradWeight ?? gradients[1], gradBias]
        }
    }
}
