import ArgumentParser
import Foundation
import FoveaTrain

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a trained run's model as ONNX (opset 17, dynamic batch) and/or safetensors with PyTorch state_dict names.")

    @Argument(help: "Run folder.") var folder: String
    @Option(help: "ONNX file to write.") var onnx: String?
    @Option(help: "Safetensors file to write (loads in PyTorch with safetensors.torch.load_file).") var safetensors: String?

    func run() throws {
        guard onnx != nil || safetensors != nil else { throw FoveaError.argument("give --onnx FILE and/or --safetensors FILE") }
        let trained = try TrainedRun(folder: folder)
        if let onnx {
            let data = try ONNXGraphBuilder.export(trained.model, inputShape: trained.configuration.inputShape)
            try writeAtomically(data, to: onnx)
            print("wrote \(onnx) (\(data.count.formatted) bytes)")
        }
        if let safetensors {
            try Safetensors.write(trained.model.stateDict(), to: safetensors)
            print("wrote \(safetensors)")
        }
    }
}
