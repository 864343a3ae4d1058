import Foundation

/// Just enough protobuf (proto3 wire format) for TensorBoard event files and ONNX models:
/// writing fields onto `Data`, and reading a message into its fields without a schema.
extension Data {
    public mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 { append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        append(UInt8(v))
    }
    public mutating func appendField(_ number: Int, varint: UInt64) { appendVarint(UInt64(number << 3)); appendVarint(varint) }
    public mutating func appendField(_ number: Int, int: Int) { appendField(number, varint: UInt64(bitPattern: Int64(int))) }
    public mutating func appendField(_ number: Int, double: Double) { appendVarint(UInt64(number << 3 | 1)); appendLittleEndian(double.bitPattern) }
    public mutating func appendField(_ number: Int, float: Float) { appendVarint(UInt64(number << 3 | 5)); appendLittleEndian(float.bitPattern) }
    public mutating func appendField(_ number: Int, bytes: Data) {
        appendVarint(UInt64(number << 3 | 2)); appendVarint(UInt64(bytes.count)); append(bytes)
    }
    public mutating func appendField(_ number: Int, string: String) { appendField(number, bytes: Data(string.utf8)) }
    public mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        var v = value.littleEndian
        Swift.withUnsafeBytes(of: &v) { append(contentsOf: $0) }
    }
}

/// One decoded message: its fields in order, each a varint, a fixed 32/64-bit value or bytes
/// (strings, packed arrays and sub-messages). Malformed input throws, naming `source`.
public struct ProtobufMessage {
    public enum Value {
        case varint(UInt64), fixed64(UInt64), fixed32(UInt32), bytes(Data)
    }
    public let fields: [(number: Int, value: Value)]

    public init(_ data: Data, source: String) throws {
        var fields: [(Int, Value)] = []
        let bytes = [UInt8](data)
        var position = 0
        func varint() throws -> UInt64 {
            var result: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard position < bytes.count, shift < 64 else { throw FoveaError.format("\(source): truncated or malformed protobuf varint") }
                let byte = bytes[position]
                position += 1
                result |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return result }
                shift += 7
            }
        }
        func fixed(_ size: Int) throws -> UInt64 {
            guard position + size <= bytes.count else { throw FoveaError.format("\(source): truncated protobuf field") }
            var value: UInt64 = 0
            for i in 0..<size { value |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
            position += size
            return value
        }
        while position < bytes.count {
            let key = try varint()
            let number = Int(key >> 3)
            switch key & 7 {
            case 0: fields.append((number, .varint(try varint())))
            case 1: fields.append((number, .fixed64(try fixed(8))))
            case 5: fields.append((number, .fixed32(UInt32(try fixed(4)))))
            case 2:
                let length = Int(try varint())
                guard length >= 0, position + length <= bytes.count else { throw FoveaError.format("\(source): truncated protobuf bytes field \(number)") }
                fields.append((number, .bytes(Data(bytes[position..<(position + length)]))))
                position += length
            default:
                throw FoveaError.format("\(source): unsupported protobuf wire type \(key & 7) in field \(number)")
            }
        }
        self.fields = fields
    }

    public func all(_ number: Int) -> [Value] { fields.filter { $0.number == number }.map(\.value) }

    public func bytes(_ number: Int) -> [Data] { all(number).compactMap { if case let .bytes(d) = $0 { d } else { nil } } }
    public func strings(_ number: Int) -> [String] { bytes(number).map { String(decoding: $0, as: UTF8.self) } }
    public func string(_ number: Int) -> String? { strings(number).last }
    public func messages(_ number: Int, source: String) throws -> [ProtobufMessage] { try bytes(number).map { try ProtobufMessage($0, source: source) } }
    public func message(_ number: Int, source: String) throws -> ProtobufMessage? { try messages(number, source: source).last }

    /// Integers of a repeated field, packed or not (int64 as two's complement).
    public func integers(_ number: Int) -> [Int] {
        all(number).flatMap { value -> [Int] in
            switch value {
            case let .varint(v): return [Int(Int64(bitPattern: v))]
            case let .bytes(data):
                var out: [Int] = [], result: UInt64 = 0, shift: UInt64 = 0
                for byte in data {
                    result |= UInt64(byte & 0x7F) << shift
                    if byte < 0x80 { out.append(Int(Int64(bitPattern: result))); result = 0; shift = 0 } else { shift += 7 }
                }
                return out
            default: return []
            }
        }
    }
    public func integer(_ number: Int) -> Int? { integers(number).last }

    /// Floats of a repeated float field, packed or not.
    public func floats(_ number: Int) -> [Float] {
        all(number).flatMap { value -> [Float] in
            switch value {
            case let .fixed32(bits): return [Float(bitPattern: bits)]
            case let .bytes(data):
                return stride(from: 0, to: data.count - 3, by: 4).map { i in
                    Float(bitPattern: UInt32(data[data.startIndex + i]) | UInt32(data[data.startIndex + i + 1]) << 8
                          | UInt32(data[data.startIndex + i + 2]) << 16 | UInt32(data[data.startIndex + i + 3]) << 24)
                }
            default: return []
            }
        }
    }
    public func float(_ number: Int) -> Float? { floats(number).last }
}
