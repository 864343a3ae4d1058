/// Per-parameter optimiser settings chosen by name, like PyTorch's parameter groups:
/// which parameters get no weight decay (typically biases and normalisation scales) and a
/// learning-rate multiplier per name prefix (discriminative fine-tuning: a smaller rate for
/// the encoder than for the new head).
public struct ParameterGroups: Sendable, Equatable {
    public var noWeightDecay: Set<String>
    /// (prefix, multiplier); the first matching prefix wins, no match means 1.
    public var learningRateScales: [Scale]

    public struct Scale: Sendable, Equatable, Codable {
        public let prefix: String, multiplier: Float
        public init(prefix: String, multiplier: Float) { self.prefix = prefix; self.multiplier = multiplier }
    }

    public init(noWeightDecay: Set<String> = [], learningRateScales: [Scale] = []) {
        self.noWeightDecay = noWeightDecay
        self.learningRateScales = learningRateScales
    }

    /// Biases and normalisation parameters (every parameter of rank < 2) exempt from decay.
    public static func noDecayOnBiasesAndNorms(_ module: Module, scales: [Scale] = []) -> ParameterGroups {
        ParameterGroups(noWeightDecay: Set(module.namedParameters.filter { $0.parameter.value.rank < 2 }.map(\.name)),
                        learningRateScales: scales)
    }

    public func learningRateScale(for name: String) -> Float {
        learningRateScales.first { name == $0.prefix || name.hasPrefix($0.prefix + ".") }?.multiplier ?? 1
    }

    public func weightDecay(_ decay: Float, for name: String) -> Float { noWeightDecay.contains(name) ? 0 : decay }
}
