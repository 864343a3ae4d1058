import Foundation
import FoveaData
import Testing

@Suite struct ImageCodecTests {
    struct Entry: Decodable { let file: String; let width: Int; let height: Int; let channels: Int }
    static let folder = Bundle.module.url(forResource: "images", withExtension: nil, subdirectory: "Fixtures")!.path
    static let index: [String: Entry] = try! JSONDecoder().decode([String: Entry].self,
        from: Data(contentsOf: URL(fileURLWithPath: folder + "/index.json")))

    /// Decoded pixels equal Pillow's exactly (Scripts/make_image_fixtures.py).
    @Test(arguments: ["rgb_png", "rgba_png", "gray_png", "palette_png", "baseline_jpg", "progressive_jpg", "gray_jpg"])
    func decodesLikePillow(name: String) throws {
        let entry = Self.index[name]!
        let image = try ImageCodec.decode(file: Self.folder + "/" + entry.file)
        #expect(image.width == entry.width && image.height == entry.height && image.channels == entry.channels)
        let reference = try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/\(name).raw"))
        #expect(image.pixels == [UInt8](reference))
    }

    @Test func pngEncodingRoundTrips() throws {
        let pixels = (0..<(5 * 4 * 3)).map { UInt8($0 * 4) }
        let png = try ImageCodec.encodePNG(pixels: pixels, width: 5, height: 4, channels: 3)
        let back = try ImageCodec.decode(png, source: "memory")
        #expect(back.pixels == pixels && back.channels == 3 && back.width == 5)
    }

    @Test func corruptAndTruncatedFilesAreErrorsNamingTheFile() throws {
        for name in ["baseline_jpg.jpg", "progressive_jpg.jpg", "rgb_png.png"] {
            let data = try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/" + name))
            // Cuts into the pixel data (a PNG's last 12 bytes are its empty IEND chunk).
            for cut in [2, 10, data.count / 2, data.count - (name.hasSuffix("png") ? 20 : 1)] {
                do {
                    _ = try ImageCodec.decode(data.prefix(cut), source: "cut-\(name)")
                    Issue.record("\(name) cut at \(cut) of \(data.count) decoded")
                } catch let error as FoveaError { #expect(error.message.contains("cut-\(name)")) }
            }
        }
        // A PNG missing only its IEND trailer still holds every pixel: it decodes, and exactly.
        let png = try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/rgb_png.png"))
        #expect(try ImageCodec.decode(png.prefix(png.count - 12), source: "x").pixels == ImageCodec.decode(png, source: "y").pixels)
        #expect(throws: FoveaError.self) { try ImageCodec.decode(Data("GIF89a".utf8), source: "x.gif") }
    }

    @Test func fuzzedImagesNeverCrash() throws {
        var generator = SeededGenerator(seed: 21)
        for name in ["baseline_jpg.jpg", "progressive_jpg.jpg", "rgb_png.png", "palette_png.png"] {
            let data = try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/" + name))
            for trial in 0..<600 {
                var corrupt = trial < 150 ? data.prefix(data.count * trial / 150) : data
                if trial >= 150 {
                    for _ in 0..<(1 + generator.nextInt(below: 3)) {
                        corrupt[generator.nextInt(below: corrupt.count)] ^= UInt8(1 << generator.nextInt(below: 8))
                    }
                }
                do { _ = try ImageCodec.decode(corrupt, source: name) } catch is FoveaError {} catch { Issue.record("\(error)") }
            }
        }
    }

    @Test func channelConversion() {
        let gray = DecodedImage(width: 1, height: 1, channels: 1, pixels: [51])
        #expect(gray.planar(channels: 3).pixels == [0.2, 0.2, 0.2])
        let red = DecodedImage(width: 1, height: 1, channels: 4, pixels: [255, 0, 0, 9])
        #expect(Swift.abs(red.planar(channels: 1).pixels[0] - 0.299) < 1e-6)
    }
}

@Suite struct ImageFolderTests {
    func makeFolder(sizes: [(String, Int, Int)]) throws -> String {
        let root = Files.folder()
        for (index, (label, width, height)) in sizes.enumerated() {
            try FileManager.default.createDirectory(atPath: "\(root)/\(label)", withIntermediateDirectories: true)
            let pixels = [UInt8](repeating: UInt8(index * 40), count: width * height * 3)
            try ImageCodec.encodePNG(pixels: pixels, width: width, height: height, channels: 3)
                .write(to: URL(fileURLWithPath: "\(root)/\(label)/\(index).png"))
        }
        return root
    }

    @Test func subfoldersAreClassesAndImagesAreNCHW() throws {
        let root = try makeFolder(sizes: [("cat", 4, 3), ("dog", 4, 3), ("cat", 4, 3)])
        try FileManager.default.copyItem(atPath: ImageCodecTests.folder + "/baseline_jpg.jpg", toPath: root + "/dog/photo.JPG")
        let data = try ImageFolder.load(root, size: (3, 4))
        #expect(data.classNames == ["cat", "dog"])
        #expect(data.countsPerClass == [2, 2])
        #expect(data.imageShape == [3, 3, 4])
        #expect(Swift.abs(data.images[flat: 12 * 3] - 80 / 255) < 1e-6)   // second cat image (index 2 → value 80)
    }

    @Test func mixedSizesNeedAResizeTargetAndEmptyFoldersAreErrors() throws {
        let root = try makeFolder(sizes: [("a", 4, 3), ("b", 5, 5)])
        #expect(throws: FoveaError.self) { try ImageFolder.load(root) }
        #expect(try ImageFolder.load(root, size: (8, 8)).imageShape == [3, 8, 8])
        #expect(try DatasetCatalog.load("folder:\(root)@8x6").train.imageShape == [3, 8, 6])
        #expect(throws: FoveaError.self) { try DatasetCatalog.load("folder:\(root)@8") }
        #expect(throws: FoveaError.self) { try ImageFolder.load(Files.folder()) }
        let broken = try makeFolder(sizes: [("a", 2, 2)])
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: broken + "/a/bad.png"))
        do {
            _ = try ImageFolder.load(broken)
            Issue.record("expected an error")
        } catch let error as FoveaError { #expect(error.message.contains("bad.png")) }
    }
}
