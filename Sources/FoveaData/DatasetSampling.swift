extension Dataset {
    /// `count` images drawn without replacement, classes in proportion to their share (a few
    /// labelled images for fine-tuning, e.g. 500 of Fashion-MNIST's 54,000), shuffled with `seed`.
    public func stratifiedSample(count wanted: Int, seed: UInt64) throws -> Dataset {
        guard wanted > 0 else { throw FoveaError.argument("dataset \(name): a sample needs at least one image, got \(wanted)") }
        if wanted >= count { return self }
        var generator = SeededGenerator(seed: seed)
        var byClass = (0..<classCount).map { c in labels.indices.filter { labels[$0] == c }.shuffled(using: &generator) }
        // Largest-remainder apportionment so the sizes add up to exactly `wanted`.
        let quotas = byClass.map { Double($0.count) * Double(wanted) / Double(count) }
        var sizes = quotas.map { Int($0) }
        let order = quotas.indices.sorted { quotas[$0] - Double(sizes[$0]) > quotas[$1] - Double(sizes[$1]) }
        for index in order.prefix(wanted - sizes.reduce(0, +)) { sizes[index] += 1 }
        var chosen: [Int] = []
        for c in byClass.indices { chosen += byClass[c].prefix(sizes[c]); byClass[c] = [] }
        chosen.shuffle(using: &generator)
        return subset(chosen, name: "\(name) (\(wanted) images)")
    }
}
