import Foundation

/// Identity forward, −λ·gradient backward (Ganin & Lempitsky 2015). λ is a `var` so a training
/// loop can ramp it, as domain-adversarial training does: λ_p = 2 / (1 + e^(−10p)) − 1.
public final class GradientReversal: Module {
    public var scale: Float

    public init(scale: Float = 1) { self.scale = scale }

    public var details: String { "λ = \(scale)" }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        input.reversingGradient(scale: scale)
    }

    /// The schedule of the DANN paper for training progress p ∈ [0, 1].
    public static func rampedScale(progress p: Double, gamma: Double = 10) -> Float {
        Float(2 / (1 + Foundation.exp(-gamma * p)) - 1)
    }
}
