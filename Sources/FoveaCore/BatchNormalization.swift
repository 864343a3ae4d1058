/// Batch normalisation over NCHW (Ioffe & Szegedy 2015) with PyTorch's semantics: in training,
/// normalise by the batch's mean and biased variance and move the running statistics by
/// `momentum` towards the batch's mean and unbiased variance; in inference, use the running ones.
extension Tensor {
    public func batchNorm2d(weight: Tensor, bias: Tensor, runningMean: Tensor, runningVariance: Tensor,
                            training: Bool, momentum: Float = 0.1, epsilon: Float = 1e-5) -> Tensor {
        precondition(rank == 4 && weight.shape == [shape[1]] && bias.shape == [shape[1]]
                     && runningMean.shape == [shape[1]] && runningVariance.shape == [shape[1]],
                     "batchNorm2d: input \(describe(shape: shape)) and parameters of shape \(describe(shape: weight.shape))")
        let (batch, channels, plane) = (shape[0], shape[1], shape[2] * shape[3])
        let count = batch * plane
        var mean = [Float](repeating: 0, count: channels), inverseStd = [Float](repeating: 0, count: channels)
        let x = pointer
        if training {
            precondition(count > 1, "batchNorm2d: training needs more than one value per channel, got input \(describe(shape: shape))")
            ThreadPool.shared.parallelFor(channels) { c in
                var sum: Double = 0, squares: Double = 0
                for n in 0..<batch {
                    let row = x + (n * channels + c) * plane
                    for i in 0..<plane { let v = Double(row[i]); sum += v; squares += v * v }
                }
                let m = sum / Double(count), variance = Swift.max(squares / Double(count) - m * m, 0)
                mean[c] = Float(m)
                inverseStd[c] = Float(1 / (variance + Double(epsilon)).squareRoot())
                // Running statistics: in place, the one piece of layer state a forward pass updates.
                runningMean.pointer[c] = (1 - momentum) * runningMean.pointer[c] + momentum * Float(m)
                runningVariance.pointer[c] = (1 - momentum) * runningVariance.pointer[c]
                    + momentum * Float(variance * Double(count) / Double(count - 1))
            }
        } else {
            for c in 0..<channels {
                mean[c] = runningMean.pointer[c]
                inverseStd[c] = 1 / (runningVariance.pointer[c] + epsilon).squareRoot()
            }
        }
        let result = Tensor(uninitializedShape: shape)
        let y = result.pointer, gamma = weight.pointer, beta = bias.pointer
        // (x − mean)·scale + β, not x·scale + (β − mean·scale): when the mean is large against the
        // spread, the folded form cancels away float32 digits (PyTorch subtracts first too).
        ThreadPool.shared.parallelFor(channels) { c in
            let scale = gamma[c] * inverseStd[c], m = mean[c], shift = beta[c]
            for n in 0..<batch {
                let offset = (n * channels + c) * plane
                for i in 0..<plane { y[offset + i] = (x[offset + i] - m) * scale + shift }
            }
        }
        let input = detached(), g = weight.detached()
        return Tensor.record(result, op: "batchNorm2d", inputs: [self, weight, bias]) { dy, needs in
            let gradInput = needs[0] ? Tensor(uninitializedShape: input.shape) : nil
            let gradWeight = Tensor(uninitializedShape: [channels]), gradBias = Tensor(uninitializedShape: [channels])
            ThreadPool.shared.parallelFor(channels) { c in
                var sumDy: Double = 0, sumDyXhat: Double = 0
                for n in 0..<batch {
                    let offset = (n * channels + c) * plane
                    for i in 0..<plane {
                        let d = Double(dy.pointer[offset + i])
                        sumDy += d
                        sumDyXhat += d * Double((input.pointer[offset + i] - mean[c]) * inverseStd[c])
                    }
                }
                gradBias.pointer[c] = Float(sumDy)
                gradWeight.pointer[c] = Float(sumDyXhat)
                guard let gradInput else { return }
                let k = g.pointer[c] * inverseStd[c]
                for n in 0..<batch {
                    let offset = (n * channels + c) * plane
                    for i in 0..<plane {
                        if training {
                            // dx = γ/σ · (dy − mean(dy) − x̂ · mean(dy · x̂))
                            let xhat = (input.pointer[offset + i] - mean[c]) * inverseStd[c]
                            gradInput.pointer[offset + i] = k * (dy.pointer[offset + i] - Float(sumDy / Double(count))
                                                                 - xhat * Float(sumDyXhat / Double(count)))
                        } else {
                            gradInput.pointer[offset + i] = k * dy.pointer[offset + i]
                        }
                    }
                }
            }
            return [gradInput, needs[1] ? gradWeight : nil, needs[2] ? gradBias : nil]
        }
    }
}
