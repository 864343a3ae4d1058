import Foundation

/// Domain-adversarial training (DANN) — Y. Ganin, V. Lempitsky, "Unsupervised Domain Adaptation by
/// Backpropagation", ICML 2015; Ganin et al., JMLR 2016.
///
/// A classifier learns its task on labelled source images while a domain head, reached through a
/// gradient-reversal layer, tries to tell source features from target features. The reversal makes
/// the encoder learn features the domain head cannot separate, so the task head carries over to
/// the unlabelled target domain. L = L_task + L_domain at the head, which the reversal turns into
/// L_task − λ·L_domain for the encoder; λ ramps as 2 / (1 + e^(−10p)) − 1 over training progress p.
public final class DomainAdversarialTraining {
    public let model: Module
    public let reversal = GradientReversal(scale: 0)
    public let domainHead: Sequential
    public let configuration: TrainingConfiguration
    let optimizer: Optimizer

    /// `model` is any zoo classifier; its head's input are the features the domain head sees.
    public init(model: Module, configuration: TrainingConfiguration, domainHidden: Int = 64) throws {
        try configuration.validate()
        guard let (_, head) = model.head else { throw FoveaError.argument("\(model.typeName) has no Dense head to take features from") }
        var generator = SeededGenerator(seed: configuration.seed &+ 17)
        domainHead = Sequential(named: [("0", Dense(head.inFeatures, domainHidden, activation: .relu, generator: &generator)),
                                        ("1", Dense(domainHidden, 2, generator: &generator))])
        self.model = model
        self.configuration = configuration
        let parameters = model.namedParameters + domainHead.namedParameters.map { ("domain_head.\($0.name)", $0.parameter) }
        optimizer = configuration.optimizer.make(for: parameters, learningRate: configuration.learningRate)
    }

    public struct EpochLog: Codable, Sendable {
        public let epoch: Int, taskLoss: Double, domainLoss: Double, domainAccuracy: Double, lambda: Double
    }

    /// Trains on labelled `source` and unlabelled `target` images; returns one log line per epoch.
    public func fit(source: Dataset, target: Dataset, onEpoch: (EpochLog) -> Void = { _ in }) throws -> [EpochLog] {
        guard source.imageShape == target.imageShape else {
            throw FoveaError.shape("source images are \(describe(shape: source.imageShape)) but target images \(describe(shape: target.imageShape))")
        }
        let random = RandomSource(seed: configuration.seed)
        let context = ForwardContext.training(random)
        let half = configuration.batchSize
        var logs: [EpochLog] = []
        for epoch in 1...configuration.epochs {
            optimizer.learningRate = configuration.schedule.rate(at: epoch - 1, base: configuration.learningRate)
            let sourceLoader = DataLoader(source, batchSize: half, seed: configuration.seed, epoch: epoch, augmentation: configuration.augmentation)
            let targetLoader = DataLoader(target, batchSize: half, seed: configuration.seed &+ 1, epoch: epoch, augmentation: configuration.augmentation)
            var targetBatches = targetLoader.makeIterator()
            let stepsPerEpoch = sourceLoader.batchCount
            var taskSum = 0.0, domainSum = 0.0, domainCorrect = 0, seen = 0, lambda: Float = 0
            for (step, batch) in sourceLoader.enumerated() {
                guard let targetBatch = targetBatches.next() ?? { targetBatches = targetLoader.makeIterator(); return targetBatches.next() }() else { break }
                let progress = (Double(epoch - 1) + Double(step) / Double(stepsPerEpoch)) / Double(configuration.epochs)
                lambda = GradientReversal.rampedScale(progress: progress)
                reversal.scale = lambda
                let (ns, nt) = (batch.labels.count, targetBatch.labels.count)
                let images = Tensor.concatenate([batch.images, targetBatch.images], axis: 0)
                let (logits, features) = try model.forwardWithFeatures(images, context)
                let taskLoss = try Loss.crossEntropy(logits.slice(axis: 0, 0..<ns), labels: batch.labels)
                let domainLogits = try domainHead.forward(try reversal.forward(features, context), context)
                let domainLabels = Array(repeating: 0, count: ns) + Array(repeating: 1, count: nt)
                let domainLoss = try Loss.crossEntropy(domainLogits, labels: domainLabels)
                let loss = taskLoss + domainLoss
                guard loss.item.isFinite else {
                    throw FoveaError(.numerical, "domain-adversarial training stopped: the loss became \(loss.item) at epoch \(epoch), batch \(step + 1)")
                }
                optimizer.zeroGrad()
                loss.backward()
                optimizer.step()
                taskSum += Double(taskLoss.item) * Double(ns)
                domainSum += Double(domainLoss.item) * Double(ns + nt)
                domainCorrect += zip(domainLogits.argmax(axis: 1), domainLabels).filter { $0 == $1 }.count
                seen += ns
            }
            let log = EpochLog(epoch: epoch, taskLoss: taskSum / Double(max(seen, 1)), domainLoss: domainSum / Double(max(2 * seen, 1)),
                               domainAccuracy: Double(domainCorrect) / Double(max(2 * seen, 1)), lambda: Double(lambda))
            logs.append(log)
            onEpoch(log)
        }
        return logs
    }
}
