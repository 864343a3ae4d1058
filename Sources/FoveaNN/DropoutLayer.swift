/// Inverted dropout (Srivastava et al. 2014): in training each activation is zeroed with
/// probability p and the survivors are scaled by 1/(1 − p); in inference it is the identity.
public final class Dropout: Module {
    public let probability: Float

    public init(_ probability: Float) {
        precondition(probability >= 0 && probability < 1, "Dropout probability \(probability) is outside [0, 1)")
        self.probability = probability
    }

    public var details: String { "p = \(probability)" }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        guard context.isTraining, probability > 0 else { return input }
        return input.dropout(probability: probability, using: &context.random.generator)
    }
}
