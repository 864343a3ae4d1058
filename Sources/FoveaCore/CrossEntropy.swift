/// Softmax cross-entropy fused with its gradient (softmax − target) / N.
extension Tensor {
    /// Mean over the batch of −log softmax(logits)[label]; logits [N, K], labels in 0..<K.
    public func softmaxCrossEntropy(labels: [Int]) -> Tensor {
        precondition(rank == 2 && shape[0] == labels.count,
                     "cross-entropy: logits \(describe(shape: shape)) for \(labels.count) labels")
        let batch = shape[0], classes = shape[1]
        precondition(labels.allSatisfy { (0..<classes).contains($0) }, "cross-entropy: a label is outside 0..<\(classes)")
        let logProbabilities = logSoftmaxValues()
        var total: Double = 0
        for n in 0..<batch { total -= Double(logProbabilities.pointer[n * classes + labels[n]]) }
        let result = Tensor(scalar: Float(total / Double(Swift.max(batch, 1))))
        return Tensor.record(result, op: "crossEntropy", inputs: [self]) { g, _ in
            let scale = g.item / Float(Swift.max(batch, 1))
            let grad = logProbabilities.mapValues { libmExp($0) * scale }
            for n in 0..<batch { grad.pointer[n * classes + labels[n]] -= scale }
            return [grad]
        }
    }

    /// Mean over the batch of −Σₖ targetₖ · log softmax(logits)ₖ, for soft labels (one-hot,
    /// smoothed, MixUp/CutMix mixtures, a teacher's probabilities). targets [N, K].
    public func softmaxCrossEntropy(targets: Tensor) -> Tensor {
        precondition(rank == 2 && targets.shape == shape,
                     "cross-entropy: logits \(describe(shape: shape)) and targets \(describe(shape: targets.shape))")
        let batch = shape[0], classes = shape[1]
        let logProbabilities = logSoftmaxValues()
        var total: Double = 0
        for i in 0..<count { total -= Double(targets.pointer[i]) * Double(logProbabilities.pointer[i]) }
        let result = Tensor(scalar: Float(total / Double(Swift.max(batch, 1))))
        let t = targets.detached()
        return Tensor.record(result, op: "softCrossEntropy", inputs: [self, targets]) { g, needs in
            let scale = g.item / Float(Swift.max(batch, 1))
            var gradLogits: Tensor?, gradTargets: Tensor?
            if needs[0] {  // (softmax · Σt − t) / N per row
                let grad = Tensor(uninitializedShape: [batch, classes])
                for n in 0..<batch {
                    var mass: Float = 0
                    for k in 0..<classes { mass += t.pointer[n * classes + k] }
                    for k in 0..<classes {
                        let i = n * classes + k
                        grad.pointer[i] = (libmExp(logProbabilities.pointer[i]) * mass - t.pointer[i]) * scale
                    }
                }
                gradLogits = grad
            }
            if needs[1] { gradTargets = logProbabilities.mapValues { -$0 * scale } }
            return [gradLogits, gradTargets]
        }
    }
}
