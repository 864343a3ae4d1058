import FoveaData
import Testing

@Suite struct PatternDatasetTests {
    @Test func theSameSeedGivesTheSameImagesWhateverTheThreadCount() throws {
        let config = PatternDataset.Configuration(samples: 40, imageSize: 16, seed: 5)
        ThreadPool.shared.setThreadCount(1)
        let single = try PatternDataset.generate(config)
        ThreadPool.shared.setThreadCount(ThreadPool.defaultThreadCount)
        let parallel = try PatternDataset.generate(config)
        #expect(single.images.scalars == parallel.images.scalars)
        #expect(single.labels == parallel.labels)
        var other = config
        other.seed = 6
        #expect(try PatternDataset.generate(other).images.scalars != single.images.scalars)
    }

    @Test func classesAreBalancedAndPixelsInRange() throws {
        let data = try PatternDataset.generate(.init(samples: 100, imageSize: 12, channels: 1, classes: 5))
        #expect(data.imageShape == [1, 12, 12])
        #expect(data.countsPerClass == [20, 20, 20, 20, 20])
        #expect(data.classNames == ["horizontal_lines", "vertical_lines", "diagonal", "circular", "random_noise"])
        #expect(data.images.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    @Test func tenClassNoisyVariant() throws {
        var config = PatternDataset.Configuration.tenClassNoisy
        config.samples = 30
        let data = try PatternDataset.generate(config)
        #expect(data.imageShape == [3, 64, 64])
        #expect(data.classCount == 10)
    }

    @Test func horizontalLinesVaryDownAndNotAcross() throws {
        let data = try PatternDataset.generate(.init(samples: 10, imageSize: 32, channels: 1, classes: 5, noise: 0))
        let index = data.labels.firstIndex(of: 0)!
        let image = data.images.gatherRows([index]).scalars
        for y in 0..<32 { #expect(Set(image[(y * 32)..<(y * 32 + 32)]).count == 1, "row \(y) is not constant") }
        let vertical = data.images.gatherRows([data.labels.firstIndex(of: 1)!]).scalars
        for x in 0..<32 { #expect(Set((0..<32).map { vertical[$0 * 32 + x] }).count == 1, "column \(x) is not constant") }
    }

    @Test func badConfigurationsAreErrors() {
        for config in [PatternDataset.Configuration(samples: 0), .init(imageSize: 4), .init(channels: 2),
                       .init(classes: 11), .init(classes: 1), .init(noise: -1)] {
            #expect(throws: FoveaError.self) { try PatternDataset.generate(config) }
        }
    }
}

@Suite struct DatasetTests {
    @Test func stratifiedSplitKeepsProportionsAndEveryImage() throws {
        let data = try PatternDataset.generate(.init(samples: 200, imageSize: 8, channels: 1))
        let (train, validation, test) = try data.split(train: 0.7, validation: 0.15, seed: 1)
        #expect(train.count == 140 && validation.count == 30 && test.count == 30)
        #expect(train.countsPerClass == [28, 28, 28, 28, 28])
        #expect(validation.countsPerClass == [6, 6, 6, 6, 6])
        let all = (train.images.scalars + validation.images.scalars + test.images.scalars).sorted()
        #expect(all == data.images.scalars.sorted())
    }

    @Test func randomSplitCutsTheShuffledWhole() throws {
        let data = try PatternDataset.generate(.init(samples: 101, imageSize: 8, channels: 1))
        let (train, validation, test) = try data.split(train: 0.6, validation: 0.2, seed: 4, stratified: false)
        #expect(train.count == 61 && validation.count == 20 && test.count == 20)
        #expect((train.labels + validation.labels + test.labels).sorted() == data.labels.sorted())
    }

    @Test func aSplitThatEmptiesAClassIsAnError() throws {
        let data = try PatternDataset.generate(.init(samples: 10, imageSize: 8, channels: 1))
        #expect(throws: FoveaError.self) { try data.split(train: 0.7, validation: 0.15, seed: 1) }
    }

    @Test func labelsOutOfRangeAndMismatchedCountsAreErrors() {
        #expect(throws: FoveaError.self) { try Dataset(name: "x", images: Tensor(zeros: [2, 1, 4, 4]), labels: [0, 3], classNames: ["a", "b"]) }
        #expect(throws: FoveaError.self) { try Dataset(name: "x", images: Tensor(zeros: [2, 1, 4, 4]), labels: [0], classNames: ["a", "b"]) }
        #expect(throws: FoveaError.self) { try Dataset(name: "x", images: Tensor(zeros: [2, 16]), labels: [0, 1], classNames: ["a", "b"]) }
    }

    @Test func batchesKeepTheDatasetOrder() throws {
        let data = try PatternDataset.generate(.init(samples: 50, imageSize: 8))
        let batches = Batches(data, batchSize: 16)
        #expect(batches.map { $0.labels.count } == [16, 16, 16, 2])
        #expect(batches.flatMap(\.labels) == data.labels)
        #expect(batches.first { _ in true }!.images.scalars == data.images.gatherRows(Array(0..<16)).scalars)
    }
}
