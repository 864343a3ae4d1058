/// Layers that know the multiply-accumulates of their forward pass, from their input and output
/// shapes (batch included). Summaries add them up for `fovea models` and `fovea summary`; FLOPs
/// are reported as 2 × MACs. Elementwise work (activations, norms, pooling) is not counted, as
/// is the convention for these tables.
public protocol MultiplyAccumulateCounting {
    func multiplyAccumulates(input: [Int], output: [Int]) -> Int
}

extension Conv2D: MultiplyAccumulateCounting {
    public func multiplyAccumulates(input: [Int], output: [Int]) -> Int {
        output.reduce(1, *) * (inChannels / groups) * kernelSize.0 * kernelSize.1
    }
}

extension Conv1D: MultiplyAccumulateCounting {
    public func multiplyAccumulates(input: [Int], output: [Int]) -> Int { output.reduce(1, *) * (inChannels / groups) * kernelSize }
}

extension Conv3D: MultiplyAccumulateCounting {
    public func multiplyAccumulates(input: [Int], output: [Int]) -> Int {
        output.reduce(1, *) * (inChannels / groups) * kernelSize.reduce(1, *)
    }
}

extension Dense: MultiplyAccumulateCounting {
    public func multiplyAccumulates(input: [Int], output: [Int]) -> Int { output.reduce(1, *) * inFeatures }
}

extension MultiheadAttention: MultiplyAccumulateCounting {
    /// Projections in (3·D²) and out (D²) per token, plus QKᵀ and weights·V (2·T·D per token).
    public func multiplyAccumulates(input: [Int], output: [Int]) -> Int {
        let tokens = input[0] * input[1], d = embedDimension
        return tokens * (4 * d * d + 2 * input[1] * d)
    }
}
