/// Updates parameters from their accumulated gradients. Frozen parameters are skipped.
public protocol Optimizer: AnyObject {
    var learningRate: Float { get set }
    var parameters: [(name: String, parameter: Parameter)] { get }
    /// Per-parameter learning-rate multipliers and weight-decay exemptions.
    var groups: ParameterGroups { get set }
    /// Applies one update from the current gradients.
    func step()
    /// Per-parameter state (moments) by "parameter name/slot", for checkpoints.
    var state: [String: Tensor] { get }
    func loadState(_ state: [String: Tensor]) throws
}

extension Optimizer {
    public func zeroGrad() { parameters.forEach { $0.parameter.zeroGrad() } }
}

/// Lazily created per-parameter tensors (momentum, moments), keyed by parameter name.
final class SlotStore {
    private(set) var slots: [String: Tensor] = [:]

    func slot(_ key: String, shape: [Int]) -> Tensor {
        if let existing = slots[key] { return existing }
        let fresh = Tensor(zeros: shape)
        slots[key] = fresh
        return fresh
    }

    func load(_ state: [String: Tensor], parameters: [(name: String, parameter: Parameter)], slotNames: [String]) throws {
        var loaded: [String: Tensor] = [:]
        let shapes = Dictionary(parameters.map { ($0.name, $0.parameter.shape) }, uniquingKeysWith: { a, _ in a })
        for (key, value) in state {
            guard let slash = key.lastIndex(of: "/"), slotNames.contains(String(key[key.index(after: slash)...])),
                  let shape = shapes[String(key[..<slash])] else {
                throw FoveaError.format("optimiser state has an unknown entry '\(key)'")
            }
            guard shape == value.shape else {
                throw FoveaError.shape("optimiser state '\(key)' has shape \(describe(shape: value.shape)), the parameter \(describe(shape: shape))")
            }
            loaded[key] = value.copy()
        }
        slots = loaded
    }
}
