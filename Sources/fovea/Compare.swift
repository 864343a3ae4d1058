import ArgumentParser
import Foundation
import FoveaTrain

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train several models on the same data and budget; write a table (parameters, FLOPs, training time, test accuracy, latency) and charts.")

    @Option(help: "Comma-separated model names (see `fovea models`).") var models = "lenet5,alexnet,vgg11,resnet18,efficientnet_b0"
    @Option(help: "Dataset: \(DatasetCatalog.help).") var dataset = "patterns"
    @Option(help: "Epochs per model.") var epochs = 3
    @Option(name: .customLong("batch-size"), help: "Batch size.") var batchSize = 32
    @Option(help: "Learning rate.") var lr: Float = 3e-4
    @Option(help: "Optimiser: adam, adamw, sgd, rmsprop.") var optimizer = "adam"
    @Option(help: "Learning-rate schedule (constant, cosine, step:N:G, exp:G).") var schedule = "cosine"
    @Option(help: "Pattern dataset: number of images.") var samples: Int?
    @Option(name: .customLong("image-size"), help: "Pattern dataset: image side.") var imageSize: Int?
    @Option(help: "Random seed (data split, weights, shuffling).") var seed: UInt64 = 42
    @Option(help: "Threads (default: all cores).") var threads: Int?
    @Option(help: "Output folder.") var out = "runs/compare"
    @Flag(help: "No progress output.") var quiet = false

    func run() throws {
        if let threads { try requirePositive(threads, "--threads") }
        ThreadPool.shared.setThreadCount(threads ?? ThreadPool.defaultThreadCount)
        var options = RunOptions()
        options.dataset = dataset; options.epochs = epochs; options.batchSize = batchSize; options.lr = lr
        options.optimizer = optimizer; options.schedule = schedule; options.samples = samples; options.imageSize = imageSize
        options.seed = seed
        try options.validate()
        let names = models.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let comparison = try ModelComparison(models: names, configuration: try options.trainingConfiguration(), folder: out)
        let data = try options.loadData()
        let start = Date()
        var printer = ProgressPrinter(quiet: quiet)
        let entries = try comparison.run(train: data.train, validation: data.validation, test: data.test) { name, event in
            if !quiet, case .epochStarted(let epoch, let total, _) = event, epoch == 1 { print("— \(name), \(total) epochs") }
            printer.handle(event)
        }
        print("\n" + ModelComparison.markdown(entries))
        print(String(format: "wrote %@/comparison.{md,csv,json,html} and charts (%.0f s)", out, Date().timeIntervalSince(start)))
    }
}
