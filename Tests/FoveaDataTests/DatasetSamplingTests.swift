import FoveaData
import Testing

@Suite struct DatasetSamplingTests {
    /// Exactly `count` distinct images, classes in proportion (largest remainders), seeded.
    @Test func stratifiedSampleKeepsProportionsAndIsSeeded() throws {
        // 3 classes of 60, 30 and 10 images.
        let labels = Array(repeating: 0, count: 60) + Array(repeating: 1, count: 30) + Array(repeating: 2, count: 10)
        let images = Tensor(zeros: [100, 1, 1, 1])
        for i in 0..<100 { images.pointer[i] = Float(i) }
        let data = try Dataset(name: "toy", images: images, labels: labels, classNames: ["a", "b", "c"])
        let sample = try data.stratifiedSample(count: 25, seed: 3)
        #expect(sample.count == 25)
        #expect(sample.countsPerClass == [15, 8, 2] || sample.countsPerClass == [15, 7, 3])
        let ids = sample.images.scalars.map(Int.init)
        #expect(Set(ids).count == 25)
        #expect(zip(ids, sample.labels).allSatisfy { labels[$0] == $1 })  // each image keeps its label
        #expect(try data.stratifiedSample(count: 25, seed: 3).images.scalars == sample.images.scalars)
        #expect(try data.stratifiedSample(count: 25, seed: 4).images.scalars != sample.images.scalars)
        #expect(try data.stratifiedSample(count: 500, seed: 3).count == 100)
        #expect(throws: FoveaError.self) { try data.stratifiedSample(count: 0, seed: 3) }
    }
}
