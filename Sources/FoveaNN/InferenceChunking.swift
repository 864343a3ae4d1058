import Foundation
import FoveaCore
import Synchronization

/// How `Module.predict` splits a large batch: into chunks of 16 images run one after the other
/// through the whole network, where a batch's activations are far larger than the caches, so that
/// each layer's output is still in L3 (or L2) when the next layer reads it.
///
/// Measured at batch 64 on the 2-core Xeon (paired alternating runs, chunks of 16 against the
/// whole batch): MobileNetV2 at 224×224 1.25–1.33× (its expanded activations are 4.8 MB per
/// image), ResNet-18 at 224×224 1.02–1.09×; ResNet-20 (64 KB per image) 0.996× over 16 rounds
/// (earlier, shorter runs had shown up to 1.1×: the VM's noise), and it lost where per-layer work
/// is small or the weights dominate: LeNet-5 0.86×, ResNet-18 (0.74×) and MobileNetV2 (0.85×) at
/// 32×32. Chunks of 8 lost more (SimpleCNN 0.75×, the seed ResNet 0.72×: the kernels' choices
/// assume a fuller batch). So a model is chunked only where its largest activation is at least
/// 1 MB per image, one image costs at least 25 M multiply-accumulates and at least 20 per
/// parameter (each chunk reads the weights again).
/// `FOVEA_PREDICT_CHUNK` overrides the plan (0: never chunk; n: chunks of n) for A/B runs.
public enum InferenceChunking {
    public static let chunk = 16

    /// What decides the chunking for one model and input shape (one image's forward pass, once).
    struct Plan {
        let chunk: Int?
    }

    private struct Key: Hashable {
        let model: ObjectIdentifier
        let parameters: Int
        let inputShape: [Int]
    }

    private static let plans = Mutex<[Key: Plan]>([:])

    static let override: Int? = ProcessInfo.processInfo.environment["FOVEA_PREDICT_CHUNK"].flatMap { Int($0) }

    /// The chunk size for `batch` images of `inputShape` through `model`, or nil to run them at once.
    static func chunk(for model: Module, inputShape: [Int], batch: Int) throws -> Int? {
        if let override { return override > 0 && batch > override ? override : nil }
        guard batch >= 2 * chunk else { return nil }
        let key = Key(model: ObjectIdentifier(model), parameters: model.parameterCount, inputShape: inputShape)
        if let plan = plans.withLock({ $0[key] }) { return plan.chunk }
        let plan = try makePlan(model, inputShape: inputShape)
        plans.withLock { $0[key] = plan }
        return plan.chunk
    }

    private static func makePlan(_ model: Module, inputShape: [Int]) throws -> Plan {
        let summary = try ModelSummary(of: model, inputShape: inputShape)
        let largestActivation = 4 * (summary.rows.map { $0.outputShape.reduce(1, *) }.max() ?? 0)
        return Plan(chunk: chunkSize(multiplyAccumulates: summary.multiplyAccumulates, parameters: summary.params,
                                     largestActivationBytes: largestActivation))
    }

    /// The rule above: chunks of `chunk` images for a model whose one image costs
    /// `multiplyAccumulates` and whose largest activation is `largestActivationBytes`, else nil.
    public static func chunkSize(multiplyAccumulates macs: Int, parameters: Int, largestActivationBytes: Int) -> Int? {
        macs >= 25_000_000 && macs / max(parameters, 1) >= 20 && largestActivationBytes >= 1 << 20 ? chunk : nil
    }
}
