import FoveaCore
import FoveaNN
import FoveaTestSupport
import Testing

/// `predict` in chunks of images gives what one pass over the batch gives, and the rule picks
/// chunks only for the models it measured faster with them.
@Suite struct InferenceChunkingTests {
    /// A small CNN (convolution, batch norm, pooling, dense) over 11 images in chunks of 4
    /// (the last of 3), against the whole batch at once. The kernels may differ with the batch
    /// (their choices depend on it), so to float rounding.
    @Test func chunksGiveTheWholeBatchsResult() throws {
        var generator = SeededGenerator(seed: 3)
        let model = Sequential(named: [
            ("conv", Conv2D(3, 8, kernelSize: 3, padding: .same, generator: &generator)),
            ("norm", BatchNorm2D(8)),
            ("relu", ReLU()),
            ("pool", MaxPool2D(kernelSize: 2)),
            ("flatten", Flatten()),
            ("dense", Dense(8 * 6 * 6, 5, generator: &generator)),
        ])
        let images = randomTensor([11, 3, 12, 12], seed: 4)
        let whole = try model.predict(images, inChunksOf: nil)
        let chunked = try model.predict(images, inChunksOf: 4)
        #expect(chunked.shape == [11, 5])
        #expect(peakRelativeError(chunked.scalars, whole.scalars.map(Double.init)) < 1e-5)
        #expect(try model.predict(images, inChunksOf: 11).scalars == whole.scalars)   // one chunk: the same pass
        #expect(throws: FoveaError.self) { try model.predict(images, inChunksOf: 0) }
    }

    /// MobileNetV2 at 224×224 (300 M multiply-accumulates, 3.5 M parameters, 4.8 MB expansions)
    /// is chunked; ResNet-20 (41 M, 0.27 M, 64 KB), ResNet-18 at 32×32 (37 M, 11.7 M) and LeNet-5 are not.
    @Test func theRuleChunksOnlyLargeActivations() {
        #expect(InferenceChunking.chunkSize(multiplyAccumulates: 300_000_000, parameters: 3_500_000,
                                            largestActivationBytes: 4_816_896) == 16)
        #expect(InferenceChunking.chunkSize(multiplyAccumulates: 40_500_000, parameters: 270_000, largestActivationBytes: 65_536) == nil)
        #expect(InferenceChunking.chunkSize(multiplyAccumulates: 37_000_000, parameters: 11_700_000,
                                            largestActivationBytes: 1 << 20) == nil)
        #expect(InferenceChunking.chunkSize(multiplyAccumulates: 420_000, parameters: 61_706, largestActivationBytes: 18_816) == nil)
    }
}
