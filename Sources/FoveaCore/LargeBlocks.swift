#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Freed storage blocks of 32 MB and more, kept for the next request of the same size.
///
/// glibc serves blocks that large with fresh mmaps whatever `mallopt` says (32 MB is the most
/// `M_MMAP_THRESHOLD` takes) and unmaps them on free, so a training step at ImageNet sizes faulted
/// in every large activation again and the kernel zeroed its pages: ResNet-18 at 224×224, batch
/// 32, took 902 K page faults in 12 s, 9 % of its profile in `clear_page_erms`. The step asks for
/// the same sizes every time, so a block freed by one step serves the next.
///
/// At most `capacity` bytes are kept; the oldest go back to the system first.
/// `FOVEA_KEEP_LARGE_BLOCKS=0` turns it off (A/B runs).
public final class LargeBlocks: Sendable {
    public static let shared = LargeBlocks(capacity: defaultCapacity, enabled: kernelSwitchedOn("FOVEA_KEEP_LARGE_BLOCKS"))
    /// Blocks from this size up are kept (glibc's largest mmap threshold).
    public static let minimumBytes = 32 << 20
    /// An eighth of the memory, at most 1 GB.
    static var defaultCapacity: Int {
        let memory = Int(sysconf(Int32(_SC_PHYS_PAGES))) * Int(sysconf(Int32(_SC_PAGESIZE)))
        return memory > 0 ? Swift.min(1 << 30, memory / 8) : 256 << 20
    }

    /// The kept blocks, oldest freed first (at most capacity / 32 MB of them: a scan is enough).
    private let kept = Mutex<[(size: Int, address: UInt)]>([])
    public let capacity: Int
    let enabled: Bool

    public init(capacity: Int, enabled: Bool = true) {
        self.capacity = capacity
        self.enabled = enabled
    }

    /// A kept block of exactly `bytes`, or nil (allocate one).
    public func take(bytes: Int) -> UnsafeMutableRawPointer? {
        guard enabled, bytes >= LargeBlocks.minimumBytes else { return nil }
        // The latest freed of that size.
        let address: UInt? = kept.withLock { kept in
            guard let index = kept.lastIndex(where: { $0.size == bytes }) else { return nil }
            return kept.remove(at: index).address
        }
        return address.flatMap { UnsafeMutableRawPointer(bitPattern: $0) }
    }

    /// Keeps `block` (from `posix_memalign`, `bytes` long) for a later `take`, freeing the oldest
    /// kept blocks to stay within `capacity`; false where it is not kept (the caller frees it).
    public func keep(_ block: UnsafeMutableRawPointer, bytes: Int) -> Bool {
        guard enabled, bytes >= LargeBlocks.minimumBytes, bytes <= capacity else { return false }
        let released: [UInt] = kept.withLock { kept in
            var keptBytes = kept.reduce(0) { $0 + $1.size }, released: [UInt] = []
            while keptBytes + bytes > capacity, !kept.isEmpty {
                let oldest = kept.removeFirst()
                keptBytes -= oldest.size
                released.append(oldest.address)
            }
            kept.append((bytes, UInt(bitPattern: block)))
            return released
        }
        for address in released { free(UnsafeMutableRawPointer(bitPattern: address)) }
        return true
    }

    /// Bytes kept now.
    public var keptBytes: Int { kept.withLock { $0.reduce(0) { $0 + $1.size } } }

    /// Gives every kept block back to the system.
    public func releaseAll() {
        let addresses: [UInt] = kept.withLock { kept in
            defer { kept = [] }
            return kept.map(\.address)
        }
        for address in addresses { free(UnsafeMutableRawPointer(bitPattern: address)) }
    }
}
