import Foundation
import FoveaModels
import FoveaTestSupport
import Testing

/// Every zoo model exported to ONNX runs in ONNX Runtime (Scripts/check_onnx.py) with Fovea's
/// logits; and the exported file imports back into Fovea with the same logits.
@Suite struct ONNXExportTests {
    static let onnxRuntimeAvailable = pythonCanRun("import onnxruntime")

    static var models: [String] { runsHeavyTests ? ModelZoo.names : ModelZooTests.quickModels }

    func writeFloats(_ tensor: Tensor, to path: String) throws {
        var data = Data(capacity: tensor.count * 4)
        for value in tensor.scalars { data.appendLittleEndian(value.bitPattern) }
        try data.write(to: URL(fileURLWithPath: path))
    }

    @Test(.enabled(if: onnxRuntimeAvailable), arguments: models)
    func onnxRuntimeGivesFoveasLogits(name: String) throws {
        let spec = try ModelZoo.specification(named: name)
        let input = spec.defaultInput[1] <= 32 ? spec.defaultInput : [3, 32, 32]
        let model = try ModelZoo.make(.init(name: name, classes: 10, inputShape: input), seed: 3)
        // Non-trivial running statistics, so the exported batch norms are really exercised.
        for (name, buffer) in model.namedBuffers where buffer.value.rank == 1 {
            buffer.value = referenceValues(name: name, shape: buffer.value.shape)
        }
        let x = randomTensor([2] + input, seed: 4)
        let logits = try model.predict(x)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-onnx-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("model.onnx").path
        try ONNXGraphBuilder.export(model, inputShape: input).write(to: URL(fileURLWithPath: file))
        try writeFloats(x, to: folder.appendingPathComponent("x.f32").path)
        try writeFloats(logits, to: folder.appendingPathComponent("y.f32").path)

        let (_, output) = runPython([scriptsFolder() + "/check_onnx.py", file, folder.appendingPathComponent("x.f32").path,
                                     folder.appendingPathComponent("y.f32").path, ([2] + input).map(String.init).joined(separator: ",")])
        let error = Double(output.split(separator: "\n").last.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? "")
        #expect(error != nil && error! < 1e-4, "\(name): ONNX Runtime relative error \(output.suffix(600))")

        // Round trip: the exported graph imported by Fovea gives the same logits.
        let imported = try ONNXModel(contentsOf: file)
        #expect(peakRelativeError(try imported.predict(x).scalars, logits.scalars.map(Double.init)) < 1e-5, "\(name): re-imported")
    }
}
