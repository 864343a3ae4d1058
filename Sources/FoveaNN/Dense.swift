/// Fully connected layer y = x·Wᵀ + b, weight [out, in] as PyTorch's `nn.Linear`.
public final class Dense: Module {
    public let inFeatures: Int
    public var outFeatures: Int { weight.shape[0] }
    public let activation: Activation?
    public private(set) var weight: Parameter
    public private(set) var bias: Parameter?

    /// PyTorch's default initialisation: weight and bias ~ U(−1/√in, 1/√in).
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, activation: Activation? = nil,
                generator: inout SeededGenerator) {
        precondition(inFeatures > 0 && outFeatures > 0, "Dense(\(inFeatures)→\(outFeatures)): sizes must be positive")
        self.inFeatures = inFeatures; self.activation = activation
        let bound = 1 / Float(inFeatures).squareRoot()
        weight = Parameter(.uniform([outFeatures, inFeatures], low: -bound, high: bound, using: &generator))
        self.bias = bias ? Parameter(.uniform([outFeatures], low: -bound, high: bound, using: &generator)) : nil
    }

    public var ownParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public var details: String { "\(inFeatures)→\(outFeatures)" + (activation.map { ", \($0.rawValue)" } ?? "") }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        guard input.rank == 2, input.shape[1] == inFeatures else {
            throw FoveaError.shape("expects input [N, \(inFeatures)], got \(describe(shape: input.shape))")
        }
        let output = input.linear(weight: weight.value, bias: bias?.value)
        return activation?.apply(output) ?? output
    }

    /// New parameters of `outFeatures` outputs with the default initialisation (a new head for
    /// transfer learning). The old parameters are dropped, so optimisers must be built afterwards.
    public func reinitialise(outFeatures: Int, generator: inout SeededGenerator) {
        let fresh = Dense(inFeatures, outFeatures, bias: bias != nil, activation: activation, generator: &generator)
        weight = fresh.weight
        bias = fresh.bias
    }
}
