import Foundation

/// The IDX format of MNIST and Fashion-MNIST (raw or gzip): two zero bytes, a type code
/// (0x08 = unsigned byte), the number of dimensions, each dimension as a big-endian UInt32,
/// then the data in row-major order.
public enum IDX {
    public struct Array {
        public let shape: [Int]
        public let bytes: Data
    }

    public static func read(_ path: String) throws -> Array {
        try decode(Gzip.readMaybeCompressed(path), source: path)
    }

    public static func decode(_ data: Data, source: String) throws -> Array {
        let bytes = [UInt8](data.prefix(4))
        guard bytes.count == 4, bytes[0] == 0, bytes[1] == 0 else {
            throw FoveaError.format("\(source): not an IDX file (bad magic number)")
        }
        guard bytes[2] == 0x08 else {
            throw FoveaError.format("\(source): IDX element type 0x\(String(bytes[2], radix: 16)) is not supported (only unsigned bytes, 0x08)")
        }
        let rank = Int(bytes[3])
        guard (1...4).contains(rank), data.count >= 4 + 4 * rank else {
            throw FoveaError.format("\(source): truncated IDX header (\(rank) dimensions declared, \(data.count) bytes in the file)")
        }
        let base = data.startIndex
        let shape = (0..<rank).map { d in
            (0..<4).reduce(0) { $0 << 8 | Int(data[base + 4 + 4 * d + $1]) }
        }
        let expected = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
        let available = data.count - 4 - 4 * rank
        guard expected == available else {
            throw FoveaError.format("\(source): IDX header declares shape \(describe(shape: shape)) = \(expected) bytes but the file holds \(available)\(expected > available ? " (truncated)" : "")")
        }
        return Array(shape: shape, bytes: data.subdata(in: (base + 4 + 4 * rank)..<data.endIndex))
    }

    /// Images [N, rows, cols] as a tensor [N, 1, rows, cols] scaled to [0, 1].
    public static func images(_ path: String) throws -> Tensor {
        let array = try read(path)
        guard array.shape.count == 3 else {
            throw FoveaError.format("\(path): expected images with 3 dimensions (N, rows, cols), got \(describe(shape: array.shape))")
        }
        return tensor(fromBytes: array.bytes, shape: [array.shape[0], 1, array.shape[1], array.shape[2]])
    }

    /// Labels [N] as integers.
    public static func labels(_ path: String) throws -> [Int] {
        let array = try read(path)
        guard array.shape.count == 1 else {
            throw FoveaError.format("\(path): expected labels with 1 dimension, got \(describe(shape: array.shape))")
        }
        return array.bytes.map(Int.init)
    }
}

/// Bytes 0…255 → Float in [0, 1].
func tensor(fromBytes bytes: Data, shape: [Int]) -> Tensor {
    let result = Tensor(uninitializedShape: shape)
    bytes.withUnsafeBytes { raw in
        let source = raw.bindMemory(to: UInt8.self)
        for i in 0..<result.count { result.pointer[i] = Float(source[i]) / 255 }
    }
    return result
}
