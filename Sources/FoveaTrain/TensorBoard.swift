import Foundation

/// Writes TensorBoard event files (TFRecord framing around `tensorflow.Event` protobufs) with
/// scalar summaries, readable by TensorBoard and its `EventAccumulator` without TensorFlow.
public final class TensorBoardWriter: TrainingCallback {
    public let path: String
    private let handle: FileHandle

    public init(folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let host = ProcessInfo.processInfo.hostName.replacingOccurrences(of: "/", with: "_")
        path = "\(folder)/events.out.tfevents.\(Int(Date().timeIntervalSince1970)).\(host).\(getpid())"
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw FoveaError.io("\(path): cannot create the TensorBoard event file")
        }
        self.handle = handle
        var first = Data()
        first.appendField(1, double: Date().timeIntervalSince1970)
        first.appendField(3, bytes: Data("brain.Event:2".utf8))
        try write(first)
    }

    deinit { try? handle.close() }

    /// One event with the given scalars at `step`.
    public func scalars(_ values: [(tag: String, value: Float)], step: Int) throws {
        var summary = Data()
        for (tag, value) in values {
            var entry = Data()
            entry.appendField(1, bytes: Data(tag.utf8))
            entry.appendField(2, float: value)
            summary.appendField(1, bytes: entry)
        }
        var event = Data()
        event.appendField(1, double: Date().timeIntervalSince1970)
        event.appendField(2, varint: UInt64(step))
        event.appendField(5, bytes: summary)
        try write(event)
    }

    public func epochEnded(_ record: EpochRecord, trainer: Trainer) throws -> Bool {
        var values: [(String, Float)] = [("train/loss", Float(record.trainLoss)), ("train/accuracy", Float(record.trainAccuracy)),
                                         ("learning_rate", Float(record.learningRate))]
        if let loss = record.valLoss, let accuracy = record.valAccuracy {
            values += [("validation/loss", Float(loss)), ("validation/accuracy", Float(accuracy))]
        }
        try scalars(values.map { (tag: $0.0, value: $0.1) }, step: record.epoch)
        return false
    }

    /// TFRecord: length, masked CRC-32C of the length, data, masked CRC-32C of the data.
    private func write(_ record: Data) throws {
        var framed = Data()
        var length = UInt64(record.count).littleEndian
        let lengthBytes = withUnsafeBytes(of: &length) { Data($0) }
        framed.append(lengthBytes)
        framed.appendLittleEndian(CRC32C.masked(lengthBytes))
        framed.append(record)
        framed.appendLittleEndian(CRC32C.masked(record))
        try handle.write(contentsOf: framed)
        try handle.synchronize()
    }
}

/// CRC-32C (Castagnoli), as TFRecord uses, with TensorFlow's masking.
public enum CRC32C {
    static let table: [UInt32] = (0..<256).map { i in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        return c
    }

    public static func checksum(_ data: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    static func masked(_ data: Data) -> UInt32 {
        let crc = checksum(data)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }
}
