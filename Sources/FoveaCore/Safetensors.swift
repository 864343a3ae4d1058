import Foundation

/// The safetensors format (Hugging Face; what `safetensors.torch.save_file` writes):
/// an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and
/// byte range, then the raw little-endian data. Nothing in it is executed.
public enum Safetensors {
    /// Encodes tensors as F32 in name order, with optional string metadata.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let t = tensors[name]!
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + t.count * 4]] as [String: Any]
            offset += t.count * 4
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var data = Data(capacity: 8 + json.count + offset)
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(json)
        for name in names {
            let t = tensors[name]!
            data.append(UnsafeBufferPointer(start: t.pointer, count: t.count))
        }
        return data
    }

    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to path: String) throws {
        try writeAtomically(encode(tensors, metadata: metadata), to: path)
    }

    /// Decodes every tensor (F32, F64, F16, BF16, I64, I32, U8 and BOOL are converted to Float32).
    public static func decode(_ data: Data, source: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard data.count >= 8 else { throw FoveaError.format("\(source): not a safetensors file (only \(data.count) bytes)") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8), headerLength < 100_000_000 else {
            throw FoveaError.format("\(source): truncated safetensors file (header of \(headerLength) bytes, file of \(data.count))")
        }
        let dataStart = 8 + Int(headerLength)
        guard let header = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<dataStart)) as? [String: Any] else {
            throw FoveaError.format("\(source): the safetensors header is not valid JSON")
        }
        var metadata: [String: String] = [:]
        var tensors: [String: Tensor] = [:]
        let body = data.count - dataStart
        for (name, value) in header {
            if name == "__metadata__" {
                metadata = (value as? [String: String]) ?? [:]
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2,
                  shape.allSatisfy({ $0 >= 0 })
            else { throw FoveaError.format("\(source): malformed header entry for '\(name)'") }
            guard let width = elementWidth[dtype] else {
                throw FoveaError.format("\(source): tensor '\(name)' has unsupported dtype \(dtype)")
            }
            let count = shape.reduce(1, *)
            guard offsets[0] >= 0, offsets[1] <= body, offsets[1] - offsets[0] == count * width else {
                throw FoveaError.format("\(source): tensor '\(name)' \(describe(shape: shape)) \(dtype) has byte range \(offsets) outside the \(body)-byte data (truncated or tampered)")
            }
            let tensor = Tensor(uninitializedShape: shape)
            data.withUnsafeBytes { raw in
                convert(raw.baseAddress! + dataStart + offsets[0], dtype: dtype, count: count, into: tensor.pointer)
            }
            tensors[name] = tensor
        }
        return (tensors, metadata)
    }

    public static func read(_ path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        try decode(readFile(path), source: path)
    }

    static let elementWidth = ["F32": 4, "F64": 8, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "U8": 1, "BOOL": 1]

    static func convert(_ source: UnsafeRawPointer, dtype: String, count: Int, into destination: UnsafeMutablePointer<Float>) {
        for i in 0..<count {
            switch dtype {
            case "F32": destination[i] = Float(bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
            case "F64": destination[i] = Float(Double(bitPattern: UInt64(littleEndian: source.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))))
            case "F16":
                #if arch(x86_64) || arch(arm64)
                destination[i] = Float(Float16(bitPattern: UInt16(littleEndian: source.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))))
                #endif
            case "BF16": destination[i] = Float(bitPattern: UInt32(UInt16(littleEndian: source.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) << 16)
            case "I64": destination[i] = Float(Int64(littleEndian: source.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)))
            case "I32": destination[i] = Float(Int32(littleEndian: source.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)))
            default: destination[i] = Float(source.load(fromByteOffset: i, as: UInt8.self))
            }
        }
    }
}
