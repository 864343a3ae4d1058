/// Classification losses. They check their inputs and throw with the shapes involved.
public enum Loss {
    /// Softmax cross-entropy against integer labels, averaged over the batch. With
    /// `labelSmoothing` α the target is y(1 − α) + α/K, as PyTorch's `label_smoothing`.
    public static func crossEntropy(_ logits: Tensor, labels: [Int], labelSmoothing: Float = 0) throws -> Tensor {
        guard logits.rank == 2, logits.shape[0] == labels.count else {
            throw FoveaError.shape("cross-entropy: logits \(describe(shape: logits.shape)) do not match \(labels.count) labels")
        }
        let classes = logits.shape[1]
        if let bad = labels.first(where: { !(0..<classes).contains($0) }) {
            throw FoveaError.argument("cross-entropy: label \(bad) is outside 0..<\(classes) (the model has \(classes) outputs)")
        }
        guard (0..<1).contains(labelSmoothing) else {
            throw FoveaError.argument("label smoothing \(labelSmoothing) is outside [0, 1)")
        }
        if labelSmoothing == 0 { return logits.softmaxCrossEntropy(labels: labels) }
        return logits.softmaxCrossEntropy(targets: oneHot(labels, classes: classes, smoothing: labelSmoothing))
    }

    /// Softmax cross-entropy against soft targets [N, K] (one-hot, mixed, a teacher's probabilities).
    public static func crossEntropy(_ logits: Tensor, targets: Tensor) throws -> Tensor {
        guard logits.rank == 2, targets.shape == logits.shape else {
            throw FoveaError.shape("cross-entropy: logits \(describe(shape: logits.shape)) and targets \(describe(shape: targets.shape)) differ")
        }
        return logits.softmaxCrossEntropy(targets: targets)
    }

    /// One-hot rows, optionally smoothed: y(1 − α) + α/K.
    public static func oneHot(_ labels: [Int], classes: Int, smoothing: Float = 0) -> Tensor {
        let result = Tensor(repeating: smoothing / Float(classes), shape: [labels.count, classes])
        for (n, label) in labels.enumerated() { result.pointer[n * classes + label] += 1 - smoothing }
        return result
    }
}
