import ArgumentParser
import Foundation
import FoveaTrain

struct Summary: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a model's layers, output shapes and parameter counts (Keras style).")

    @Argument(help: "Model name (see `fovea models`).") var model: String
    @Option(help: "Input shape C,H,W (default: the model's native input).") var input: String?
    @Option(help: "Number of classes (default: the model's).") var classes: Int?
    @Flag(help: "Print JSON instead of a table.") var json = false

    func run() throws {
        let spec = try ModelZoo.specification(named: model)
        let inputShape = try input.map { try parseShape($0, option: "--input") } ?? spec.defaultInput
        if let classes { try requirePositive(classes, "--classes") }
        let configuration = ModelConfiguration(name: spec.name, classes: classes ?? spec.defaultClasses, inputShape: inputShape)
        let network = try ModelZoo.make(configuration, seed: 0)
        let summary = try ModelSummary(of: network, inputShape: inputShape)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            print(String(decoding: try encoder.encode(SummaryDocument(model: spec.name, summary: summary)), as: UTF8.self))
        } else {
            print(summary.table(title: spec.name))
        }
    }
}

/// `fovea summary --json`: the model name, totals and the per-layer rows.
struct SummaryDocument: Encodable {
    let model: String
    let inputShape: [Int]
    let params: Int
    let trainable: Int
    /// Per image: 2 × multiply-accumulates of convolutions, dense layers and attention.
    let flops: Int
    let layers: [ModelSummary.Row]

    init(model: String, summary: ModelSummary) {
        self.model = model
        inputShape = summary.inputShape
        params = summary.params
        trainable = summary.trainable
        flops = 2 * summary.multiplyAccumulates
        layers = summary.rows
    }
}
