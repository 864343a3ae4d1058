/// 3-D convolution (volumes, video) by vol2col + GEMM, parallel over the batch.
///
/// input [N, C, D, H, W], weight [O, C/groups, kd, kh, kw], bias [O] → [N, O, Dout, Hout, Wout],
/// as PyTorch's `conv3d` with symmetric padding.
public struct VolumeGeometry: Equatable, Sendable {
    public var channels: Int
    public var size: [Int], kernel: [Int], stride: [Int], padding: [Int], dilation: [Int]

    public init(channels: Int, size: [Int], kernel: [Int], stride: [Int], padding: [Int], dilation: [Int]) {
        self.channels = channels; self.size = size; self.kernel = kernel
        self.stride = stride; self.padding = padding; self.dilation = dilation
    }

    public var outputSize: [Int] {
        (0..<3).map { (size[$0] + 2 * padding[$0] - dilation[$0] * (kernel[$0] - 1) - 1) / stride[$0] + 1 }
    }
    public var isValid: Bool {
        (0..<3).allSatisfy { (axis: Int) -> Bool in
            let positive = kernel[axis] > 0 && stride[axis] > 0 && dilation[axis] > 0 && padding[axis] >= 0
            let span: Int = dilation[axis] * (kernel[axis] - 1) + 1
            return positive && size[axis] + 2 * padding[axis] >= span
        }
    }
    var patch: Int { channels * kernel[0] * kernel[1] * kernel[2] }
    var outVolume: Int { outputSize.reduce(1, *) }
    var inVolume: Int { size.reduce(1, *) }

    /// Calls `body(row, column, inputOffset)` for every in-bounds cell of the column matrix.
    @inline(__always)
    func forEachCell(_ body: (Int, Int, Int) -> Void) {
        let out = outputSize
        var row = 0
        for c in 0..<channels {
            for kd in 0..<kernel[0] {
                for kh in 0..<kernel[1] {
                    for kw in 0..<kernel[2] {
                        var column = 0
                        for od in 0..<out[0] {
                            let d = od * stride[0] - padding[0] + kd * dilation[0]
                            for oh in 0..<out[1] {
                                let h = oh * stride[1] - padding[1] + kh * dilation[1]
                                for ow in 0..<out[2] {
                                    let w = ow * stride[2] - padding[2] + kw * dilation[2]
                                    if d >= 0 && d < size[0] && h >= 0 && h < size[1] && w >= 0 && w < size[2] {
                                        body(row, column, ((c * size[0] + d) * size[1] + h) * size[2] + w)
                                    }
                                    column += 1
                                }
                            }
                        }
                        row += 1
                    }
                }
            }
        }
    }

    /// Unfolds one group of one volume into columns [patch, outVolume] (zeros in the padding).
    func vol2col(_ input: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>) {
        columns.initialize(repeating: 0, count: patch * outVolume)
        let n = outVolume
        forEachCell { row, column, offset in columns[row * n + column] = input[offset] }
    }

    /// Adds columns back into the volume gradient (the adjoint of `vol2col`).
    func col2vol(_ columns: UnsafePointer<Float>, _ gradient: UnsafeMutablePointer<Float>) {
        let n = outVolume
        forEachCell { row, column, offset in gradient[offset] += columns[row * n + column] }
    }
}

extension Tensor {
    public func conv3d(weight: Tensor, bias: Tensor?, stride: [Int] = [1, 1, 1], padding: [Int] = [0, 0, 0],
                       dilation: [Int] = [1, 1, 1], groups: Int = 1) -> Tensor {
        precondition(rank == 5 && weight.rank == 5, "conv3d: input \(describe(shape: shape)), weight \(describe(shape: weight.shape))")
        let batch = shape[0], outChannels = weight.shape[0]
        precondition(groups > 0 && shape[1] % groups == 0 && outChannels % groups == 0 && weight.shape[1] * groups == shape[1],
                     "conv3d: input \(describe(shape: shape)) does not fit weight \(describe(shape: weight.shape)) with \(groups) groups")
        let g = VolumeGeometry(channels: shape[1] / groups, size: Array(shape[2...]), kernel: Array(weight.shape[2...]),
                               stride: stride, padding: padding, dilation: dilation)
        precondition(g.isValid, "conv3d: kernel \(describe(shape: Array(weight.shape[2...]))) does not fit input \(describe(shape: shape))")
        let outGroup = outChannels / groups, k = g.patch, n = g.outVolume
        let inImage = shape[1] * g.inVolume, outImage = outChannels * n
        let result = Tensor(uninitializedShape: [batch, outChannels] + g.outputSize)
        let x = pointer, w = weight.pointer, y = result.pointer, b = bias?.pointer
        ThreadPool.shared.parallelFor(batch) { image in
            let columns = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, k * n))
            defer { columns.deallocate() }
            for group in 0..<groups {
                g.vol2col(x + image * inImage + group * g.channels * g.inVolume, columns)
                let out = y + image * outImage + group * outGroup * n
                gemm(m: outGroup, n: n, k: k, a: w + group * outGroup * k, lda: k, b: columns, ldb: n, c: out, ldc: n)
                if let b {
                    for o in 0..<outGroup { let bias = b[group * outGroup + o]; for i in 0..<n { out[o * n + i] += bias } }
                }
            }
        }
        let input = detached(), kernel = weight.detached()
        var inputs = [self, weight]
        if let bias { inputs.append(bias) }
        return Tensor.record(result, op: "conv3d", inputs: inputs) { grad, needs in
            let gradInput = needs[0] ? Tensor(zeros: input.shape) : nil
            let gradWeight = needs[1] ? Tensor(zeros: kernel.shape) : nil
            let gradBias = needs.count > 2 && needs[2] ? Tensor(zeros: [outChannels]) : nil
            let dy = grad.pointer, xs = input.pointer, ws = kernel.pointer
            // Weight gradients are summed over images, so each image's share is kept apart and added after.
            let shares = (0..<batch).map { _ in needs[1] ? Tensor(zeros: kernel.shape) : nil }
            ThreadPool.shared.parallelFor(batch) { image in
                let columns = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, k * n))
                defer { columns.deallocate() }
                for group in 0..<groups {
                    let dOut = dy + image * outImage + group * outGroup * n
                    if let share = shares[image] {
                        g.vol2col(xs + image * inImage + group * g.channels * g.inVolume, columns)
                        gemm(transposeB: true, m: outGroup, n: k, k: n, a: dOut, lda: n, b: columns, ldb: n,
                             c: share.pointer + group * outGroup * k, ldc: k)
                    }
                    if let gradInput {
                        gemm(transposeA: true, m: k, n: n, k: outGroup, a: ws + group * outGroup * k, lda: k, b: dOut, ldb: n,
                             c: columns, ldc: n)
                        g.col2vol(columns, gradInput.pointer + image * inImage + group * g.channels * g.inVolume)
                    }
                }
            }
            if let gradWeight {
                for case let share? in shares { for i in 0..<share.count { gradWeight.pointer[i] += share.pointer[i] } }
            }
            if let gradBias {
                for image in 0..<batch {
                    for o in 0..<outChannels {
                        var sum: Float = 0
                        for i in 0..<n { sum += dy[image * outImage + o * n + i] }
                        gradBias.pointer[o] += sum
                    }
                }
            }
            return [gradInput, gradWeight, gradBias]
        }
    }
}
