import CKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The memory behind a tensor: a 64-byte aligned block of Float32.
///
/// Tensors share storage freely; only kernels and optimisers write into a storage that
/// already belongs to a tensor, and only when they own it (fresh results, parameters).
///
/// Lifetime: ARC may release a local storage right after its last use, and when that use is the
/// `.pointer` read that hands the memory to a kernel, the kernel reads freed memory (release
/// builds only). A scratch storage read through its pointer is therefore kept alive to the end
/// of its scope: `defer { withExtendedLifetime(storage) {} }`.
public final class TensorStorage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    /// Uninitialised storage; callers fill every element.
    public init(uninitializedCount count: Int) {
        precondition(count >= 0, "negative storage size")
        _ = TensorStorage.freedMemoryKept
        let bytes = Swift.max(count, 1) * MemoryLayout<Float>.stride
        var raw = LargeBlocks.shared.take(bytes: bytes)
        if raw == nil {
            // posix_memalign: SIMD loads and BLAS like cache-line aligned panels.
            let status = posix_memalign(&raw, 64, bytes)
            precondition(status == 0 && raw != nil, "out of memory allocating \(count) floats")
        }
        pointer = raw!.bindMemory(to: Float.self, capacity: Swift.max(count, 1))
        self.count = count
    }

    public convenience init(repeating value: Float, count: Int) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: value, count: count)
    }

    public convenience init(copying values: UnsafeBufferPointer<Float>) {
        self.init(uninitializedCount: values.count)
        if let base = values.baseAddress { pointer.update(from: base, count: values.count) }
    }

    deinit {
        // Blocks of 32 MB and more are kept for the next of the same size (see `LargeBlocks`).
        if !LargeBlocks.shared.keep(pointer, bytes: Swift.max(count, 1) * MemoryLayout<Float>.stride) { free(pointer) }
    }

    /// A training step frees and reallocates the same activation-sized blocks every time. By
    /// default glibc serves blocks from 128 KB up (a threshold it raises only as far as the
    /// largest block freed so far) with fresh mmaps and trims the heap's free top back to the
    /// kernel, so every step faults its pages in again and the kernel zeroes them: 32 K page
    /// faults in a 3-second LeNet-5 benchmark, 5 K with this setting. Blocks up to 32 MB (glibc's
    /// largest threshold) now come from the heap, and up to 256 MB of free heap stays mapped.
    /// Set once, on the first allocation.
    private static let freedMemoryKept: Bool = {
        fovea_keep_freed_memory(32 << 20, 256 << 20)
        return true
    }()

    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }
}
