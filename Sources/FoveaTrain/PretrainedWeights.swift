import Foundation

/// Weights to start from: a Fovea run folder (`model.safetensors`) or any safetensors file with
/// PyTorch/torchvision `state_dict` names (`safetensors.torch.save_file(model.state_dict(), …)`).
public enum PretrainedWeights {
    public static func read(_ path: String) throws -> [String: Tensor] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FoveaError.io("\(path): no such run folder or weights file")
        }
        return try Safetensors.read(isDirectory.boolValue ? path + "/model.safetensors" : path).tensors
    }

    /// Loads `weights` into `model`. When only the classifier head differs in shape (another class
    /// count), the head keeps its fresh initialisation and the result says so; any other missing,
    /// unexpected or mis-shaped key is an error listing them.
    @discardableResult
    public static func load(_ weights: [String: Tensor], into model: Module, source: String) throws -> (headReplaced: Bool, loaded: Int) {
        var state = model.stateDict()
        let headPrefix = model.head.map { $0.path + "." } ?? "\u{0}"
        var headReplaced = false, unexpected: [String] = [], mismatched: [String] = [], loaded = 0
        for (name, value) in weights {
            guard let current = state[name] else { unexpected.append(name); continue }
            if current.shape != value.shape {
                if name.hasPrefix(headPrefix) { headReplaced = true; continue }
                mismatched.append("\(name): file \(describe(shape: value.shape)), model \(describe(shape: current.shape))")
                continue
            }
            state[name] = value
            loaded += 1
        }
        // A new head keeps its fresh weights; num_batches_tracked is bookkeeping older files may lack.
        let missing = state.keys.filter { weights[$0] == nil && !$0.hasSuffix("num_batches_tracked") && !(headReplaced && $0.hasPrefix(headPrefix)) }
        var problems: [String] = []
        for (label, keys) in [("missing", missing), ("unexpected", unexpected), ("mis-shaped", mismatched)] where !keys.isEmpty {
            problems.append("\(label) \(keys.sorted().prefix(6).joined(separator: ", "))\(keys.count > 6 ? " (\(keys.count) in all)" : "")")
        }
        guard problems.isEmpty else { throw FoveaError.shape("\(source) does not fit \(model.typeName): \(problems.joined(separator: "; "))") }
        try model.loadStateDict(state, source: source)
        return (headReplaced, loaded)
    }
}
