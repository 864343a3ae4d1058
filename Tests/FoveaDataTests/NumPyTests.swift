import Foundation
import FoveaData
import Testing

/// .npy and .npz written by NumPy (Scripts/make_numpy_fixtures.py).
@Suite struct NumPyTests {
    static let folder = Bundle.module.url(forResource: "numpy", withExtension: nil, subdirectory: "Fixtures")!.path
    static let expected = try! JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/expected.json"))) as! [String: [Double]]

    func close(_ a: [Float], _ b: [Double]) -> Bool { a.count == b.count && zip(a, b).allSatisfy { Swift.abs(Double($0) - $1) < 1e-6 } }

    @Test(arguments: ["faces.npy", "faces_be.npy", "fortran.npy"])
    func readsFloat64ArraysInEveryByteOrderAndLayout(file: String) throws {
        let array = try NumPy.read(Self.folder + "/" + file)
        #expect(array.shape == [3, 4, 5])
        #expect(close(array.values, Self.expected["faces"]!))
    }

    @Test func kerasStyleArchiveBecomesTrainAndTestInNCHW() throws {
        let data = try DatasetCatalog.load("npz:" + Self.folder + "/keras_style.npz")
        #expect(data.train.imageShape == [3, 5, 4] && data.train.count == 6 && data.test?.count == 2)
        #expect(data.train.labels == [0, 1, 2, 0, 1, 2])
        // NHWC → NCHW: pixel (n 0, y 1, x 2, c 1) is x_train[0, 1, 2, 1].
        let nhwc = Self.expected["x_train"]!
        #expect(Swift.abs(Double(data.train.images[flat: 1 * 20 + 1 * 4 + 2]) - nhwc[(1 * 4 + 2) * 3 + 1] / 255) < 1e-6)
    }

    @Test func storedArchiveWithFloatImages() throws {
        let arrays = try NumPy.readArchive(Self.folder + "/plain.npz")
        #expect(Set(arrays.keys) == ["images", "labels"])
        #expect(close(arrays["images"]!.values, Self.expected["images"]!))
        let data = try NumPy.dataset(Self.folder + "/plain.npz")
        #expect(data.train.imageShape == [1, 3, 3] && data.test == nil)
    }

    @Test func fuzzedArraysAndArchivesNeverCrash() throws {
        var generator = SeededGenerator(seed: 31)
        for file in ["faces.npy", "keras_style.npz", "plain.npz"] {
            let data = try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/" + file))
            let path = Files.folder() + "/" + file
            for trial in 0..<700 {
                var corrupt = trial < 200 ? data.prefix(data.count * trial / 200) : data
                if trial >= 200 { corrupt[generator.nextInt(below: corrupt.count)] ^= UInt8(1 << generator.nextInt(below: 8)) }
                Files.write(corrupt, path)
                do {
                    if file.hasSuffix("npy") { _ = try NumPy.read(path) } else { _ = try NumPy.dataset(path) }
                } catch is FoveaError {} catch { Issue.record("\(file): \(error)") }
            }
        }
    }
}
