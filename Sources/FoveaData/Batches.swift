/// Shuffled mini-batches over a dataset for one epoch.
public struct Batches: Sequence {
    public let dataset: Dataset
    public let batchSize: Int
    public let dropLast: Bool
    let order: [Int]

    /// `generator` decides the order; nil keeps the dataset order (evaluation).
    public init(_ dataset: Dataset, batchSize: Int, shuffle generator: inout SeededGenerator, dropLast: Bool = false) {
        self.dataset = dataset; self.batchSize = batchSize; self.dropLast = dropLast
        order = Array(0..<dataset.count).shuffled(using: &generator)
    }

    public init(_ dataset: Dataset, batchSize: Int) {
        self.dataset = dataset; self.batchSize = batchSize; dropLast = false
        order = Array(0..<dataset.count)
    }

    public var batchCount: Int {
        dropLast ? dataset.count / batchSize : (dataset.count + batchSize - 1) / batchSize
    }

    public func makeIterator() -> AnyIterator<(images: Tensor, labels: [Int])> {
        var start = 0
        return AnyIterator {
            let end = Swift.min(start + batchSize, order.count)
            guard start < end, !(dropLast && end - start < batchSize) else { return nil }
            defer { start = end }
            let indices = Array(order[start..<end])
            return (dataset.images.gatherRows(indices), indices.map { dataset.labels[$0] })
        }
    }
}
