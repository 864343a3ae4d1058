/// Multi-head scaled dot-product self-attention (Vaswani et al. 2017) over [N, T, D], with
/// PyTorch's packed parameters: `inProjectionWeight` [3D, D] and bias [3D] make queries, keys and
/// values; `outProjectionWeight` [D, D] and bias mix the heads. Composed of differentiable ops, so
/// its gradient comes from theirs. `attentionWeights`, if given, transforms the softmax weights
/// (attention dropout in training).
extension Tensor {
    public func multiheadSelfAttention(heads: Int, inProjectionWeight: Tensor, inProjectionBias: Tensor?,
                                       outProjectionWeight: Tensor, outProjectionBias: Tensor?,
                                       attentionWeights: ((Tensor) -> Tensor)? = nil) -> Tensor {
        precondition(rank == 3 && shape[2] % heads == 0 && inProjectionWeight.shape == [3 * shape[2], shape[2]]
                     && outProjectionWeight.shape == [shape[2], shape[2]],
                     "multiheadSelfAttention: input \(describe(shape: shape)), \(heads) heads, in-projection \(describe(shape: inProjectionWeight.shape))")
        let (batch, tokens, d) = (shape[0], shape[1], shape[2])
        let headSize = d / heads
        let packed = reshaped([batch * tokens, d]).linear(weight: inProjectionWeight, bias: inProjectionBias)
        // [N, T, 3, H, hd] → [3, N, H, T, hd]: queries, keys and values, one [N·H, T, hd] batch each.
        let split = packed.reshaped([batch, tokens, 3, heads, headSize]).permuted([2, 0, 3, 1, 4])
        func part(_ i: Int) -> Tensor { split.slice(axis: 0, i..<(i + 1)).reshaped([batch * heads, tokens, headSize]) }
        var weights = (part(0).matmul(part(1).transposed()) * (1 / Float(headSize).squareRoot())).softmax()
        if let attentionWeights { weights = attentionWeights(weights) }
        let attended = weights.matmul(part(2))
            .reshaped([batch, heads, tokens, headSize]).permuted([0, 2, 1, 3]).reshaped([batch * tokens, d])
        return attended.linear(weight: outProjectionWeight, bias: outProjectionBias).reshaped([batch, tokens, d])
    }
}
