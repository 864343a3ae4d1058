#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FoveaCore
import Testing

/// Large freed blocks are kept for the next request of their size, within the capacity, oldest
/// given back first; and a tensor on a kept block is a tensor like any other.
@Suite struct LargeBlocksTests {
    static let size = LargeBlocks.minimumBytes

    func block(_ bytes: Int) -> UnsafeMutableRawPointer {
        var raw: UnsafeMutableRawPointer?
        #expect(posix_memalign(&raw, 64, bytes) == 0)
        return raw!
    }

    @Test func keptBlockServesTheSameSizeOnly() {
        let blocks = LargeBlocks(capacity: 4 * Self.size)
        let first = block(Self.size)
        #expect(blocks.keep(first, bytes: Self.size))
        #expect(blocks.take(bytes: Self.size + 4) == nil)
        #expect(blocks.take(bytes: Self.size) == first)
        #expect(blocks.take(bytes: Self.size) == nil)
        #expect(blocks.keptBytes == 0)
        free(first)
    }

    @Test func smallBlocksAndOversizedOnesAreNotKept() {
        let blocks = LargeBlocks(capacity: 2 * Self.size)
        let small = block(1 << 20), huge = block(3 * Self.size)
        #expect(!blocks.keep(small, bytes: 1 << 20))
        #expect(!blocks.keep(huge, bytes: 3 * Self.size))
        #expect(blocks.keptBytes == 0)
        free(small); free(huge)
    }

    @Test func capacityGivesBackTheOldestFirst() {
        let blocks = LargeBlocks(capacity: 2 * Self.size + Self.size / 2)
        let (a, b, c) = (block(Self.size), block(Self.size + 64), block(Self.size + 128))
        #expect(blocks.keep(a, bytes: Self.size))
        #expect(blocks.keep(b, bytes: Self.size + 64))
        #expect(blocks.keep(c, bytes: Self.size + 128))   // over capacity: `a`, the oldest, is freed
        #expect(blocks.keptBytes == 2 * Self.size + 192)
        #expect(blocks.take(bytes: Self.size) == nil)
        #expect(blocks.take(bytes: Self.size + 64) == b)
        free(b)
        blocks.releaseAll()
        #expect(blocks.keptBytes == 0)
        #expect(blocks.take(bytes: Self.size + 128) == nil)
    }

    @Test func switchedOffKeepsNothing() {
        let blocks = LargeBlocks(capacity: 4 * Self.size, enabled: false)
        let a = block(Self.size)
        #expect(!blocks.keep(a, bytes: Self.size))
        free(a)
    }

    /// A tensor of 32 MB and more freed and made again reuses the block, and holds what it is given.
    @Test func tensorsReuseTheirBlocks() {
        let count = Self.size / 4 + 1000
        var address: UnsafeMutablePointer<Float>?
        do {
            let first = Tensor(repeating: 1, shape: [count])
            address = first.pointer
        }
        guard LargeBlocks.shared.keptBytes > 0 else { return }   // FOVEA_KEEP_LARGE_BLOCKS=0, or a small machine
        let second = Tensor(repeating: 2, shape: [count])
        #expect(second.pointer == address)
        #expect(second.scalars.allSatisfy { $0 == 2 })
    }
}
