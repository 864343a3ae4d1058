/// Stochastic depth ("drop path") — G. Huang, Y. Sun, Z. Liu, D. Sedra, K. Weinberger,
/// "Deep Networks with Stochastic Depth", ECCV 2016.
///
/// In training, each sample's residual branch is dropped with probability p and the kept ones
/// are scaled by 1/(1 − p) (torchvision's `StochasticDepth(p, "row")`); in inference, identity.
public final class StochasticDepth: Module {
    public let probability: Float

    public init(_ probability: Float) {
        precondition(probability >= 0 && probability < 1, "StochasticDepth probability \(probability) is outside [0, 1)")
        self.probability = probability
    }

    public var details: String { "p = \(probability)" }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        guard context.isTraining, probability > 0 else { return input }
        let batch = input.shape[0], keep = 1 - probability
        let mask = Tensor(zeros: [batch] + Array(repeating: 1, count: input.rank - 1))
        for i in 0..<batch where context.random.generator.nextUnitFloat() < keep { mask.pointer[i] = 1 / keep }
        return input * mask
    }
}
