/// Layer normalisation over the trailing `normalizedShape`, as PyTorch's `nn.LayerNorm`.
public final class LayerNorm: Module {
    public let normalizedShape: [Int], epsilon: Float
    public let weight: Parameter, bias: Parameter

    public init(_ normalizedShape: [Int], epsilon: Float = 1e-5) {
        precondition(!normalizedShape.isEmpty && normalizedShape.allSatisfy { $0 > 0 }, "LayerNorm needs a positive shape")
        self.normalizedShape = normalizedShape; self.epsilon = epsilon
        weight = Parameter(Tensor(ones: normalizedShape))
        bias = Parameter(Tensor(zeros: normalizedShape))
    }

    public var ownParameters: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }
    public var details: String { normalizedShape.map(String.init).joined(separator: "×") }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        guard input.rank >= normalizedShape.count, Array(input.shape.suffix(normalizedShape.count)) == normalizedShape else {
            throw FoveaError.shape("normalises trailing \(describe(shape: normalizedShape)), got input \(describe(shape: input.shape))")
        }
        return input.layerNorm(weight: weight.value, bias: bias.value, normalizedDimensions: normalizedShape.count, epsilon: epsilon)
    }
}
