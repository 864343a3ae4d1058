import CZlib
import Foundation

/// gzip decompression through the system zlib (datasets ship as .gz).
enum Gzip {
    static func isCompressed(_ data: Data) -> Bool { data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B }

    /// Inflates a whole gzip file; a truncated or corrupt stream is an error naming `source`.
    static func decompress(_ data: Data, source: String, limit: Int = 4 << 30) throws -> Data {
        var stream = z_stream()
        // 16 + MAX_WBITS: expect a gzip header and trailer.
        guard inflateInit2_(&stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw FoveaError.io("\(source): cannot initialise zlib")
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        let chunk = 1 << 20
        var buffer = [UInt8](repeating: 0, count: chunk)
        var status: Int32 = Z_OK
        try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: UInt8.self).baseAddress)
            stream.avail_in = uInt(input.count)
            repeat {
                try buffer.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(chunk)
                    status = inflate(&stream, Z_NO_FLUSH)
                    guard status == Z_OK || status == Z_STREAM_END else {
                        let reason = stream.msg.map { String(cString: $0) } ?? (status == Z_BUF_ERROR ? "unexpected end of data" : "zlib error \(status)")
                        throw FoveaError.format("\(source): corrupt or truncated gzip data (\(reason))")
                    }
                    output.append(out.baseAddress!, count: chunk - Int(stream.avail_out))
                }
                guard output.count <= limit else { throw FoveaError.format("\(source): decompresses to more than \(limit) bytes") }
                if status == Z_OK && stream.avail_in == 0 && stream.avail_out != 0 {
                    throw FoveaError.format("\(source): truncated gzip data (the stream ends before its trailer)")
                }
            } while status != Z_STREAM_END
        }
        return output
    }

    /// The file's bytes, inflated if it is gzip.
    static func readMaybeCompressed(_ path: String) throws -> Data {
        let data = try readFile(path)
        return isCompressed(data) ? try decompress(data, source: path) : data
    }
}
