import Foundation

/// Knowledge distillation — G. Hinton, O. Vinyals, J. Dean, "Distilling the Knowledge in a
/// Neural Network", 2015: the student matches the teacher's softened probabilities,
///   L = α·T²·KL(softmax(t/T) ‖ softmax(s/T)) + (1 − α)·CE(s, y),
/// the T² keeping the soft term's gradients on the scale of the hard one's.
public struct Distillation {
    public let teacher: Module
    public let temperature: Float
    public let alpha: Float

    public init(teacher: Module, temperature: Float = 4, alpha: Float = 0.9) throws {
        guard temperature > 0, temperature.isFinite else { throw FoveaError.argument("distillation temperature must be positive, got \(temperature)") }
        guard (0...1).contains(alpha) else { throw FoveaError.argument("distillation α must be in [0, 1], got \(alpha)") }
        self.teacher = teacher; self.temperature = temperature; self.alpha = alpha
    }

    /// The teacher's softened probabilities for a batch (inference mode, no gradients).
    public func softTargets(_ images: Tensor) throws -> Tensor {
        try withoutGradients { (try teacher.forward(images, .inference) * (1 / temperature)).softmax() }
    }

    /// The combined loss for student logits; `hardLoss` is the usual cross-entropy of the batch.
    public func loss(studentLogits: Tensor, images: Tensor, hardLoss: Tensor) throws -> Tensor {
        let targets = try softTargets(images)
        guard targets.shape == studentLogits.shape else {
            throw FoveaError.shape("teacher gives \(describe(shape: targets.shape)) but the student \(describe(shape: studentLogits.shape)): the class counts differ")
        }
        // KL = CE(soft targets, student/T) − H(soft targets); the entropy has no gradient but keeps KL ≥ 0.
        let entropy = -(targets * targets.mapValues { $0 > 0 ? Foundation.log($0) : 0 }).sum().item / Float(targets.shape[0])
        let kl = try Loss.crossEntropy(studentLogits * (1 / temperature), targets: targets) - entropy
        return kl * (alpha * temperature * temperature) + hardLoss * (1 - alpha)
    }
}
