import FoveaData
import Testing

/// The math of each augmentation on tiny images.
@Suite struct AugmentationTests {
    func image(_ values: [Float], channels: Int = 1, height: Int, width: Int) -> ImageBuffer {
        ImageBuffer(pixels: values, channels: channels, height: height, width: width)
    }
    var always: SeededGenerator { SeededGenerator(seed: 1) }

    @Test func flipsMirror() {
        var g = always
        var x = image([1, 2, 3, 4, 5, 6], height: 2, width: 3)
        HorizontalFlip(probability: 1).apply(&x, using: &g)
        #expect(x.pixels == [3, 2, 1, 6, 5, 4])
        VerticalFlip(probability: 1).apply(&x, using: &g)
        #expect(x.pixels == [6, 5, 4, 3, 2, 1])
        HorizontalFlip(probability: 0).apply(&x, using: &g)
        #expect(x.pixels == [6, 5, 4, 3, 2, 1])
    }

    @Test func ninetyDegreeRotationMovesAKnownPixelWhereItBelongs() {
        // 5×5 with one bright pixel right of centre: rotating 90° counter-clockwise moves it above centre.
        var x = image([Float](repeating: 0, count: 25), height: 5, width: 5)
        x[0, 2, 4] = 1
        RandomAffine.warp(&x, angle: .pi / 2, scale: 1, tx: 0, ty: 0, fill: 0)
        #expect(Swift.abs(x[0, 0, 2] - 1) < 1e-5)
        #expect(Swift.abs(x.pixels.reduce(0, +) - 1) < 1e-5)
    }

    @Test func translationShiftsAndFills() {
        var x = image([1, 2, 3, 4, 5, 6, 7, 8, 9], height: 3, width: 3)
        RandomAffine.warp(&x, angle: 0, scale: 1, tx: 1, ty: 0, fill: -1)
        #expect(x.pixels == [-1, 1, 2, -1, 4, 5, -1, 7, 8])
    }

    @Test func scalingAboutTheCentreKeepsTheCentre() {
        var x = image((0..<25).map(Float.init), height: 5, width: 5)
        RandomAffine.warp(&x, angle: 0, scale: 2, tx: 0, ty: 0, fill: 0)
        #expect(x[0, 2, 2] == 12)
        #expect(Swift.abs(x[0, 2, 4] - 13) < 1e-5)   // two pixels out at 2× come from one pixel out
    }

    @Test func cropShiftsWithZeroPadding() {
        var g = SeededGenerator(seed: 3)
        var x = image((1...16).map(Float.init), height: 4, width: 4)
        RandomCrop(padding: 2).apply(&x, using: &g)
        let kept = x.pixels.filter { $0 != 0 }
        // Whatever the offset, the surviving pixels are a contiguous window of the original.
        #expect(!kept.isEmpty && Set(kept).isSubset(of: Set((1...16).map(Float.init))))
        #expect(x.pixels.count == 16)
    }

    @Test func brightnessScalesAndContrastKeepsTheMean() {
        var g = always
        var x = image([0.2, 0.4, 0.6, 0.4], height: 2, width: 2)
        Contrast.adjust(&x, alpha: 1.5)
        #expect(Swift.abs(x.pixels.reduce(0, +) / 4 - 0.4) < 1e-6)
        #expect(Swift.abs(x.pixels[0] - 0.1) < 1e-6)
        var y = image([0.2, 0.4], height: 1, width: 2)
        Brightness(maxDelta: 0).apply(&y, using: &g)
        #expect(y.pixels == [0.2, 0.4])
    }

    @Test func hueShiftOfAThirdTurnsRedIntoGreen() {
        var x = image([1, 0.5, 0, 0, 0, 0], channels: 3, height: 1, width: 2)   // pixel 0 red, pixel 1 mid-grey-ish
        HueShift.rotate(&x, by: 1.0 / 3)
        #expect(Swift.abs(x[0, 0, 0]) < 1e-5 && Swift.abs(x[1, 0, 0] - 1) < 1e-5 && Swift.abs(x[2, 0, 0]) < 1e-5)
        var back = x
        HueShift.rotate(&back, by: -1.0 / 3)
        #expect(Swift.abs(back[0, 0, 0] - 1) < 1e-5)
    }

    @Test func normalizeIsPerChannel() {
        var g = always
        var x = image([1, 3, 10, 20], channels: 2, height: 1, width: 2)
        Normalize(mean: [2, 15], std: [1, 5]).apply(&x, using: &g)
        #expect(x.pixels == [-1, 1, -1, 1])
    }

    @Test func resizeIsBilinearWithAlignedCentres() {
        let x = image([0, 1, 2, 3], height: 2, width: 2)
        let big = resize(x, height: 4, width: 4)
        #expect(big[0, 0, 0] == 0 && big[0, 3, 3] == 3)
        #expect(Swift.abs(big[0, 1, 1] - 0.75) < 1e-6)
    }

    @Test func parsingNamesEveryOption() throws {
        let pipeline = try AugmentationPipeline.parse("flip,vflip,crop=2,rotate=10,scale=0.1,translate=0.1,brightness=0.2,contrast=0.2,hue=0.05,noise=0.01")
        #expect(pipeline.transforms.count == 8)   // rotate/scale/translate are one affine warp
        #expect(throws: FoveaError.self) { try AugmentationPipeline.parse("sharpen") }
        #expect(throws: FoveaError.self) { try AugmentationPipeline.parse("rotate=-5") }
    }

    @Test func pipelineIsReproducibleWhateverTheThreadCount() throws {
        let data = try PatternDataset.generate(.init(samples: 16, imageSize: 16))
        let pipeline = try AugmentationPipeline.parse("flip,crop=2,rotate=15,brightness=0.2,contrast=0.2,hue=0.05,noise=0.02")
        ThreadPool.shared.setThreadCount(1)
        let one = pipeline.apply(to: data.images, seed: 9, keys: Array(0..<16))
        ThreadPool.shared.setThreadCount(ThreadPool.defaultThreadCount)
        let many = pipeline.apply(to: data.images, seed: 9, keys: Array(0..<16))
        #expect(one.scalars == many.scalars)
        #expect(one.scalars != data.images.scalars)
    }
}

@Suite struct BatchMixTests {
    let images = Tensor(uninitializedShape: [6, 1, 8, 8])
    init() { for i in 0..<images.count { images.pointer[i] = Float(i / 64) } }   // image i is filled with i

    @Test func mixupLabelsSumToOneAndImagesAreTheSameMixture() {
        var g = SeededGenerator(seed: 4)
        let result = BatchMix.mixup(alpha: 0.4).apply(images: images, labels: [0, 1, 2, 0, 1, 2], classes: 3, using: &g)
        for n in 0..<6 {
            let row = (0..<3).map { result.targets[flat: n * 3 + $0] }
            #expect(Swift.abs(row.reduce(0, +) - 1) < 1e-6)
            let expected = result.lambda * Float(n) + (1 - result.lambda) * Float(result.permutation[n])
            #expect(Swift.abs(result.images[flat: n * 64 + 17] - expected) < 1e-5)
        }
    }

    @Test func cutmixLambdaEqualsThePastedArea() {
        for seed in 0..<20 {
            var g = SeededGenerator(seed: UInt64(seed))
            let result = BatchMix.cutmix(alpha: 1).apply(images: images, labels: [0, 1, 2, 3, 4, 5], classes: 6, using: &g)
            for n in 0..<6 where result.permutation[n] != n {
                let pasted = (0..<64).filter { result.images[flat: n * 64 + $0] == Float(result.permutation[n]) }.count
                #expect(Swift.abs(result.lambda - (1 - Float(pasted) / 64)) < 1e-6, "seed \(seed)")
                let row = (0..<6).map { result.targets[flat: n * 6 + $0] }
                #expect(Swift.abs(row.reduce(0, +) - 1) < 1e-6)
            }
        }
    }

    @Test func betaSamplesHaveTheRightMean() {
        var g = SeededGenerator(seed: 5)
        for (a, b) in [(Float(0.4), Float(0.4)), (2, 5), (1, 1)] {
            let samples = (0..<20_000).map { _ in sampleBeta(a, b, using: &g) }
            let mean = samples.reduce(0, +) / Float(samples.count)
            #expect(Swift.abs(mean - a / (a + b)) < 0.01, "Beta(\(a), \(b)) mean \(mean)")
            #expect(samples.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
    }
}

@Suite struct DataLoaderTests {
    @Test func batchesDependOnlyOnSeedAndEpoch() throws {
        let data = try PatternDataset.generate(.init(samples: 50, imageSize: 8))
        let augmentation = try AugmentationPipeline.parse("flip,crop=1")
        func collect(_ epoch: Int) -> [[Float]] {
            DataLoader(data, batchSize: 16, seed: 3, epoch: epoch, augmentation: augmentation, mix: .mixup(alpha: 0.2)).map { $0.images.scalars }
        }
        #expect(collect(1) == collect(1))
        #expect(collect(1) != collect(2))
        let loader = DataLoader(data, batchSize: 16, seed: 3, epoch: 1)
        #expect(loader.map(\.labels.count) == [16, 16, 16, 2])
        #expect(loader.flatMap(\.labels).sorted() == data.labels.sorted())
        #expect(loader.flatMap(\.labels) != data.labels)   // shuffled
        #expect(DataLoader(data, batchSize: 16, dropLast: true, seed: 3, epoch: 1).map(\.labels.count) == [16, 16, 16])
    }

    @Test func droppingTheIteratorCancelsTheProducer() throws {
        let data = try PatternDataset.generate(.init(samples: 200, imageSize: 8))
        var queues: [() -> Bool] = []
        for _ in 0..<20 {
            var iterator: DataLoader.Iterator? = DataLoader(data, batchSize: 4, seed: 1).makeIterator()
            _ = iterator!.next()
            let queue = iterator!.queue
            queues.append { queue.isCancelled }
            iterator = nil   // an epoch cut short
        }
        #expect(queues.allSatisfy { $0() })
    }
}
