import ArgumentParser
import FoveaTrain

struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the model zoo with parameters and FLOPs per image at the default input (or --input).")

    @Option(help: "Input shape C,H,W for every model (default: each model's native input).") var input: String?
    @Flag(name: .customLong("names-only"), help: "Only the names, without building the models.") var namesOnly = false

    func run() throws {
        if namesOnly { ModelZoo.names.forEach { print($0) }; return }
        let shape = try input.map { try parseShape($0, option: "--input") }
        func column(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        print(column("name", 20) + column("input", 12) + column("classes", 9) + column("params", 14) + column("FLOPs", 10) + "description")
        for spec in ModelZoo.all {
            let inputShape = shape ?? spec.defaultInput
            let model = try ModelZoo.make(ModelConfiguration(name: spec.name, classes: spec.defaultClasses, inputShape: inputShape), seed: 0)
            let summary = try ModelSummary(of: model, inputShape: inputShape)
            print(column(spec.name, 20) + column(inputShape.map(String.init).joined(separator: "×"), 12)
                  + column(String(spec.defaultClasses), 9) + column(summary.params.formatted, 14)
                  + column(ModelSummary.describeFLOPs(2 * summary.multiplyAccumulates), 10) + spec.summary)
        }
        print("efficientnet_phiΦ   any Φ in [0, 8]: B0 compound-scaled (depth 1.2^Φ, width 1.1^Φ, resolution 224·1.15^Φ)")
    }
}
