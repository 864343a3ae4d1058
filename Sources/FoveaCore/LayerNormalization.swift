/// Layer normalisation (Ba et al. 2016) over the last `normalizedDimensions` axes, as PyTorch's
/// `layer_norm`: (x − mean) / √(var + ε) · weight + bias, with the biased variance.
/// Built from differentiable ops, so its gradient follows from theirs.
extension Tensor {
    public func layerNorm(weight: Tensor, bias: Tensor, normalizedDimensions: Int, epsilon: Float = 1e-5) -> Tensor {
        precondition(normalizedDimensions >= 1 && normalizedDimensions <= rank
                     && Array(shape.suffix(normalizedDimensions)) == weight.shape && weight.shape == bias.shape,
                     "layerNorm: input \(describe(shape: shape)), weight \(describe(shape: weight.shape))")
        let axes = Array((rank - normalizedDimensions)..<rank)
        let centred = self - mean(axes: axes, keepingDims: true)
        let variance = centred.squared().mean(axes: axes, keepingDims: true)
        return centred / (variance + epsilon).sqrt() * weight + bias
    }
}
