
/// Softmax and log-softmax over the last axis, computed stably (max subtracted).
extension Tensor {
    /// Row-wise log-softmax values for a [rows, classes] view, no gradient.
    func logSoftmaxValues() -> Tensor {
        let classes = shape.last ?? 1, rows = count / Swift.max(classes, 1)
        let result = Tensor(uninitializedShape: shape)
        for r in 0..<rows {
            let x = pointer + r * classes, y = result.pointer + r * classes
            var maximum = -Float.infinity
            for k in 0..<classes { maximum = Swift.max(maximum, x[k]) }
            var sum: Double = 0
            for k in 0..<classes { sum += Double(libmExp(x[k] - maximum)) }
            let logSum = maximum + Float(libmLog(sum))
            for k in 0..<classes { y[k] = x[k] - logSum }
        }
        return result
    }

    public func logSoftmax() -> Tensor {
        let result = logSoftmaxValues()
        let output = result.detached()
        let classes = shape.last ?? 1
        return Tensor.record(result, op: "logSoftmax", inputs: [self]) { g, _ in
            // dx = g − softmax · Σg
            let grad = Tensor(uninitializedShape: g.shape)
            for r in 0..<(g.count / Swift.max(classes, 1)) {
                let gr = g.pointer + r * classes, y = output.pointer + r * classes, dx = grad.pointer + r * classes
                var total: Float = 0
                for k in 0..<classes { total += gr[k] }
                for k in 0..<classes { dx[k] = gr[k] - libmExp(y[k]) * total }
            }
            return [grad]
        }
    }

    public func softmax() -> Tensor {
        let result = logSoftmaxValues().mapValues { libmExp($0) }
        let output = result.detached()
        let classes = shape.last ?? 1
        return Tensor.record(result, op: "softmax", inputs: [self]) { g, _ in
            // dx = y ⊙ (g − Σ g⊙y)
            let grad = Tensor(uninitializedShape: g.shape)
            for r in 0..<(g.count / Swift.max(classes, 1)) {
                let gr = g.pointer + r * classes, y = output.pointer + r * classes, dx = grad.pointer + r * classes
                var dot: Float = 0
                for k in 0..<classes { dot += gr[k] * y[k] }
                for k in 0..<classes { dx[k] = y[k] * (gr[k] - dot) }
            }
            return [grad]
        }
    }
}

