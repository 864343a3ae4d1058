/// Parameters and buffers by PyTorch `state_dict` name, and loading them back with checks.
extension Module {
    public func stateDict() -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (name, parameter) in namedParameters { result[name] = parameter.value.detached() }
        for (name, buffer) in namedBuffers { result[name] = buffer.value }
        return result
    }

    /// Copies values in by name. Missing, unexpected or mis-shaped keys are one error listing them all.
    public func loadStateDict(_ state: [String: Tensor], source: String = "state dict") throws {
        let parameters = Dictionary(namedParameters.map { ($0.name, $0.parameter) }, uniquingKeysWith: { a, _ in a })
        let buffers = Dictionary(namedBuffers.map { ($0.name, $0.buffer) }, uniquingKeysWith: { a, _ in a })
        let expected = Set(parameters.keys).union(buffers.keys)
        let missing = expected.subtracting(state.keys).sorted()
        let unexpected = Set(state.keys).subtracting(expected).sorted()
        var mismatched: [String] = []
        for (name, value) in state {
            let shape = parameters[name]?.shape ?? buffers[name]?.value.shape
            if let shape, shape != value.shape {
                mismatched.append("\(name): file \(describe(shape: value.shape)), model \(describe(shape: shape))")
            }
        }
        guard missing.isEmpty, unexpected.isEmpty, mismatched.isEmpty else {
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing keys: \(missing.joined(separator: ", "))") }
            if !unexpected.isEmpty { parts.append("unexpected keys: \(unexpected.joined(separator: ", "))") }
            if !mismatched.isEmpty { parts.append("shape mismatches: \(mismatched.sorted().joined(separator: "; "))") }
            throw FoveaError.shape("\(source) does not fit the model — " + parts.joined(separator: "; "))
        }
        for (name, value) in state {
            if let parameter = parameters[name] { parameter.assign(value) } else { buffers[name]!.value = value.copy() }
        }
    }
}
