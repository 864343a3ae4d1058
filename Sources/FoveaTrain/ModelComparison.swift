import Foundation

/// Several zoo models trained on the same data with the same budget (epochs, batch, optimiser,
/// schedule, seed), then compared: parameters, FLOPs, training time, test accuracy and batch-1
/// inference latency. Writes a run folder per model (weights, metrics.csv, report.html) and
/// `comparison.{json,csv,md,html}` with accuracy and cost charts.
public struct ModelComparison {
    public struct Entry: Codable, Sendable {
        public let model: String
        public let params: Int
        public let flops: Int
        public let trainingSeconds: Double
        public let testAccuracy: Double
        public let macroF1: Double
        public let latencyMsBatch1: Double
        enum CodingKeys: String, CodingKey {
            case model, params, flops
            case trainingSeconds = "training_seconds", testAccuracy = "test_accuracy", macroF1 = "macro_f1"
            case latencyMsBatch1 = "latency_ms_batch1"
        }
    }

    public let models: [String]
    public let configuration: TrainingConfiguration
    public let folder: String

    public init(models: [String], configuration: TrainingConfiguration, folder: String) throws {
        guard !models.isEmpty else { throw FoveaError.argument("compare needs at least one model") }
        for name in models { _ = try ModelZoo.specification(named: name) }
        try configuration.validate()
        self.models = models; self.configuration = configuration; self.folder = folder
    }

    /// Trains and measures each model in turn; `onEvent` gets the model name with each training event.
    public func run(train: Dataset, validation: Dataset?, test: Dataset,
                    onEvent: (String, TrainingEvent) -> Void = { _, _ in }) throws -> [Entry] {
        var entries: [Entry] = []
        for name in models {
            let spec = try ModelZoo.specification(named: name)
            let config = ModelConfiguration(name: spec.name, classes: train.classCount, inputShape: train.imageShape)
            let network = try ModelZoo.make(config, seed: configuration.seed)
            let flops = 2 * (try ModelSummary(of: network, inputShape: train.imageShape).multiplyAccumulates)
            let runFolder = "\(folder)/\(spec.name)"
            let trainer = try Trainer(model: network, configuration: configuration, modelConfiguration: config)
            let start = Date()
            let history = try trainer.fit(train: train, validation: validation,
                                          callbacks: [CSVLogger(path: runFolder + "/metrics.csv")]) { onEvent(spec.name, $0) }
            let seconds = Date().timeIntervalSince(start)
            let prediction = try Prediction.run(network, on: test)
            try RunDirectory.writeModel(network, configuration: config, to: runFolder)
            try Report.write(to: runFolder, title: "\(spec.name) on \(train.name)", history: history, prediction: prediction, test: test)
            entries.append(Entry(model: spec.name, params: network.parameterCount, flops: flops, trainingSeconds: seconds,
                                 testAccuracy: prediction.metrics.accuracy, macroF1: prediction.metrics.macroF1,
                                 latencyMsBatch1: try Self.latency(network, image: test.images.gatherRows([0]))))
        }
        try write(entries, dataset: train.name)
        return entries
    }

    /// Median of 15 single-image inferences after 3 warm-up runs, in milliseconds.
    static func latency(_ model: Module, image: Tensor) throws -> Double {
        for _ in 0..<3 { _ = try model.predict(image) }
        let times = try (0..<15).map { _ -> Double in
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try model.predict(image)
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        }
        return times.sorted()[times.count / 2]
    }

    /// The table as Markdown, as recorded in the README.
    public static func markdown(_ entries: [Entry]) -> String {
        var lines = ["| model | parameters | FLOPs / image | training s | test accuracy | macro F1 | latency (batch 1) |",
                     "|---|---:|---:|---:|---:|---:|---:|"]
        for e in entries {
            lines.append("| \(e.model) | \(e.params.formatted) | \(ModelSummary.describeFLOPs(e.flops)) | "
                         + String(format: "%.1f | %.4f | %.4f | %.2f ms |", e.trainingSeconds, e.testAccuracy, e.macroF1, e.latencyMsBatch1))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func write(_ entries: [Entry], dataset: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeAtomically(try encoder.encode(entries), to: folder + "/comparison.json")
        var csv = "model,params,flops,training_seconds,test_accuracy,macro_f1,latency_ms_batch1\n"
        for e in entries {
            csv += "\(e.model),\(e.params),\(e.flops),\(String(format: "%.3f,%.6f,%.6f,%.4f", e.trainingSeconds, e.testAccuracy, e.macroF1, e.latencyMsBatch1))\n"
        }
        try writeAtomically(Data(csv.utf8), to: folder + "/comparison.csv")
        try writeAtomically(Data(Self.markdown(entries).utf8), to: folder + "/comparison.md")
        let accuracy = BarChart(title: "Test accuracy", yLabel: "accuracy", bars: entries.map { ($0.model, $0.testAccuracy) })
        let time = BarChart(title: "Training time (s)", yLabel: "seconds", bars: entries.map { ($0.model, $0.trainingSeconds) })
        let size = BarChart(title: "Parameters (millions)", yLabel: "millions", bars: entries.map { ($0.model, Double($0.params) / 1e6) })
        try writeAtomically(Data(try accuracy.raster().png()), to: folder + "/comparison_accuracy.png")
        try writeAtomically(Data(try time.raster().png()), to: folder + "/comparison_training_time.png")
        let title = "Model comparison on \(dataset): \(configuration.epochs) epochs, batch \(configuration.batchSize), \(configuration.optimizer.name) lr \(configuration.learningRate)"
        let html = ComparisonPage.html(
            title: title, columns: ["model", "parameters", "FLOPs / image", "training s", "test accuracy", "macro F1", "latency, batch 1"],
            rows: entries.map { e in (e.model, [e.params.formatted, ModelSummary.describeFLOPs(e.flops), String(format: "%.1f", e.trainingSeconds),
                                                String(format: "%.4f", e.testAccuracy), String(format: "%.4f", e.macroF1),
                                                String(format: "%.2f ms", e.latencyMsBatch1)]) },
            charts: [accuracy.svg(), time.svg(), size.svg()])
        try writeAtomically(Data(html.utf8), to: folder + "/comparison.html")
    }
}
