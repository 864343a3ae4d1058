import Foundation
import FoveaNN
import FoveaTestSupport
import Testing

/// ONNX files exported by PyTorch (`torch.onnx.export`, legacy exporter, opset 17) for
/// torchvision's ResNet-18 and MobileNetV2 import into Fovea and give PyTorch's logits. The files
/// are made at test time by Scripts/export_torchvision_onnx.py (45 MB is too much to commit).
@Suite struct ONNXImportTests {
    static let torchAvailable = pythonCanRun(
        "import sys, types; sys.modules['torchvision._meta_registrations'] = types.ModuleType('m'); import torch, onnx, torchvision.models")

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
        let result = runPython([scriptsFolder() + "/export_torchvision_onnx.py", name, folder])
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

    /// A one-node graph on a [N, 3, 4, 4] input, with float initialisers and node attributes.
    func graph(_ op: String, inputs: [String], initializers: [(String, [Int])], ints: [(String, [Int])] = [],
               strings: [(String, String)] = []) -> Data {
        func valueInfo(_ name: String, _ dims: [Int]) -> Data {
            var shape = Data()
            for d in dims { var dim = Data(); dim.appendField(1, int: d); shape.appendField(1, bytes: dim) }
            var tensorType = Data(); tensorType.appendField(1, int: 1); tensorType.appendField(2, bytes: shape)
            var type = Data(); type.appendField(1, bytes: tensorType)
            var info = Data(); info.appendField(1, string: name); info.appendField(2, bytes: type)
            return info
        }
        var node = Data()
        for input in inputs { node.appendField(1, string: input) }
        node.appendField(2, string: "y"); node.appendField(3, string: "n0"); node.appendField(4, string: op)
        for (key, values) in ints {
            var a = Data(); a.appendField(1, string: key); for v in values { a.appendField(8, int: v) }; a.appendField(20, int: 7)
            node.appendField(5, bytes: a)
        }
        for (key, value) in strings {
            var a = Data(); a.appendField(1, string: key); a.appendField(4, string: value); a.appendField(20, int: 3)
            node.appendField(5, bytes: a)
        }
        var graph = Data()
        graph.appendField(1, bytes: node)
        for (name, dims) in initializers {
            var t = Data()
            for d in dims { t.appendField(1, int: d) }
            t.appendField(2, int: 1); t.appendField(8, string: name)
            t.appendField(9, bytes: Data(count: dims.reduce(1, *) * 4))
            graph.appendField(5, bytes: t)
        }
        graph.appendField(11, bytes: valueInfo("input", [1, 3, 4, 4]))
        graph.appendField(12, bytes: valueInfo("y", [1, 2]))
        var model = Data()
        model.appendField(7, bytes: graph)
        return model
    }

    /// Graphs whose shapes do not fit their ops fail with an error naming the node, not a trap.
    @Test(arguments: [
        ("Conv", ["input", "w"], [("w", [2, 5, 3, 3])], [("x", [0])], [("x", "")]),
        ("Conv", ["input", "w"], [("w", [2, 3, 3, 3])], [], [("auto_pad", "SAME_UPPER")]),
        ("Conv", ["input", "w"], [("w", [2, 3, 7, 7])], [], []),
        ("MatMul", ["input", "w"], [("w", [5, 2])], [], []),
        ("Transpose", ["input"], [], [("perm", [0, 1, 1, 2])], []),
        ("Gemm", ["input", "w"], [("w", [3, 2])], [], []),
        ("Concat", ["input", "w"], [("w", [1, 3, 5, 4])], [("axis", [1])], []),
        ("Add", ["input", "w"], [("w", [3, 5])], [], []),
        ("MaxPool", ["input"], [], [("kernel_shape", [9, 9])], []),
    ])
    func illFittingGraphsAreErrorsNamingTheNode(_ c: (op: String, inputs: [String], initializers: [(String, [Int])], ints: [(String, [Int])], strings: [(String, String)])) throws {
        let model = try ONNXModel(data: graph(c.op, inputs: c.inputs, initializers: c.initializers, ints: c.ints, strings: c.strings), source: "bad.onnx")
        do {
            _ = try model.predict(Tensor(zeros: [1, 3, 4, 4]))
            Issue.record("\(c.op): expected an error")
        } catch let error as FoveaError {
            #expect(error.message.contains("n0") && error.message.contains(c.op), "\(error.message)")
        }
    }
}
