import Foundation
import FoveaCore
import FoveaTestSupport
import Testing

@Suite struct SafetensorsTests {
    @Test func roundTripKeepsNamesShapesValuesAndMetadata() throws {
        let tensors = ["a.weight": randomTensor([2, 3], seed: 1), "b": randomTensor([4], seed: 2), "scalar": Tensor(scalar: 5)]
        let data = try Safetensors.encode(tensors, metadata: ["format": "pt"])
        let (decoded, metadata) = try Safetensors.decode(data, source: "memory")
        #expect(metadata == ["format": "pt"])
        for (name, t) in tensors {
            #expect(decoded[name]?.shape == t.shape)
            #expect(decoded[name]?.scalars == t.scalars)
        }
    }

    @Test func truncatedFilesAreErrorsNamingTheSource() throws {
        let data = try Safetensors.encode(["w": randomTensor([16], seed: 3)])
        for cut in [0, 4, 8, 20, data.count - 1] {
            #expect(throws: FoveaError.self) { try Safetensors.decode(data.prefix(cut), source: "cut.safetensors") }
        }
        do {
            _ = try Safetensors.decode(data.prefix(data.count - 1), source: "cut.safetensors")
        } catch let error as FoveaError {
            #expect(error.message.contains("cut.safetensors"))
        }
    }

    @Test func bitFlipsNeverCrash() throws {
        let data = try Safetensors.encode(["w": randomTensor([8], seed: 4), "v": randomTensor([3], seed: 5)])
        var generator = SeededGenerator(seed: 6)
        for _ in 0..<500 {
            var corrupt = data
            let index = generator.nextInt(below: corrupt.count)
            corrupt[index] ^= UInt8(1 << generator.nextInt(below: 8))
            _ = try? Safetensors.decode(corrupt, source: "flipped")
        }
    }

    @Test func atomicWritesReplaceWholeFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-atomic-\(UUID())").path
        try writeAtomically(Data("old".utf8), to: folder + "/file.txt")
        try writeAtomically(Data("new contents".utf8), to: folder + "/file.txt")
        #expect(try String(decoding: readFile(folder + "/file.txt"), as: UTF8.self) == "new contents")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["file.txt"])
        #expect(throws: FoveaError.self) { try readFile(folder + "/missing") }
    }
}
