import Foundation
import FoveaNN
import FoveaTestSupport
import Testing

/// ONNX files exported by PyTorch (`torch.onnx.export`, legacy exporter, opset 17) for
/// torchvision's ResNet-18 and MobileNetV2 import into Fovea and give PyTorch's logits. The files
/// are made at test time by Scripts/export_torchvision_onnx.py (45 MB is too much to commit).
@Suite struct ONNXImportTests {
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scripts").path

    static func python(_ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process(), pipe = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.standardOutput = pipe
        process.standardError = pipe
        guard (try? process.run()) != nil else { return (-1, "python3 not found") }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    static let torchAvailable = python(["-c", "import sys, types; sys.modules['torchvision._meta_registrations'] = types.ModuleType('m'); import torch, onnx, torchvision.models"]).status == 0

    func readFloats(_ path: String) throws -> [Float] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var values: [Float] = []
        for i in stride(from: 0, to: data.count, by: 4) {
            var bits: UInt32 = 0
            for b in 0..<4 { bits |= UInt32(data[i + b]) << UInt32(8 * b) }
            values.append(Float(bitPattern: bits))
        }
        return values
    }

    @Test(.enabled(if: torchAvailable), arguments: ["resnet18", "mobilenet_v2"])
    func pytorchExportsImportWithPyTorchsLogits(name: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-torch-onnx-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = Self.python([Self.scripts + "/export_torchvision_onnx.py", name, folder])
        try #require(result.status == 0, "\(result.output)")
        let model = try ONNXModel(contentsOf: folder + "/model.onnx")
        #expect(model.inputShape == [3, 64, 64] && model.classes == 10)
        let x = try Tensor(try readFloats(folder + "/x.f32"), shape: [2, 3, 64, 64])
        let expected = try readFloats(folder + "/y.f32").map(Double.init)
        let error = peakRelativeError(try model.predict(x).scalars, expected)
        #expect(error < 1e-4, "\(name): relative error \(error)")
        // An imported model is an ordinary module: it trains (gradients reach its initialisers).
        let loss = try Loss.crossEntropy(try model.forward(x, .training(RandomSource(seed: 1))), labels: [1, 2])
        loss.backward()
        #expect(model.parameters.contains { $0.grad != nil })
    }

    @Test func unsupportedOpsAndBrokenFilesAreClearErrors() throws {
        // A graph with one node of an op Fovea does not run.
        var node = Data()
        node.appendField(1, string: "input"); node.appendField(2, string: "y"); node.appendField(3, string: "n0"); node.appendField(4, string: "Einsum")
        var graph = Data()
        graph.appendField(1, bytes: node)
        var model = Data()
        model.appendField(7, bytes: graph)
        do {
            _ = try ONNXModel(data: model, source: "odd.onnx")
            Issue.record("expected an error")
        } catch let error as FoveaError {
            #expect(error.message.contains("odd.onnx") && error.message.contains("Einsum") && error.message.contains("n0"))
        }
        #expect(throws: FoveaError.self) { try ONNXModel(data: Data([0x3A, 0xFF, 0x01]), source: "truncated.onnx") }
        #expect(throws: FoveaError.self) { try ONNXModel(data: Data(), source: "empty.onnx") }
    }
}
