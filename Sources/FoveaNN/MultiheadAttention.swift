/// Multi-head self-attention — A. Vaswani et al., "Attention Is All You Need", NeurIPS 2017 —
/// over [N, T, D] (batch first), with PyTorch's `nn.MultiheadAttention` parameters: a packed
/// `in_proj_weight` [3D, D] / `in_proj_bias` for queries, keys and values, and `out_proj`.
public final class MultiheadAttention: Module {
    public let embedDimension: Int, heads: Int
    public let dropout: Float
    public let inProjectionWeight: Parameter, inProjectionBias: Parameter
    public let outProjection: Dense

    /// PyTorch's initialisation: Xavier-uniform packed projection, zero biases.
    public init(embedDimension: Int, heads: Int, dropout: Float = 0, generator g: inout SeededGenerator) {
        precondition(embedDimension > 0 && heads > 0 && embedDimension % heads == 0,
                     "MultiheadAttention: embedding \(embedDimension) must be a positive multiple of \(heads) heads")
        self.embedDimension = embedDimension; self.heads = heads; self.dropout = dropout
        inProjectionWeight = Parameter(.xavierUniform([3 * embedDimension, embedDimension], fanIn: embedDimension,
                                                      fanOut: 3 * embedDimension, using: &g))
        inProjectionBias = Parameter(Tensor(zeros: [3 * embedDimension]))
        outProjection = Dense(embedDimension, embedDimension, generator: &g)
        outProjection.bias?.assign(Tensor(zeros: [embedDimension]))
    }

    public var ownParameters: [(name: String, parameter: Parameter)] {
        [("in_proj_weight", inProjectionWeight), ("in_proj_bias", inProjectionBias)]
    }
    public var children: [(name: String, module: Module)] { [("out_proj", outProjection)] }
    public var summarisedAsOneRow: Bool { true }
    public var details: String { "\(embedDimension), \(heads) heads" }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        guard input.rank == 3, input.shape[2] == embedDimension else {
            throw FoveaError.shape("expects input [N, T, \(embedDimension)], got \(describe(shape: input.shape))")
        }
        let random = context.random, p = dropout
        let dropWeights: ((Tensor) -> Tensor)? = context.isTraining && p > 0 ? { $0.dropout(probability: p, using: &random.generator) } : nil
        return input.multiheadSelfAttention(heads: heads, inProjectionWeight: inProjectionWeight.value, inProjectionBias: inProjectionBias.value,
                                            outProjectionWeight: outProjection.weight.value, outProjectionBias: outProjection.bias?.value,
                                            attentionWeights: dropWeights)
    }
}
