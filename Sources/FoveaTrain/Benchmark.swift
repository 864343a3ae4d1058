import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Throughput of a model on random data, measured the way the PyTorch baseline is
/// (shared/bench/PYTORCH-BASELINE.md): a training step is forward, softmax cross-entropy,
/// backward and an SGD-momentum step; inference runs without recording gradients.
/// Each figure is the median over `repeats` timed windows that follow a warm-up.
public struct BenchmarkResult: Codable, Sendable {
    public let model: String
    public let batch: Int
    public let threads: Int
    public let inputShape: [Int]
    public let classes: Int
    public let params: Int
    /// Floating-point operations of one image's forward pass (2 × multiply-accumulates).
    public let forwardFlops: Int
    public let trainImagesPerSecond: Double
    public let inferImagesPerSecond: Double
    public let inferLatencyMsBatch1: Double
    public let peakRssMb: Double
    /// The BLAS kernels that ran (OpenBLAS's core name, e.g. "SkylakeX"; "Accelerate" on Apple).
    public let blasCore: String

    enum CodingKeys: String, CodingKey {
        case model, batch, threads, classes, params
        case forwardFlops = "forward_flops"
        case inputShape = "input_shape"
        case trainImagesPerSecond = "train_images_per_second", inferImagesPerSecond = "infer_images_per_second"
        case inferLatencyMsBatch1 = "infer_latency_ms_batch1", peakRssMb = "peak_rss_mb"
        case blasCore = "blas_core"
    }
}

public enum Benchmark {
    public static func run(model name: String, batch: Int, inputShape: [Int], classes: Int,
                           repeats: Int = 5, secondsPerRepeat: Double = 1.0, trainOnly: Bool = false,
                           inferOnly: Bool = false) throws -> BenchmarkResult {
        guard batch > 0, repeats > 0 else { throw FoveaError.argument("batch and repeats must be positive") }
        let configuration = ModelConfiguration(name: name, classes: classes, inputShape: inputShape)
        let model = try ModelZoo.make(configuration, seed: 1)
        var generator = SeededGenerator(seed: 2)
        // A pool of 4 random batches, cycled, so data generation stays outside the timing.
        let batches = (0..<4).map { _ in
            (Tensor.uniform([batch] + inputShape, using: &generator), (0..<batch).map { _ in generator.nextInt(below: classes) })
        }
        let optimizer = SGD(model.namedParameters, learningRate: 0.01, momentum: 0.9)
        let context = ForwardContext.training(RandomSource(seed: 3))
        var step = 0
        func trainStep() throws {
            let (images, labels) = batches[step % batches.count]
            step += 1
            let loss = try Loss.crossEntropy(try model.forward(images, context), labels: labels)
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
        }
        let train = inferOnly ? 0 : try measure(repeats: repeats, seconds: secondsPerRepeat, trainStep)
        var inferStep = 0
        let infer = trainOnly ? 0 : try measure(repeats: repeats, seconds: secondsPerRepeat) {
            _ = try model.predict(batches[inferStep % batches.count].0)
            inferStep += 1
        }
        let single = batches[0].0.gatherRows([0])
        let latency = trainOnly ? 0 : try measure(repeats: repeats, seconds: secondsPerRepeat) { _ = try model.predict(single) }
        return BenchmarkResult(model: name, batch: batch, threads: ThreadPool.shared.threadCount, inputShape: inputShape,
                               classes: classes, params: model.parameterCount,
                               forwardFlops: 2 * (try ModelSummary(of: model, inputShape: inputShape).multiplyAccumulates),
                               trainImagesPerSecond: inferOnly ? 0 : Double(batch) / train, inferImagesPerSecond: trainOnly ? 0 : Double(batch) / infer,
                               inferLatencyMsBatch1: latency * 1000, peakRssMb: peakResidentMegabytes(),
                               blasCore: BLASLibrary.core)
    }

    /// Median seconds per call: 3 warm-up calls, then `repeats` windows of about `seconds` each.
    static func measure(repeats: Int, seconds: Double, _ body: () throws -> Void) throws -> Double {
        var start = Date()
        for _ in 0..<3 { try body() }
        let estimate = Date().timeIntervalSince(start) / 3
        let callsPerWindow = Swift.max(1, Int(seconds / Swift.max(estimate, 1e-6)))
        var samples: [Double] = []
        for _ in 0..<repeats {
            start = Date()
            for _ in 0..<callsPerWindow { try body() }
            samples.append(Date().timeIntervalSince(start) / Double(callsPerWindow))
        }
        return samples.sorted()[samples.count / 2]
    }

    /// The process's peak resident set size so far.
    public static func peakResidentMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF_PORTABLE, &usage)
        #if os(Linux)
        return Double(usage.ru_maxrss) / 1024          // kilobytes on Linux
        #else
        return Double(usage.ru_maxrss) / 1_048_576     // bytes on Apple platforms
        #endif
    }
}

#if os(Linux)
private let RUSAGE_SELF_PORTABLE = __rusage_who_t(RUSAGE_SELF.rawValue)
#else
private let RUSAGE_SELF_PORTABLE = RUSAGE_SELF
#endif
