import Foundation
import FoveaData
import Testing

/// Helpers that write small files in each dataset format.
enum Files {
    static func folder() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-data-\(UUID())").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func idx(shape: [Int], bytes: [UInt8]) -> Data {
        var data = Data([0, 0, 0x08, UInt8(shape.count)])
        for d in shape { data.append(contentsOf: [UInt8(d >> 24 & 255), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)]) }
        data.append(contentsOf: bytes)
        return data
    }

    /// gzip through the command-line tool, so the reader is tested against an independent encoder.
    static func gzip(_ data: Data) throws -> Data {
        let folder = folder(), path = folder + "/file"
        try data.write(to: URL(fileURLWithPath: path))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "gzip -n -9 '\(path)'"]
        try process.run()
        process.waitUntilExit()
        return try Data(contentsOf: URL(fileURLWithPath: path + ".gz"))
    }

    static func write(_ data: Data, _ path: String) { try! data.write(to: URL(fileURLWithPath: path)) }
}

@Suite struct IDXTests {
    @Test func readsRawAndGzipImagesAndLabels() throws {
        let folder = Files.folder()
        let pixels = (0..<(3 * 2 * 4)).map { UInt8($0 * 10) }
        Files.write(Files.idx(shape: [3, 2, 4], bytes: pixels), folder + "/images")
        Files.write(try Files.gzip(Files.idx(shape: [3], bytes: [7, 0, 9])), folder + "/labels.gz")
        let images = try IDX.images(folder + "/images")
        #expect(images.shape == [3, 1, 2, 4])
        #expect(images.scalars == pixels.map { Float($0) / 255 })
        #expect(try IDX.labels(folder + "/labels.gz") == [7, 0, 9])
    }

    @Test func headerAndSizeMismatchesAreErrorsNamingTheFile() throws {
        let folder = Files.folder()
        Files.write(Files.idx(shape: [3, 2, 2], bytes: [UInt8](repeating: 1, count: 11)), folder + "/short")
        Files.write(Data([0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0]), folder + "/floats")
        Files.write(Data([1, 2, 3, 4, 5]), folder + "/garbage")
        for (name, fragment) in [("short", "truncated"), ("floats", "not supported"), ("garbage", "not an IDX file")] {
            do {
                _ = try IDX.read(folder + "/" + name)
                Issue.record("\(name) should fail")
            } catch let error as FoveaError {
                #expect(error.message.contains(folder + "/" + name) && error.message.contains(fragment), "\(error.message)")
            }
        }
        #expect(throws: FoveaError.self) { try IDX.read(folder + "/missing") }
    }

    @Test func mnistFolderLoadsBothSplitsAndChecksLabels() throws {
        let folder = Files.folder()
        Files.write(Files.idx(shape: [2, 28, 28], bytes: [UInt8](repeating: 255, count: 2 * 784)), folder + "/train-images-idx3-ubyte")
        Files.write(Files.idx(shape: [2], bytes: [1, 2]), folder + "/train-labels-idx1-ubyte")
        Files.write(try Files.gzip(Files.idx(shape: [1, 28, 28], bytes: [UInt8](repeating: 0, count: 784))), folder + "/t10k-images-idx3-ubyte.gz")
        Files.write(Files.idx(shape: [1], bytes: [9]), folder + "/t10k-labels-idx1-ubyte")
        let data = try DatasetCatalog.load("mnist:" + folder)
        #expect(data.train.count == 2 && data.test?.count == 1)
        #expect(data.train.imageShape == [1, 28, 28])
        Files.write(Files.idx(shape: [2], bytes: [1, 12]), folder + "/train-labels-idx1-ubyte")
        #expect(throws: FoveaError.self) { try DatasetCatalog.load("mnist:" + folder) }
        Files.write(Files.idx(shape: [3], bytes: [1, 1, 1]), folder + "/train-labels-idx1-ubyte")
        #expect(throws: FoveaError.self) { try DatasetCatalog.load("mnist:" + folder) }
    }
}

@Suite struct CIFARTests {
    func record(label: [UInt8], red: UInt8, green: UInt8, blue: UInt8) -> [UInt8] {
        label + [UInt8](repeating: red, count: 1024) + [UInt8](repeating: green, count: 1024) + [UInt8](repeating: blue, count: 1024)
    }

    @Test func cifar10RecordsAreNCHW() throws {
        let folder = Files.folder()
        Files.write(Data(record(label: [3], red: 255, green: 0, blue: 51) + record(label: [9], red: 0, green: 255, blue: 0)), folder + "/data_batch_1.bin")
        Files.write(Data(record(label: [0], red: 0, green: 0, blue: 0)), folder + "/test_batch.bin")
        let data = try CIFAR.load(directory: folder, variant: .cifar10)
        #expect(data.train.labels == [3, 9])
        #expect(data.train.imageShape == [3, 32, 32])
        let first = data.train.images.gatherRows([0]).scalars
        #expect(first[0] == 1 && first[1024] == 0 && Swift.abs(first[2048] - 0.2) < 1e-6)
        #expect(data.train.classNames[3] == "cat")
        #expect(data.test.count == 1)
    }

    @Test func cifar100UsesTheFineLabel() throws {
        let folder = Files.folder()
        Files.write(Data(record(label: [1, 57], red: 1, green: 2, blue: 3)), folder + "/train.bin")
        Files.write(Data(record(label: [2, 99], red: 1, green: 2, blue: 3)), folder + "/test.bin")
        let data = try DatasetCatalog.load("cifar100:" + folder)
        #expect(data.train.labels == [57] && data.test?.labels == [99])
        #expect(data.train.classCount == 100)
    }

    @Test func truncatedBatchesAndBadLabelsAreErrors() throws {
        let folder = Files.folder()
        Files.write(Data(record(label: [3], red: 1, green: 1, blue: 1).dropLast()), folder + "/short.bin")
        Files.write(Data(record(label: [10], red: 1, green: 1, blue: 1)), folder + "/label.bin")
        #expect(throws: FoveaError.self) { try CIFAR.readBatch(folder + "/short.bin", variant: .cifar10) }
        #expect(throws: FoveaError.self) { try CIFAR.readBatch(folder + "/label.bin", variant: .cifar10) }
        #expect(throws: FoveaError.self) { try CIFAR.load(directory: folder, variant: .cifar10) }
    }
}

@Suite struct PixelCSVTests {
    @Test func readsPixelsThenLabelAndScalesByRange() throws {
        let folder = Files.folder()
        Files.write(Data("0,16,8,4,1\n16,16,0,0,0\n".utf8), folder + "/digits.csv")
        let data = try PixelCSV.load(folder + "/digits.csv")
        #expect(data.imageShape == [1, 2, 2])
        #expect(data.labels == [1, 0])
        #expect(data.images.scalars == [0, 1, 0.5, 0.25, 1, 1, 0, 0])
        Files.write(try Files.gzip(Data("0,255,255,0,3\n".utf8)), folder + "/mnist.csv.gz")
        #expect(try PixelCSV.load(folder + "/mnist.csv.gz").images.scalars == [0, 1, 1, 0])
    }

    @Test func badRowsNameTheLine() throws {
        let folder = Files.folder()
        Files.write(Data("1,2,3,4,0\n1,2,x,4,1\n".utf8), folder + "/bad.csv")
        Files.write(Data("1,2,3,4,0\n1,2,3,1\n".utf8), folder + "/ragged.csv")
        Files.write(Data("1,2,3,0\n".utf8), folder + "/notsquare.csv")
        for (name, fragment) in [("bad", "bad.csv:2"), ("ragged", "ragged.csv:2"), ("notsquare", "not a square")] {
            do {
                _ = try PixelCSV.load(folder + "/\(name).csv")
                Issue.record("\(name) should fail")
            } catch let error as FoveaError { #expect(error.message.contains(fragment), "\(error.message)") }
        }
    }
}

@Suite struct CatalogTests {
    @Test func unknownNamesAndMissingPathsAreErrors() {
        #expect(throws: FoveaError.self) { try DatasetCatalog.load("imagenet") }
        #expect(throws: FoveaError.self) { try DatasetCatalog.load("cifar10") }
        #expect(throws: FoveaError.self) { try DatasetCatalog.load("mnist:/nonexistent") }
        do {
            _ = try MNISTFormat.fashionMNIST(directory: "/nonexistent/fashion")
        } catch let error as FoveaError { #expect(error.message.contains("/nonexistent/fashion")) } catch {}
    }

    static let fashionInstalled = FileManager.default.fileExists(atPath: MNISTFormat.debianFashionMNIST)

    /// The real Fashion-MNIST from Debian's dataset-fashion-mnist (CI installs it).
    @Test(.enabled(if: fashionInstalled)) func fashionMNISTHasItsPublishedCountsAndMean() throws {
        let data = try DatasetCatalog.load("fashion-mnist")
        #expect(data.train.count == 60_000 && data.test?.count == 10_000)
        #expect(data.train.countsPerClass == [Int](repeating: 6000, count: 10))
        #expect(data.train.classNames[9] == "Ankle boot")
        let mean = data.train.images.scalars.reduce(0.0) { $0 + Double($1) } / Double(data.train.images.count)
        #expect(Swift.abs(mean - 0.2860) < 0.001)
    }
}

/// Thousands of truncated and bit-flipped real files through every binary reader: each one
/// either decodes or throws a FoveaError; nothing crashes.
@Suite struct ReaderFuzzTests {
    func fuzz(_ original: Data, name: String, flips: Int = 1500, _ read: (String) throws -> Void) throws {
        let folder = Files.folder(), path = folder + "/" + name
        var generator = SeededGenerator(seed: 17)
        let cuts = Swift.min(original.count, 400)
        for trial in 0..<(cuts + flips) {
            var corrupt = original
            if trial < cuts {
                corrupt = original.prefix(original.count * trial / cuts)
            } else {
                for _ in 0..<(1 + generator.nextInt(below: 3)) {
                    let i = generator.nextInt(below: corrupt.count)
                    corrupt[i] ^= UInt8(1 << generator.nextInt(below: 8))
                }
            }
            Files.write(corrupt, path)
            do { try read(path) } catch is FoveaError {} catch { Issue.record("\(name): non-Fovea error \(error)") }
        }
    }

    /// Real Fashion-MNIST images when installed, otherwise a synthetic IDX of the same layout.
    func sampleIDX() throws -> Data {
        if CatalogTests.fashionInstalled {
            let images = try IDX.read(MNISTFormat.debianFashionMNIST + "/t10k-images-idx3-ubyte.gz")
            return Files.idx(shape: [8, 28, 28], bytes: [UInt8](images.bytes.prefix(8 * 784)))
        }
        return Files.idx(shape: [8, 28, 28], bytes: (0..<(8 * 784)).map { UInt8($0 % 251) })
    }

    @Test func idxRawAndGzip() throws {
        let raw = try sampleIDX()
        try fuzz(raw, name: "images-idx3-ubyte") { _ = try IDX.images($0) }
        try fuzz(try Files.gzip(raw), name: "images-idx3-ubyte.gz") { _ = try IDX.images($0) }
    }

    @Test func cifarBatches() throws {
        let raw = try sampleIDX().suffix(3073 * 2)
        try fuzz(Data(raw), name: "data_batch_1.bin") { _ = try CIFAR.readBatch($0, variant: .cifar10) }
    }

    @Test func safetensorsFiles() throws {
        let tensors = ["conv.weight": Tensor(ones: [4, 1, 3, 3]), "conv.bias": Tensor(zeros: [4])]
        try fuzz(try Safetensors.encode(tensors), name: "model.safetensors") { _ = try Safetensors.read($0) }
    }
}
