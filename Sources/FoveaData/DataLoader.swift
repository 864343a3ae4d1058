import Foundation

/// One mini-batch as the trainer consumes it.
public struct LoaderBatch: @unchecked Sendable {
    public let images: Tensor
    public let labels: [Int]
    /// Soft targets [N, K] when MixUp/CutMix mixed the batch; nil otherwise.
    public let targets: Tensor?
}

/// Batches for one epoch, prepared on a background thread while the model trains on the
/// previous ones: shuffle (seeded by seed and epoch), gather, augment, mix. At most `prefetch`
/// batches wait in memory. The same seed and epoch give the same batches whatever the thread count.
public final class DataLoader: Sequence, @unchecked Sendable {
    public let dataset: Dataset
    public let batchSize: Int
    public let order: [Int]
    let augmentation: AugmentationPipeline
    let mix: BatchMix?
    let seed: UInt64, epoch: Int, prefetch: Int
    let dropLast: Bool

    public init(_ dataset: Dataset, batchSize: Int, shuffle: Bool = true, dropLast: Bool = false, seed: UInt64 = 0, epoch: Int = 0,
                augmentation: AugmentationPipeline = AugmentationPipeline([]), mix: BatchMix? = nil, prefetch: Int = 2) {
        self.dataset = dataset; self.batchSize = batchSize; self.dropLast = dropLast
        self.augmentation = augmentation; self.mix = mix; self.seed = seed; self.epoch = epoch
        self.prefetch = Swift.max(1, prefetch)
        var generator = SeededGenerator(seed: seed &+ UInt64(epoch) &* 0xD1B5_4A32_D192_ED03)
        order = shuffle ? Array(0..<dataset.count).shuffled(using: &generator) : Array(0..<dataset.count)
    }

    public var batchCount: Int { dropLast ? dataset.count / batchSize : (dataset.count + batchSize - 1) / batchSize }

    /// Builds batch `index` (pure function of seed, epoch and index).
    public func batch(_ index: Int) -> LoaderBatch {
        let indices = Array(order[(index * batchSize)..<Swift.min((index + 1) * batchSize, order.count)])
        var images = dataset.images.gatherRows(indices)
        let labels = indices.map { dataset.labels[$0] }
        if !augmentation.isEmpty {
            let keys = indices.map { epoch &* dataset.count &+ $0 }
            images = augmentation.apply(to: images, seed: seed ^ 0xA076_1D64_78BD_642F, keys: keys)
        }
        guard let mix else { return LoaderBatch(images: images, labels: labels, targets: nil) }
        var generator = SeededGenerator(seed: seed ^ (UInt64(epoch) << 32 | UInt64(index)) &* 0xE703_7ED1_A0B4_28DB)
        let mixed = mix.apply(images: images, labels: labels, classes: dataset.classCount, using: &generator)
        return LoaderBatch(images: mixed.images, labels: labels, targets: mixed.targets)
    }

    public func makeIterator() -> Iterator { Iterator(loader: self) }

    /// Pulls batches from a producer thread through a bounded queue. Dropping the iterator
    /// (an epoch cut short by an error or early stop) cancels the producer: it holds only the
    /// loader and the queue, never the iterator.
    public final class Iterator: IteratorProtocol {
        let loader: DataLoader
        public let queue = BatchQueue()
        var nextIndex = 0

        init(loader: DataLoader) {
            self.loader = loader
            let queue = self.queue
            Thread { DataLoader.produce(loader, into: queue) }.start()
        }

        deinit { queue.cancel() }

        public func next() -> LoaderBatch? {
            guard nextIndex < loader.batchCount else { return nil }
            let batch = queue.take(nextIndex)
            nextIndex += 1
            return batch
        }
    }

    static func produce(_ loader: DataLoader, into queue: BatchQueue) {
        for index in 0..<loader.batchCount {
            guard queue.waitForRoom(limit: loader.prefetch) else { return }
            queue.put(index, loader.batch(index))
        }
    }
}

/// The bounded hand-over between a loader's producer thread and the training loop.
public final class BatchQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [Int: LoaderBatch] = [:]
    private var cancelled = false

    /// Waits until fewer than `limit` batches are waiting; false once cancelled.
    func waitForRoom(limit: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !cancelled && ready.count >= limit { condition.wait() }
        return !cancelled
    }

    func put(_ index: Int, _ batch: LoaderBatch) {
        condition.lock()
        ready[index] = batch
        condition.broadcast()
        condition.unlock()
    }

    func take(_ index: Int) -> LoaderBatch {
        condition.lock()
        defer { condition.unlock() }
        while ready[index] == nil { condition.wait() }
        let batch = ready.removeValue(forKey: index)!
        condition.broadcast()
        return batch
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    public var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }
}
