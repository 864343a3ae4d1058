import ArgumentParser
import Foundation
import FoveaTrain

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time training steps and inference of a model on random data.")

    @Argument(help: "Model name (see `fovea models`).") var model: String
    @Option(help: "Batch size.") var batch = 64
    @Option(help: "Threads (default: all cores).") var threads: Int?
    @Option(help: "Input shape C,H,W (default: the model's).") var input: String?
    @Option(help: "Number of classes (default: the model's).") var classes: Int?
    @Option(help: "Timed repeats (the median is reported).") var repeats = 5
    @Option(help: "Seconds per timed repeat.") var seconds: Double = 1.0
    @Flag(name: .customLong("train-only"), help: "Skip the inference measurements.") var trainOnly = false
    @Flag(name: .customLong("infer-only"), help: "Skip the training measurement.") var inferOnly = false
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        try requirePositive(batch, "--batch")
        try requirePositive(repeats, "--repeats")
        if let threads { try requirePositive(threads, "--threads") }
        if let classes { try requirePositive(classes, "--classes") }
        if trainOnly && inferOnly { throw ValidationError("--train-only and --infer-only exclude each other") }
        ThreadPool.shared.setThreadCount(threads ?? ThreadPool.defaultThreadCount)
        let spec = try ModelZoo.specification(named: model)
        let shape = try input.map { try parseShape($0, option: "--input") } ?? spec.defaultInput
        let result = try Benchmark.run(model: spec.name, batch: batch, inputShape: shape, classes: classes ?? spec.defaultClasses,
                                       repeats: repeats, secondsPerRepeat: seconds, trainOnly: trainOnly, inferOnly: inferOnly)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print(String(format: "%@  batch %d, %d threads: train %.1f img/s, inference %.1f img/s, batch-1 latency %.3f ms, peak RSS %.0f MB, BLAS %@",
                         result.model, result.batch, result.threads, result.trainImagesPerSecond, result.inferImagesPerSecond,
                         result.inferLatencyMsBatch1, result.peakRssMb, result.blasCore))
        }
    }
}
