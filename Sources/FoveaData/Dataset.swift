/// Labelled images in memory: images [N, C, H, W] scaled to [0, 1], labels in 0..<classes.
public struct Dataset: @unchecked Sendable {
    public let name: String
    public let images: Tensor
    public let labels: [Int]
    public let classNames: [String]

    public init(name: String, images: Tensor, labels: [Int], classNames: [String]) throws {
        guard images.rank == 4 else {
            throw FoveaError.shape("dataset \(name): images must be [N, C, H, W], got \(describe(shape: images.shape))")
        }
        guard images.shape[0] == labels.count else {
            throw FoveaError.shape("dataset \(name): \(images.shape[0]) images but \(labels.count) labels")
        }
        if let bad = labels.first(where: { !(0..<classNames.count).contains($0) }) {
            throw FoveaError.argument("dataset \(name): label \(bad) is outside 0..<\(classNames.count)")
        }
        self.name = name; self.images = images; self.labels = labels; self.classNames = classNames
    }

    public var count: Int { labels.count }
    public var classCount: Int { classNames.count }
    /// [C, H, W]
    public var imageShape: [Int] { Array(images.shape.dropFirst()) }

    public func subset(_ indices: [Int], name: String? = nil) -> Dataset {
        // Indices come from this dataset, so labels stay valid.
        try! Dataset(name: name ?? self.name, images: images.gatherRows(indices), labels: indices.map { labels[$0] },
                     classNames: classNames)
    }

    public var countsPerClass: [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        for label in labels { counts[label] += 1 }
        return counts
    }

    /// Splits into train/validation/test by fractions, shuffled with `seed`. Stratified (the
    /// default), each class is cut in the same proportions and a class that would leave a part
    /// empty is an error; otherwise the whole set is shuffled and cut.
    public func split(train: Double, validation: Double, seed: UInt64, stratified: Bool = true) throws -> (train: Dataset, validation: Dataset, test: Dataset) {
        guard train > 0, validation >= 0, train + validation <= 1 + 1e-9 else {
            throw FoveaError.argument("split fractions train \(train), validation \(validation) must be positive and sum to at most 1")
        }
        if !stratified {
            var generator = SeededGenerator(seed: seed)
            let order = Array(0..<count).shuffled(using: &generator)
            let nTrain = Int((Double(count) * train).rounded())
            let nValidation = Swift.min(count - nTrain, Int((Double(count) * validation).rounded()))
            guard nTrain > 0 else { throw FoveaError.argument("dataset \(name): \(count) images leave no training images at \(train)") }
            return (subset(Array(order[..<nTrain]), name: name + "/train"),
                    subset(Array(order[nTrain..<(nTrain + nValidation)]), name: name + "/validation"),
                    subset(Array(order[(nTrain + nValidation)...]), name: name + "/test"))
        }
        var generator = SeededGenerator(seed: seed)
        var parts: ([Int], [Int], [Int]) = ([], [], [])
        for c in 0..<classCount {
            var members = labels.indices.filter { labels[$0] == c }
            members.shuffle(using: &generator)
            let testWanted = train + validation < 1 - 1e-9
            let nTrain = Swift.min(members.count, Int((Double(members.count) * train).rounded()))
            let nValidation = testWanted ? Swift.min(members.count - nTrain, Int((Double(members.count) * validation).rounded()))
                                         : members.count - nTrain
            let nTest = members.count - nTrain - nValidation
            if members.isEmpty { continue }
            guard nTrain > 0, validation == 0 || nValidation > 0, !testWanted || nTest > 0 else {
                throw FoveaError.argument("dataset \(name): class '\(classNames[c])' has \(members.count) images, too few to split \(Self.percent(train))/\(Self.percent(validation))/\(Self.percent(Swift.max(0, 1 - train - validation))) (train/validation/test) without leaving a part empty")
            }
            parts.0 += members[..<nTrain]
            parts.1 += members[nTrain..<(nTrain + nValidation)]
            parts.2 += members[(nTrain + nValidation)...]
        }
        parts.0.shuffle(using: &generator); parts.1.shuffle(using: &generator); parts.2.shuffle(using: &generator)
        return (subset(parts.0, name: name + "/train"), subset(parts.1, name: name + "/validation"),
                subset(parts.2, name: name + "/test"))
    }

    static func percent(_ fraction: Double) -> String { "\(Int((fraction * 100).rounded())) %" }
}
