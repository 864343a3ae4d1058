import CKernels

/// Batch normalisation over NCHW (Ioffe & Szegedy 2015) with PyTorch's semantics: in training,
/// normalise by the batch's mean and biased variance and move the running statistics by
/// `momentum` towards the batch's mean and unbiased variance; in inference, use the running ones.
///
/// Optionally fused with what follows it in residual networks: `adding` a residual of the same
/// shape, then a ReLU or ReLU6 — y = clamp((x − μ)·γ/σ + β + r) — one pass and one tape node instead of three.
extension Tensor {
    public func batchNorm2d(weight: Tensor, bias: Tensor, runningMean: Tensor, runningVariance: Tensor,
                            training: Bool, momentum: Float = 0.1, epsilon: Float = 1e-5,
                            adding residual: Tensor? = nil, activation: FusedActivation = .none) -> Tensor {
        precondition(rank == 4 && weight.shape == [shape[1]] && bias.shape == [shape[1]]
                     && runningMean.shape == [shape[1]] && runningVariance.shape == [shape[1]],
                     "batchNorm2d: input \(describe(shape: shape)) and parameters of shape \(describe(shape: weight.shape))")
        precondition(residual == nil || residual!.shape == shape,
                     "batchNorm2d: residual \(describe(shape: residual!.shape)) does not match input \(describe(shape: shape))")
        let (batch, channels, plane) = (shape[0], shape[1], shape[2] * shape[3])
        // Planes this small (MobileNetV2's 4×4 down to 1×1 at CIFAR sizes) are walked image by
        // image across the channels, not channel by channel across the images (see BatchNormPlanes).
        let smallPlane = 64
        let count = batch * plane
        var mean = [Float](repeating: 0, count: channels), inverseStd = [Float](repeating: 0, count: channels)
        let x = pointer
        let result = Tensor(uninitializedShape: shape)
        let y = result.pointer, gamma = weight.pointer, beta = bias.pointer, r = residual?.pointer
        // One channel's planes, normalised with its statistics as (x − mean)·scale + β, not
        // x·scale + (β − mean·scale): when the mean is large against the spread, the folded form
        // cancels away float32 digits (PyTorch subtracts first too). Last image first: right after
        // the sums those planes are the ones still in L2.
        func normaliseChannel(_ c: Int, mean: Float, scale: Float) {
            for n in stride(from: batch - 1, through: 0, by: -1) {
                let offset = (n * channels + c) * plane
                fovea_batch_norm_normalise(x + offset, y + offset, r.map { $0 + offset }, plane, mean, scale, beta[c],
                                           activation.floor, activation.ceiling)
            }
        }
        if training {
            precondition(count > 1, "batchNorm2d: training needs more than one value per channel, got input \(describe(shape: shape))")
            mean.withUnsafeMutableBufferPointer { meanOut in
                inverseStd.withUnsafeMutableBufferPointer { inverseStdOut in
                    ThreadPool.shared.parallelRanges(channels) { range in
                        // Sums of x − K with K a value of the channel: one pass, without the cancellation
                        // that E[x²] − E[x]² suffers when the mean is large against the spread.
                        let smallSums = plane < smallPlane
                            ? BatchNormPlanes(batch: batch, channels: channels, plane: plane, range: range).shiftedSumsPerChannel(x: x) : nil
                        for (j, c) in range.enumerated() {
                            let k = x[c * plane]
                            var sum: Double = 0, squares: Double = 0
                            if let smallSums {
                                (sum, squares) = (smallSums.sums[j], smallSums.squares[j])
                            } else {
                                for n in 0..<batch {
                                    fovea_batch_norm_shifted_sums(x + (n * channels + c) * plane, plane, k, &sum, &squares)
                                }
                            }
                            let shiftedMean = sum / Double(count)
                            let variance = Swift.max(squares / Double(count) - shiftedMean * shiftedMean, 0)
                            let m = shiftedMean + Double(k)
                            meanOut[c] = Float(m)
                            inverseStdOut[c] = Float(1 / (variance + Double(epsilon)).squareRoot())
                            // Running statistics: in place, the one piece of layer state a forward pass updates.
                            runningMean.pointer[c] = (1 - momentum) * runningMean.pointer[c] + momentum * Float(m)
                            runningVariance.pointer[c] = (1 - momentum) * runningVariance.pointer[c]
                                + momentum * Float(variance * Double(count) / Double(count - 1))
                            // Large planes: normalised at once, while the channel's planes are in L2.
                            if smallSums == nil { normaliseChannel(c, mean: meanOut[c], scale: gamma[c] * inverseStdOut[c]) }
                        }
                    }
                }
            }
        } else {
            for c in 0..<channels {
                mean[c] = runningMean.pointer[c]
                inverseStd[c] = 1 / (runningVariance.pointer[c] + epsilon).squareRoot()
            }
        }
        if !training || plane < smallPlane {   // (training on large planes normalised each channel above)
            let scales = (0..<channels).map { gamma[$0] * inverseStd[$0] }
            ThreadPool.shared.parallelRanges(channels) { range in
                if plane < smallPlane {
                    // Image by image across the range's channels: contiguous memory (see BatchNormPlanes).
                    BatchNormPlanes(batch: batch, channels: channels, plane: plane, range: range)
                        .normalise(x: x, into: y, residual: r, mean: mean, scale: scales, shift: beta, activation: activation)
                    return
                }
                for c in range { normaliseChannel(c, mean: mean[c], scale: scales[c]) }
            }
        }
        let input = detached(), g = weight.detached(), output = result.detached()
        var inputs = [self, weight, bias]
        if let residual { inputs.append(residual) }
        return Tensor.record(result, op: "batchNorm2d", inputs: inputs) { dy, needs in
            // Through the ReLU first: the gradient that reaches the sum (x̂·γ + β + r), masked
            // channel by channel in the pass that sums it, while each plane is still in L1.
            let masked = activation == .none ? dy : Tensor(uninitializedShape: dy.shape)
            let gradInput = needs[0] ? Tensor(uninitializedShape: input.shape) : nil
            let gradWeight = Tensor(uninitializedShape: [channels]), gradBias = Tensor(uninitializedShape: [channels])
            let d = masked.pointer, xs = input.pointer, incoming = dy.pointer, out = output.pointer
            ThreadPool.shared.parallelRanges(channels) { range in
                if plane < smallPlane {
                    let planes = BatchNormPlanes(batch: batch, channels: channels, plane: plane, range: range)
                    let (sums, centered) = planes.gradientSums(dy: incoming, output: out, masked: d, x: xs, mean: mean, activation: activation)
                    for (j, c) in range.enumerated() {
                        gradBias.pointer[c] = Float(sums[j])
                        gradWeight.pointer[c] = Float(centered[j] * Double(inverseStd[c]))
                    }
                    if let gradInput {
                        let channelGradients = range.enumerated().map { j, c in
                            BatchNormInputGradient(gamma: g.pointer[c], mean: mean[c], inverseStd: inverseStd[c], sumDy: sums[j],
                                                   sumDyCentered: centered[j], count: count, training: training)
                        }
                        planes.inputGradient(masked: d, x: xs, channelGradients: channelGradients, into: gradInput.pointer)
                    }
                    return
                }
                for c in range {
                    var sumDy: Double = 0, sumDyCentered: Double = 0
                    for n in 0..<batch {
                        let offset = (n * channels + c) * plane
                        fovea_batch_norm_gradient_sums(incoming + offset, out + offset, d + offset, xs + offset, plane, mean[c],
                                                       activation.kernelCode, &sumDy, &sumDyCentered)
                    }
                    gradBias.pointer[c] = Float(sumDy)
                    gradWeight.pointer[c] = Float(sumDyCentered * Double(inverseStd[c]))
                    guard let gradInput else { continue }
                    let dx = BatchNormInputGradient(gamma: g.pointer[c], mean: mean[c], inverseStd: inverseStd[c], sumDy: sumDy,
                                                    sumDyCentered: sumDyCentered, count: count, training: training)
                    // Last image first: the planes the sums touched last are the ones still in L2.
                    for n in stride(from: batch - 1, through: 0, by: -1) {
                        let offset = (n * channels + c) * plane
                        dx.apply(d + offset, x: xs + offset, into: gradInput.pointer + offset, count: plane)
                    }
                }
            }
            withExtendedLifetime(masked) {}   // written through `d` above
            var grads: [Tensor?] = [gradInput, needs[1] ? gradWeight : nil, needs[2] ? gradBias : nil]
            if needs.count > 3 { grads.append(needs[3] ? masked : nil) }
            return grads
        }
    }
}

/// One channel's input gradient: dx = γ/σ · (dy − mean(dy) − x̂ · mean(dy · x̂)) in training,
/// γ/σ · dy with running statistics; dy already through the fused activation's mask.
struct BatchNormInputGradient {
    /// γ/σ, mean(dy), the channel's mean, and k = mean(dy · x̂)/σ: dx = scale·(dy − meanDy − (x − mean)·k).
    let scale: Float, meanDy: Float, mean: Float, k: Float, training: Bool

    init(gamma: Float, mean: Float, inverseStd: Float, sumDy: Double, sumDyCentered: Double, count: Int, training: Bool) {
        scale = gamma * inverseStd
        meanDy = Float(sumDy / Double(count))
        k = Float(sumDyCentered * Double(inverseStd) / Double(count)) * inverseStd
        self.mean = mean; self.training = training
    }

    @inline(__always)
    func apply(_ dy: UnsafePointer<Float>, x: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, count: Int) {
        fovea_batch_norm_input_gradient(dy, training ? x : nil, dx, count, scale, meanDy, mean, k)
    }
}
