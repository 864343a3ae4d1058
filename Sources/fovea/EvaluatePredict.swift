import ArgumentParser
import Foundation
import FoveaTrain

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a trained run on a dataset: classification report, confusion matrix, evaluation.json.")

    @Argument(help: "A run folder written by `fovea train`.") var runFolder: String
    @Option(help: "Dataset: \(DatasetCatalog.help). Its test split is used when it has one.") var dataset: String
    @Option(help: "Seed for generated datasets (patterns).") var seed: UInt64 = 42
    @Option(help: "Where to write evaluation.json (default: RUN/evaluation).") var out: String?

    func run() throws {
        let trained = try TrainedRun(folder: runFolder)
        var patterns = PatternDataset.Configuration(imageSize: trained.configuration.inputShape[1],
                                                    channels: trained.configuration.inputShape[0], seed: seed)
        patterns.classes = trained.configuration.classes
        let loaded = try DatasetCatalog.load(dataset, patterns: patterns)
        let data = loaded.test ?? loaded.train
        try trained.check(data)
        let prediction = try Prediction.run(trained.model, on: data)
        let metrics = TestMetrics(prediction, labels: data.labels)
        print("\(trained.configuration.name) on \(dataset) (\(data.count) images)\n")
        print(prediction.metrics.report())
        print(prediction.metrics.confusionTable())
        let folder = out ?? runFolder + "/evaluation"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeAtomically(try encoder.encode(metrics), to: folder + "/evaluation.json")
        try writeAtomically(Data(prediction.metrics.report().utf8), to: folder + "/classification_report.txt")
        let history = (try? JSONDecoder().decode(HistoryOnly.self, from: readFile(runFolder + "/summary.json")))?.history ?? []
        try Report.write(to: folder, title: "\(trained.configuration.name) evaluated on \(dataset)", history: history,
                         prediction: prediction, test: data)
        print(String(format: "\nAccuracy %.2f%%, macro F1 %.4f — wrote %@/evaluation.json", metrics.accuracy * 100, metrics.f1Macro, folder))
    }
}

/// The training history of a run's summary.json, shown again in evaluation reports.
struct HistoryOnly: Decodable { let history: [EpochRecord] }

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Classify image files (PNG or JPEG) with a trained run.")

    @Argument(help: "A run folder written by `fovea train`.") var runFolder: String
    @Argument(help: "Image files.") var images: [String]
    @Option(name: .customLong("top"), help: "How many classes to show per image.") var top = 3
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        try requirePositive(top, "--top")
        guard !images.isEmpty else { throw FoveaError.argument("give at least one image file") }
        let trained = try TrainedRun(folder: runFolder)
        var results: [[String: Any]] = []
        for path in images {
            let ranked = try trained.topK(try trained.loadImage(path), k: min(top, trained.configuration.classes))
            if json {
                results.append(["image": path, "top": ranked.map { ["class": $0.name, "index": $0.index, "probability": Double($0.probability)] }])
            } else {
                print(path)
                for (rank, entry) in ranked.enumerated() {
                    print(String(format: "  %d. %@ (%d)  %.2f%%", rank + 1, entry.name, entry.index, entry.probability * 100))
                }
            }
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
