/// One scratch buffer per pool thread, zeroed by the thread that first takes it: inside the
/// parallel section, from its own cache, rather than serially on the caller before it (the
/// zero-fills of per-thread padded images and partial sums ran on the caller alone while the
/// worker waited: 1.6 % of SimpleCNN's training step).
///
/// `buffer(_:)` is called with the `thread` index `ThreadPool.parallelFor` passes: no two
/// iterations with the same index run at once, so each index's flag is only ever touched by one
/// thread at a time.
final class ThreadBuffers: @unchecked Sendable {
    private let storages: [TensorStorage]
    private let zeroed: UnsafeMutablePointer<Bool>
    let count: Int

    /// `slots` buffers of `count` floats (slots: `ThreadPool.shared.threadSlots`, or the shares of a loop).
    init(slots: Int, count: Int) {
        self.count = count
        storages = (0..<slots).map { _ in TensorStorage(uninitializedCount: count) }
        zeroed = .allocate(capacity: Swift.max(1, slots))
        zeroed.initialize(repeating: false, count: Swift.max(1, slots))
    }

    deinit { zeroed.deallocate() }

    /// Every buffer, those never taken zeroed now (partial sums of a share that added nothing).
    var all: [TensorStorage] {
        for slot in storages.indices { _ = buffer(slot) }
        return storages
    }

    /// The buffers taken so far (partial sums: those never taken hold nothing to add).
    var taken: [TensorStorage] { storages.indices.filter { zeroed[$0] }.map { storages[$0] } }

    /// Buffer `slot`, all zeros the first time it is taken (afterwards as its user left it).
    func buffer(_ slot: Int) -> UnsafeMutablePointer<Float> {
        let pointer = storages[slot].pointer
        if !zeroed[slot] {
            pointer.update(repeating: 0, count: count)
            zeroed[slot] = true
        }
        return pointer
    }
}
