import CKernels

/// Elementwise functions and their derivatives.
extension Tensor {
    /// Applies `f` to every element; no gradient. Large tensors are split over the pool.
    @inline(__always)
    public func mapValues(_ f: (Float) -> Float) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        let source = pointer, destination = result.pointer
        ThreadPool.shared.parallelElements(count) { range in
            for i in range { destination[i] = f(source[i]) }
        }
        return result
    }

    /// An elementwise op whose derivative is a function of the input x and output y.
    @inline(__always)
    public func mapped(_ name: String, _ f: (Float) -> Float,
                derivative: @escaping (_ x: Float, _ y: Float) -> Float) -> Tensor {
        let result = mapValues(f)
        let input = detached(), output = result.detached()
        return Tensor.record(result, op: name, inputs: [self]) { g, _ in
            let grad = Tensor(uninitializedShape: g.shape)
            let pg = g.pointer, px = input.pointer, py = output.pointer, pr = grad.pointer
            for i in 0..<g.count { pr[i] = pg[i] * derivative(px[i], py[i]) }
            return [grad]
        }
    }

    public func exp() -> Tensor { mapped("exp", { libmExp($0) }, derivative: { _, y in y }) }
    public func log() -> Tensor { mapped("log", { libmLog($0) }, derivative: { x, _ in 1 / x }) }
    public func sqrt() -> Tensor { mapped("sqrt", { $0.squareRoot() }, derivative: { _, y in 0.5 / y }) }
    public func tanh() -> Tensor { mapped("tanh", { libmTanh($0) }, derivative: { _, y in 1 - y * y }) }
    public func sigmoid() -> Tensor {
        mapped("sigmoid", { 1 / (1 + libmExp(-$0)) }, derivative: { _, y in y * (1 - y) })
    }
    /// max(x, 0), NaN passing through; the gradient dy where the output is > 0, else 0 (as the
    /// fused ReLUs' mask, `FusedActivation.maskGradient`, and PyTorch's threshold_backward: a NaN or
    /// infinite dy where x ≤ 0 gives 0). In C over vector lanes (`mapped`'s closure per element:
    /// 0.7 % of LeNet-5's training step, on one thread; now 0.2 %).
    public func relu() -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        ThreadPool.shared.parallelElements(count) { r in fovea_relu(pointer + r.lowerBound, result.pointer + r.lowerBound, r.count) }
        let output = result.detached()
        return Tensor.record(result, op: "relu", inputs: [self]) { g, _ in
            let grad = Tensor(uninitializedShape: g.shape)
            ThreadPool.shared.parallelElements(g.count) { r in
                let i = r.lowerBound
                FusedActivation.relu.maskGradient(g.pointer + i, output: output.pointer + i, into: grad.pointer + i, count: r.count)
            }
            return [grad]
        }
    }
    public func squared() -> Tensor { mapped("square", { $0 * $0 }, derivative: { x, _ in 2 * x }) }
    public func abs() -> Tensor {
        mapped("abs", { Swift.abs($0) }, derivative: { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) })
    }
    public func pow(_ p: Float) -> Tensor {
        mapped("pow", { libmPow($0, p) }, derivative: { x, _ in p * libmPow(x, p - 1) })
    }
}

