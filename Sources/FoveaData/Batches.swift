/// Mini-batches over a dataset in its own order, for evaluation and prediction. Training
/// batches (shuffled, augmented, prefetched) come from `DataLoader`.
public struct Batches: Sequence {
    public let dataset: Dataset
    public let batchSize: Int

    public init(_ dataset: Dataset, batchSize: Int) {
        precondition(batchSize > 0, "batch size must be positive")
        self.dataset = dataset; self.batchSize = batchSize
    }

    public var batchCount: Int { (dataset.count + batchSize - 1) / batchSize }

    public func makeIterator() -> AnyIterator<(images: Tensor, labels: [Int])> {
        var start = 0
        return AnyIterator {
            let end = Swift.min(start + batchSize, dataset.count)
            guard start < end else { return nil }
            defer { start = end }
            let indices = Array(start..<end)
            return (dataset.images.gatherRows(indices), indices.map { dataset.labels[$0] })
        }
    }
}
