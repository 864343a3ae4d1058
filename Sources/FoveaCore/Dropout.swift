/// Inverted dropout: keeps each element with probability 1 − p and scales it by 1/(1 − p),
/// so the expected activation is unchanged and inference needs no rescaling.
extension Tensor {
    public func dropout(probability p: Float, using generator: inout SeededGenerator) -> Tensor {
        precondition(p >= 0 && p < 1, "dropout probability \(p) is outside [0, 1)")
        if p == 0 { return self }
        let scale = 1 / (1 - p)
        let mask = Tensor(uninitializedShape: shape)
        for i in 0..<count { mask.pointer[i] = generator.nextUnitFloat() >= p ? scale : 0 }
        let result = Tensor.binary(self, mask, "dropout", *)
        return Tensor.record(result, op: "dropout", inputs: [self]) { g, _ in [Tensor.binary(g, mask, "dropout", *)] }
    }
}
