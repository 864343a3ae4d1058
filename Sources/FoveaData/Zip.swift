import CZlib
import Foundation

/// Reads the members of a zip archive (what `numpy.savez` writes): stored or deflated entries,
/// found through the central directory, each checked against its CRC-32.
enum ZipArchive {
    static func members(_ data: Data, source: String) throws -> [String: Data] {
        let bytes = [UInt8](data)
        func u16(_ i: Int) throws -> Int {
            guard i >= 0, i + 2 <= bytes.count else { throw FoveaError.format("\(source): truncated zip archive") }
            return Int(bytes[i]) | Int(bytes[i + 1]) << 8
        }
        func u32(_ i: Int) throws -> Int { try (u16(i) | u16(i + 2) << 16) }
        // The end-of-central-directory record sits in the last 64 KiB + 22 bytes.
        var end = -1
        var i = bytes.count - 22
        while i >= Swift.max(0, bytes.count - 65_557) {
            if bytes[i] == 0x50, bytes[i + 1] == 0x4B, bytes[i + 2] == 0x05, bytes[i + 3] == 0x06 { end = i; break }
            i -= 1
        }
        guard end >= 0 else { throw FoveaError.format("\(source): not a zip archive (no end-of-central-directory record; truncated?)") }
        let count = try u16(end + 10)
        var offset = try u32(end + 16)
        var members: [String: Data] = [:]
        for _ in 0..<count {
            guard try u32(offset) == 0x0201_4B50 else { throw FoveaError.format("\(source): corrupt zip central directory") }
            let method = try u16(offset + 10), crc = try u32(offset + 16)
            let compressedSize = try u32(offset + 20), size = try u32(offset + 24)
            let nameLength = try u16(offset + 28), extraLength = try u16(offset + 30), commentLength = try u16(offset + 32)
            let local = try u32(offset + 42)
            guard offset + 46 + nameLength <= bytes.count else { throw FoveaError.format("\(source): truncated zip archive") }
            let name = String(decoding: bytes[(offset + 46)..<(offset + 46 + nameLength)], as: UTF8.self)
            offset += 46 + nameLength + extraLength + commentLength
            guard try u32(local) == 0x0403_4B50 else { throw FoveaError.format("\(source): corrupt zip entry '\(name)'") }
            let start = try local + 30 + u16(local + 26) + u16(local + 28)
            guard start >= 0, start + compressedSize <= bytes.count, size < 1 << 32 else {
                throw FoveaError.format("\(source): zip entry '\(name)' runs past the end of the file (truncated)")
            }
            let raw = Data(bytes[start..<(start + compressedSize)])
            let content: Data
            switch method {
            case 0: content = raw
            case 8: content = try inflateRaw(raw, expected: size, source: "\(source):\(name)")
            default: throw FoveaError.format("\(source): zip entry '\(name)' uses unsupported compression method \(method)")
            }
            guard content.count == size, UInt32(truncatingIfNeeded: crc) == UInt32(truncatingIfNeeded: crc32(0, [UInt8](content), uInt(content.count))) else {
                throw FoveaError.format("\(source): zip entry '\(name)' fails its CRC check (corrupt)")
            }
            members[name] = content
        }
        return members
    }

    /// Raw deflate (no zlib or gzip header), as zip stores it.
    static func inflateRaw(_ data: Data, expected: Int, source: String) throws -> Data {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw FoveaError.io("\(source): cannot initialise zlib")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Swift.max(expected, 1))
        var input = [UInt8](data)
        let status: Int32 = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = uInt(outBuffer.count)
                return inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == expected else {
            throw FoveaError.format("\(source): corrupt deflate data")
        }
        return Data(output.prefix(expected))
    }
}
