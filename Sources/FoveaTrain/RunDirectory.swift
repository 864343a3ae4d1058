import Foundation

/// The files one training run leaves behind: `summary.json`, `model.safetensors`, `model.json`.
public struct RunSummary: Codable, Sendable {
    public var model: String
    public var dataset: String
    public var params: Int
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Double
    public var optimizer: String
    public var seed: UInt64
    public var threads: Int
    public var inputShape: [Int]
    public var classNames: [String]
    public var history: [EpochRecord]
    public var test: TestMetrics
    public var trainingSeconds: Double
    public var wallSeconds: Double

    public init(model: String, dataset: String, params: Int, epochs: Int, batchSize: Int, learningRate: Double,
                optimizer: String, seed: UInt64, threads: Int, inputShape: [Int], classNames: [String],
                history: [EpochRecord], test: TestMetrics, trainingSeconds: Double, wallSeconds: Double) {
        self.model = model; self.dataset = dataset; self.params = params; self.epochs = epochs
        self.batchSize = batchSize; self.learningRate = learningRate; self.optimizer = optimizer; self.seed = seed
        self.threads = threads; self.inputShape = inputShape; self.classNames = classNames; self.history = history
        self.test = test; self.trainingSeconds = trainingSeconds; self.wallSeconds = wallSeconds
    }

    enum CodingKeys: String, CodingKey {
        case model, dataset, params, epochs, optimizer, seed, threads, history, test
        case batchSize = "batch_size", learningRate = "learning_rate", inputShape = "input_shape"
        case classNames = "class_names", trainingSeconds = "training_seconds", wallSeconds = "wall_seconds"
    }
}

/// The test figures in `summary.json`.
public struct TestMetrics: Codable, Sendable {
    public let loss: Double
    public let accuracy: Double
    public let precisionMacro: Double
    public let recallMacro: Double
    public let f1Macro: Double
    public let top5Accuracy: Double?
    /// Rows are the true class, columns the predicted class.
    public let confusionMatrix: [[Int]]

    public init(_ prediction: Prediction, labels: [Int]) {
        loss = prediction.loss
        accuracy = prediction.metrics.accuracy
        precisionMacro = prediction.metrics.macroPrecision
        recallMacro = prediction.metrics.macroRecall
        f1Macro = prediction.metrics.macroF1
        top5Accuracy = prediction.metrics.classNames.count > 5 ? prediction.topKAccuracy(labels: labels, k: 5) : nil
        confusionMatrix = prediction.metrics.confusion.counts
    }

    enum CodingKeys: String, CodingKey {
        case loss, accuracy
        case precisionMacro = "precision_macro", recallMacro = "recall_macro", f1Macro = "f1_macro"
        case top5Accuracy = "top5_accuracy", confusionMatrix = "confusion_matrix"
    }
}

public enum RunDirectory {
    /// `runs/<model>-<yyyyMMdd-HHmmss>`
    public static func defaultPath(model: String, date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        return "runs/\(model)-\(formatter.string(from: date))"
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }

    public static func writeSummary(_ summary: RunSummary, to folder: String) throws {
        try writeAtomically(encoder().encode(summary), to: folder + "/summary.json")
    }

    /// Weights as safetensors (PyTorch `state_dict` names) and the configuration that rebuilds the model.
    public static func writeModel(_ model: Module, configuration: ModelConfiguration, to folder: String) throws {
        let configJSON = try encoder().encode(configuration)
        try Safetensors.write(model.stateDict(), metadata: ["fovea_model": String(decoding: configJSON, as: UTF8.self)],
                              to: folder + "/model.safetensors")
        try writeAtomically(configJSON, to: folder + "/model.json")
    }

    /// Rebuilds a model from a run folder's `model.json` and loads `model.safetensors`.
    public static func loadModel(from folder: String) throws -> (Module, ModelConfiguration) {
        let configuration: ModelConfiguration
        do {
            configuration = try JSONDecoder().decode(ModelConfiguration.self, from: readFile(folder + "/model.json"))
        } catch let error as FoveaError {
            throw error
        } catch {
            throw FoveaError.format("\(folder)/model.json: not a Fovea model description (\(error))")
        }
        // An imported ONNX graph keeps its file beside the weights (fovea import).
        let model: Module = configuration.name == "onnx" ? try ONNXModel(contentsOf: folder + "/model.onnx") : try ModelZoo.make(configuration, seed: 0)
        try model.loadStateDict(Safetensors.read(folder + "/model.safetensors").tensors, source: folder + "/model.safetensors")
        return (model, configuration)
    }
}
