/// 2-D convolution (cross-correlation, as PyTorch) by im2col + GEMM, parallel over the batch.
///
/// input [N, C, H, W], weight [O, C/groups, kh, kw], bias [O] → [N, O, Hout, Wout].
extension Tensor {
    public func conv2d(weight: Tensor, bias: Tensor?, stride: (Int, Int) = (1, 1),
                       padding: (top: Int, left: Int, bottom: Int, right: Int) = (0, 0, 0, 0),
                       dilation: (Int, Int) = (1, 1), groups: Int = 1) -> Tensor {
        precondition(rank == 4 && weight.rank == 4, "conv2d: input \(describe(shape: shape)), weight \(describe(shape: weight.shape))")
        let batch = shape[0], outChannels = weight.shape[0]
        precondition(groups > 0 && shape[1] % groups == 0 && outChannels % groups == 0 && weight.shape[1] * groups == shape[1],
                     "conv2d: input \(describe(shape: shape)) does not fit weight \(describe(shape: weight.shape)) with \(groups) groups")
        let geometry = WindowGeometry(channels: shape[1] / groups, height: shape[2], width: shape[3],
                                      kernel: (weight.shape[2], weight.shape[3]), stride: stride,
                                      padding: padding, dilation: dilation)
        precondition(geometry.isValid, "conv2d: kernel \(weight.shape[2])×\(weight.shape[3]) does not fit input \(describe(shape: shape))")
        let kernel = ConvolutionKernel(geometry: geometry, batch: batch, outChannels: outChannels, groups: groups)
        let result = Tensor(uninitializedShape: [batch, outChannels, geometry.outputHeight, geometry.outputWidth])
        kernel.forward(input: pointer, weight: weight.pointer, bias: bias?.pointer, output: result.pointer)

        let input = detached(), w = weight.detached()
        var inputs = [self, weight]
        if let bias { inputs.append(bias) }
        return Tensor.record(result, op: "conv2d", inputs: inputs) { g, needs in
            let gradInput = needs[0] ? Tensor(zeros: input.shape) : nil
            let gradWeight = needs[1] ? Tensor(uninitializedShape: w.shape) : nil
            let gradBias = needs.count > 2 && needs[2] ? Tensor(uninitializedShape: [outChannels]) : nil
            kernel.backward(input: input.pointer, weight: w.pointer, outputGrad: g.pointer,
                            inputGrad: gradInput?.pointer, weightGrad: gradWeight?.pointer, biasGrad: gradBias?.pointer)
            return [gradInput, gradWeight, gradBias]
        }
    }
}

/// The convolution arithmetic, free of autodiff, so it can be benchmarked and reused.
public struct ConvolutionKernel: Sendable {
    public let geometry: WindowGeometry   // per group: channels = C / groups
    public let batch: Int, outChannels: Int, groups: Int

    public init(geometry: WindowGeometry, batch: Int, outChannels: Int, groups: Int) {
        self.geometry = geometry; self.batch = batch; self.outChannels = outChannels; self.groups = groups
    }

    var outPlane: Int { geometry.outputHeight * geometry.outputWidth }
    var inPlane: Int { geometry.height * geometry.width }
    var patch: Int { geometry.channels * geometry.kernelHeight * geometry.kernelWidth }  // K of the GEMM
    var outPerGroup: Int { outChannels / groups }

    public func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                        output: UnsafeMutablePointer<Float>) {
        let g = geometry, outPlane = outPlane, patch = patch, outPerGroup = outPerGroup
        let inputSize = g.channels * groups * inPlane, outputSize = outChannels * outPlane
        ThreadPool.shared.parallelRanges(batch) { images in
            let columns = g.isPointwise ? nil : TensorStorage(uninitializedCount: patch * outPlane)
            for n in images {
                for group in 0..<groups {
                    let x = input + n * inputSize + group * g.channels * inPlane
                    let y = output + n * outputSize + group * outPerGroup * outPlane
                    var b = x
                    if let columns {
                        im2col(g, input: x, columns: columns.pointer)
                        b = UnsafePointer(columns.pointer)
                    }
                    gemm(m: outPerGroup, n: outPlane, k: patch, a: weight + group * outPerGroup * patch, lda: patch,
                         b: b, ldb: outPlane, c: y, ldc: outPlane)
                }
                if let bias {
                    for o in 0..<outChannels {
                        let row = output + n * outputSize + o * outPlane, value = bias[o]
                        for i in 0..<outPlane { row[i] += value }
                    }
                }
            }
        }
    }

    /// Any of the three gradients may be nil (not needed). `inputGrad` must start at zero.
    public func backward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, outputGrad: UnsafePointer<Float>,
                         inputGrad: UnsafeMutablePointer<Float>?, weightGrad: UnsafeMutablePointer<Float>?,
                         biasGrad: UnsafeMutablePointer<Float>?) {
        let g = geometry, outPlane = outPlane, patch = patch, outPerGroup = outPerGroup
        let inputSize = g.channels * groups * inPlane, outputSize = outChannels * outPlane
        let weightCount = outChannels * patch
        if let biasGrad {
            for o in 0..<outChannels {
                var sum: Float = 0
                for n in 0..<batch {
                    let row = outputGrad + n * outputSize + o * outPlane
                    for i in 0..<outPlane { sum += row[i] }
                }
                biasGrad[o] = sum
            }
        }
        guard inputGrad != nil || weightGrad != nil else { return }
        // Each chunk of images accumulates its own weight gradient; they are summed at the end.
        let chunks = Swift.max(1, min(ThreadPool.shared.threadCount, batch))
        let partials = weightGrad == nil ? [] : (0..<chunks).map { _ in TensorStorage(repeating: 0, count: weightCount) }
        ThreadPool.shared.parallelFor(chunks) { chunk in
            let columns = TensorStorage(uninitializedCount: patch * outPlane)
            for n in (batch * chunk / chunks)..<(batch * (chunk + 1) / chunks) {
                for group in 0..<groups {
                    let x = input + n * inputSize + group * g.channels * inPlane
                    let dy = outputGrad + n * outputSize + group * outPerGroup * outPlane
                    let w = weight + group * outPerGroup * patch
                    if weightGrad != nil {
                        var b = x
                        if !g.isPointwise {
                            im2col(g, input: x, columns: columns.pointer)
                            b = UnsafePointer(columns.pointer)
                        }
                        // dW[g] += dY[g] · colsᵀ
                        gemm(transposeB: true, m: outPerGroup, n: patch, k: outPlane, a: dy, lda: outPlane,
                             b: b, ldb: outPlane, beta: 1,
                             c: partials[chunk].pointer + group * outPerGroup * patch, ldc: patch)
                    }
                    if let inputGrad {
                        let dx = inputGrad + n * inputSize + group * g.channels * inPlane
                        if g.isPointwise {  // dX[g] = W[g]ᵀ · dY[g] straight into the image
                            gemm(transposeA: true, m: patch, n: outPlane, k: outPerGroup, a: w, lda: patch,
                                 b: dy, ldb: outPlane, beta: 1, c: dx, ldc: outPlane)
                        } else {
                            gemm(transposeA: true, m: patch, n: outPlane, k: outPerGroup, a: w, lda: patch,
                                 b: dy, ldb: outPlane, c: columns.pointer, ldc: outPlane)
                            col2im(g, columns: columns.pointer, output: dx)
                        }
                    }
                }
            }
        }
        if let weightGrad {
            weightGrad.update(from: partials[0].pointer, count: weightCount)
            for partial in partials.dropFirst() {
                for i in 0..<weightCount { weightGrad[i] += partial.pointer[i] }
            }
        }
    }
}
