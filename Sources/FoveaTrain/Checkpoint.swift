import Foundation

/// Everything a run needs to continue exactly where it stopped: weights, optimiser moments,
/// epoch, history, the dropout generator's state, the plateau scheduler's state and the
/// options the run was started with. One safetensors file, written atomically, so a crash
/// mid-write leaves the previous checkpoint intact; a checksum over the tensor bytes catches
/// tampering.
public struct Checkpoint {
    public struct Metadata: Codable, Equatable, Sendable {
        public var model: ModelConfiguration
        public var epoch: Int
        public var history: [EpochRecord]
        public var randomState: [UInt64]
        public var plateau: ReduceOnPlateau?
        public var bestValue: Double?
        public var bestEpoch: Int?
        /// The run's options as the front end saved them (the CLI stores its arguments here).
        public var options: String

        enum CodingKeys: String, CodingKey {
            case model, epoch, history, plateau, options
            case randomState = "random_state", bestValue = "best_value", bestEpoch = "best_epoch"
        }
    }

    public let metadata: Metadata
    public let weights: [String: Tensor]
    public let optimizerState: [String: Tensor]

    public static func write(model: Module, optimizer: Optimizer, metadata: Metadata, to path: String) throws {
        var tensors: [String: Tensor] = [:]
        for (name, tensor) in model.stateDict() { tensors["model/" + name] = tensor }
        for (name, tensor) in optimizer.state { tensors["optimizer/" + name] = tensor }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(metadata), as: UTF8.self)
        try Safetensors.write(tensors, metadata: ["fovea_checkpoint": json, "checksum": checksum(tensors)], to: path)
    }

    public static func read(_ path: String) throws -> Checkpoint {
        let (tensors, fileMetadata) = try Safetensors.read(path)
        guard let json = fileMetadata["fovea_checkpoint"], let stored = fileMetadata["checksum"] else {
            throw FoveaError.format("\(path): not a Fovea checkpoint (no checkpoint metadata)")
        }
        guard stored == checksum(tensors) else {
            throw FoveaError.format("\(path): checkpoint is corrupt or was modified (checksum mismatch)")
        }
        let metadata: Metadata
        do {
            metadata = try JSONDecoder().decode(Metadata.self, from: Data(json.utf8))
        } catch {
            throw FoveaError.format("\(path): checkpoint metadata is unreadable (\(error))")
        }
        var weights: [String: Tensor] = [:], optimizerState: [String: Tensor] = [:]
        for (name, tensor) in tensors {
            if name.hasPrefix("model/") { weights[String(name.dropFirst(6))] = tensor }
            else if name.hasPrefix("optimizer/") { optimizerState[String(name.dropFirst(10))] = tensor }
            else { throw FoveaError.format("\(path): unexpected tensor '\(name)' in checkpoint") }
        }
        return Checkpoint(metadata: metadata, weights: weights, optimizerState: optimizerState)
    }

    /// FNV-1a over names, shapes and float bits in name order.
    static func checksum(_ tensors: [String: Tensor]) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        for name in tensors.keys.sorted() {
            let tensor = tensors[name]!
            name.utf8.forEach(mix)
            for d in tensor.shape { withUnsafeBytes(of: UInt64(d).littleEndian) { $0.forEach(mix) } }
            for i in 0..<tensor.count { withUnsafeBytes(of: tensor.pointer[i].bitPattern.littleEndian) { $0.forEach(mix) } }
        }
        return String(hash, radix: 16)
    }
}
