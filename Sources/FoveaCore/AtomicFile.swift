import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `data` to `path` so that readers see either the old file or the whole new one:
/// a temporary file in the same folder, fsync, rename over the target, fsync the folder.
public func writeAtomically(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent().path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let temporary = folder + "/.\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard fd >= 0 else { throw FoveaError.io("\(path): cannot create a temporary file (\(String(cString: strerror(errno))))") }
    var failure: String?
    data.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                failure = String(cString: strerror(errno))
                return
            }
            offset += written
        }
    }
    if failure == nil, fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
    close(fd)
    if let failure {
        unlink(temporary)
        throw FoveaError.io("\(path): write failed (\(failure))")
    }
    guard rename(temporary, path) == 0 else {
        let reason = String(cString: strerror(errno))
        unlink(temporary)
        throw FoveaError.io("\(path): cannot move the new file into place (\(reason))")
    }
    let folderDescriptor = open(folder, O_RDONLY)
    if folderDescriptor >= 0 {
        fsync(folderDescriptor)
        close(folderDescriptor)
    }
}

/// Reads a whole file, naming it in the error.
public func readFile(_ path: String) throws -> Data {
    guard FileManager.default.fileExists(atPath: path) else { throw FoveaError.io("\(path): no such file") }
    do {
        return try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        throw FoveaError.io("\(path): cannot read (\(error.localizedDescription))")
    }
}
