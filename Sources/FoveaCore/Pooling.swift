import CKernels

/// Max and average pooling over NCHW, parallel over (image, channel) planes.
extension Tensor {
    func poolingGeometry(_ op: String, kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int),
                         ceilMode: Bool = false) -> WindowGeometry {
        precondition(rank == 4, "\(op): expected an NCHW tensor, got \(describe(shape: shape))")
        var g = WindowGeometry(channels: 1, height: shape[2], width: shape[3], kernel: kernel, stride: stride,
                               padding: (padding.0, padding.1, padding.0, padding.1))
        if ceilMode {
            (g.padBottom, g.padRight) = (ceilModeExtra(g.height, kernel.0, stride.0, padding.0) + padding.0,
                                         ceilModeExtra(g.width, kernel.1, stride.1, padding.1) + padding.1)
        }
        precondition(g.isValid && padding.0 * 2 <= kernel.0 && padding.1 * 2 <= kernel.1,
                     "\(op): window \(kernel.0)×\(kernel.1) does not fit input \(describe(shape: shape))")
        return g
    }

    /// Max pooling (padding counts as −∞). The gradient goes to the first maximum of each window.
    /// With `ceilMode` the output size rounds up (PyTorch's `ceil_mode=True`): a last, partial
    /// window is kept if it starts inside the input or its left padding.
    public func maxPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                          ceilMode: Bool = false) -> Tensor {
        let g = poolingGeometry("maxPool2d", kernel: kernel, stride: stride ?? kernel, padding: padding, ceilMode: ceilMode)
        let planes = shape[0] * shape[1], inPlane = g.height * g.width
        let outH = g.outputHeight, outW = g.outputWidth, outPlane = outH * outW
        let result = Tensor(uninitializedShape: [shape[0], shape[1], outH, outW])
        // The winners' indices are kept only when a gradient will need them.
        let keepsIndices = GradientRecording.isEnabled && requiresGrad
        let winners = UnsafeMutablePointer<Int32>.allocate(capacity: keepsIndices ? Swift.max(1, planes * outPlane) : 1)
        let source = pointer, destination = result.pointer
        // (The 2×2 kernel's winners are plane offsets computed in float lanes, exact below 2²⁴ cells.)
        let halving = g.kernelHeight == 2 && g.kernelWidth == 2 && g.strideHeight == 2 && g.strideWidth == 2
            && g.padTop == 0 && g.padLeft == 0 && g.padBottom == 0 && g.padRight == 0 && (inPlane < 1 << 24 || !keepsIndices)
        ThreadPool.shared.parallelRanges(planes, chunksPerThread: poolingChunksPerThread) { range in
            if halving {
                // 2×2, stride 2 (LeNet, VGG, the CIFAR CNNs): no window loops, 16 or 8 outputs at a
                // time in C (`fovea_max_pool_halving`).
                fovea_max_pool_halving(source, Int32(g.height), Int32(g.width), Int32(range.lowerBound), Int32(range.upperBound),
                                       destination, keepsIndices ? winners : nil)
                return
            }
            // Any other window (ResNet's 3×3 with stride 2 and padding 1): a vector of outputs at a
            // time, each tap gathered, in C (`fovea_max_pool_gathered`; a Swift loop per window was
            // 2 % of ResNet-18's training step). Its lanes compute cell offsets in float, exact below
            // 2²⁴ cells: larger planes take the windows one by one.
            guard inPlane < 1 << 24, outPlane < 1 << 24 else {
                for p in range {
                    maxPoolWindows(g, input: source + p * inPlane, output: destination + p * outPlane,
                                   winners: keepsIndices ? winners + p * outPlane : nil)
                }
                return
            }
            var window = fovea_window(g)
            fovea_max_pool_gathered(source, &window, Int32(range.lowerBound), Int32(range.upperBound), destination,
                                    keepsIndices ? winners : nil)
        }
        let indices = PoolingIndices(pointer: winners)
        let inputShape = shape
        return Tensor.record(result, op: "maxPool2d", inputs: [self]) { grad, _ in
            let dy = grad.pointer
            if halving {
                // Gathered in C: every input cell written once, no zeroing pass first.
                let gradInput = Tensor(uninitializedShape: inputShape), dx = gradInput.pointer
                ThreadPool.shared.parallelRanges(planes, chunksPerThread: poolingChunksPerThread) { range in
                    fovea_max_pool_halving_backward(dy, indices.pointer, Int32(g.height), Int32(g.width), Int32(range.lowerBound),
                                                    Int32(range.upperBound), dx)
                }
                return [gradInput]
            }
            let gradInput = Tensor(zeros: inputShape), dx = gradInput.pointer
            ThreadPool.shared.parallelRanges(planes, chunksPerThread: poolingChunksPerThread) { range in
                for p in range {
                    for i in 0..<outPlane { dx[p * inPlane + Int(indices.pointer[p * outPlane + i])] += dy[p * outPlane + i] }
                }
            }
            return [gradInput]
        }
    }

    /// Average pooling; with `countIncludePad` (PyTorch's default) padded cells count in the divisor.
    public func avgPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                          countIncludePad: Bool = true) -> Tensor {
        let g = poolingGeometry("avgPool2d", kernel: kernel, stride: stride ?? kernel, padding: padding)
        let planes = shape[0] * shape[1], inPlane = g.height * g.width
        let outH = g.outputHeight, outW = g.outputWidth, outPlane = outH * outW
        // Divisor of each output cell (the same for every plane).
        var divisors = [Float](repeating: 0, count: outPlane)
        for oh in 0..<outH {
            for ow in 0..<outW {
                let h0 = oh * g.strideHeight - g.padTop, w0 = ow * g.strideWidth - g.padLeft
                let hs = Swift.max(h0, 0), he = min(h0 + g.kernelHeight, g.height)
                let ws = Swift.max(w0, 0), we = min(w0 + g.kernelWidth, g.width)
                let padded = (min(h0 + g.kernelHeight, g.height + g.padBottom) - h0) * (min(w0 + g.kernelWidth, g.width + g.padRight) - w0)
                divisors[oh * outW + ow] = Float(countIncludePad ? padded : (he - hs) * (we - ws))
            }
        }
        let result = Tensor(uninitializedShape: [shape[0], shape[1], outH, outW])
        let source = pointer, destination = result.pointer
        divisors.withUnsafeBufferPointer { divisor in
            ThreadPool.shared.parallelRanges(planes, chunksPerThread: poolingChunksPerThread) { range in
                for p in range {
                    let x = source + p * inPlane, y = destination + p * outPlane
                    for oh in 0..<outH {
                        let h0 = oh * g.strideHeight - g.padTop
                        for ow in 0..<outW {
                            let w0 = ow * g.strideWidth - g.padLeft
                            var sum: Float = 0
                            for h in Swift.max(h0, 0)..<min(h0 + g.kernelHeight, g.height) {
                                for c in Swift.max(w0, 0)..<min(w0 + g.kernelWidth, g.width) { sum += x[h * g.width + c] }
                            }
                            y[oh * outW + ow] = sum / divisor[oh * outW + ow]
                        }
                    }
                }
            }
        }
        let inputShape = shape
        return Tensor.record(result, op: "avgPool2d", inputs: [self]) { grad, _ in
            let gradInput = Tensor(zeros: inputShape)
            let dy = grad.pointer, dx = gradInput.pointer
            divisors.withUnsafeBufferPointer { divisor in
                ThreadPool.shared.parallelRanges(planes, chunksPerThread: poolingChunksPerThread) { range in
                    for p in range {
                        for oh in 0..<outH {
                            let h0 = oh * g.strideHeight - g.padTop
                            for ow in 0..<outW {
                                let w0 = ow * g.strideWidth - g.padLeft
                                let share = dy[p * outPlane + oh * outW + ow] / divisor[oh * outW + ow]
                                for h in Swift.max(h0, 0)..<min(h0 + g.kernelHeight, g.height) {
                                    for c in Swift.max(w0, 0)..<min(w0 + g.kernelWidth, g.width) { dx[p * inPlane + h * g.width + c] += share }
                                }
                            }
                        }
                    }
                }
            }
            return [gradInput]
        }
    }

    /// Mean over each H×W plane: [N, C, H, W] → [N, C].
    public func globalAvgPool2d() -> Tensor {
        precondition(rank == 4, "globalAvgPool2d: expected an NCHW tensor, got \(describe(shape: shape))")
        let planes = shape[0] * shape[1], plane = shape[2] * shape[3]
        let result = Tensor(uninitializedShape: [shape[0], shape[1]])
        // In vector lanes and shared between the threads (a scalar sum on the caller was 0.5 % of
        // ResNet-20's batch-64 inference, the worker idle meanwhile); short passes stay on the caller.
        let source = pointer, means = result.pointer, minimumPlanes = Swift.max(1, (1 << 15) / Swift.max(1, plane))
        ThreadPool.shared.parallelRanges(planes, minimumPerChunk: minimumPlanes) { range in
            fovea_plane_means(source + range.lowerBound * plane, range.count, plane, means + range.lowerBound)
        }
        let inputShape = shape
        return Tensor.record(result, op: "globalAvgPool2d", inputs: [self]) { grad, _ in
            let gradInput = Tensor(uninitializedShape: inputShape)
            let shares = grad.pointer, target = gradInput.pointer
            ThreadPool.shared.parallelRanges(planes, minimumPerChunk: minimumPlanes) { range in
                for p in range { (target + p * plane).update(repeating: shares[p] / Float(plane), count: plane) }
            }
            return [gradInput]
        }
    }
}

/// Owns the argmax indices captured by a max-pool backward closure.
final class PoolingIndices: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Int32>
    init(pointer: UnsafeMutablePointer<Int32>) { self.pointer = pointer }
    deinit { pointer.deallocate() }
}

/// Extra bottom/right cells that make floor-mode pooling produce PyTorch's ceil-mode size.
public func ceilModeExtra(_ size: Int, _ kernel: Int, _ stride: Int, _ pad: Int) -> Int {
    let span = size + 2 * pad - kernel
    var outputs = (span + stride - 1) / stride + 1
    if (outputs - 1) * stride >= size + pad { outputs -= 1 }
    return Swift.max(0, (outputs - 1) * stride - span)
}

/// Runs of planes per thread for the pooling passes, taken in turn: with one run each, a thread
/// the VM stalled left the other spinning (3.5 % of LeNet-5's main thread waited in max pooling).
let poolingChunksPerThread = 4

/// One plane's max pooling window by window, by the rule of `fovea_max_pool_gathered` (the first
/// cell of each window, then greater values and the first NaN), for planes too large for its lanes.
func maxPoolWindows(_ g: WindowGeometry, input x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>,
                    winners: UnsafeMutablePointer<Int32>?) {
    let outH = g.outputHeight, outW = g.outputWidth
    for oh in 0..<outH {
        let h0 = oh * g.strideHeight - g.padTop, hs = Swift.max(h0, 0), he = Swift.min(h0 + g.kernelHeight, g.height)
        for ow in 0..<outW {
            let w0 = ow * g.strideWidth - g.padLeft, ws = Swift.max(w0, 0), we = Swift.min(w0 + g.kernelWidth, g.width)
            var best = x[hs * g.width + ws], bestIndex = hs * g.width + ws
            for h in hs..<he {
                for c in ws..<we where !best.isNaN && (x[h * g.width + c] > best || x[h * g.width + c].isNaN) {
                    best = x[h * g.width + c]
                    bestIndex = h * g.width + c
                }
            }
            y[oh * outW + ow] = best
            winners?[oh * outW + ow] = Int32(bestIndex)
        }
    }
}
