import Foundation
import FoveaTrain

/// What `--from`, `--freeze`, `--freeze-encoder`, `--l2sp` and `--teacher` do to a fresh model
/// and its trainer.
struct TransferSetup {
    var startingPoint: StartingPoint?
    var distillation: Distillation?

    init(options: RunOptions, network: Module, data: Dataset, quiet: Bool) throws {
        if options.l2sp != nil && options.from == nil { throw FoveaError.argument("--l2sp needs --from (the weights to stay close to)") }
        if options.newHead == true && options.from == nil { throw FoveaError.argument("--new-head needs --from") }
        if let from = options.from {
            let weights = try PretrainedWeights.read(from)
            let (headReplaced, loaded) = try PretrainedWeights.load(weights, into: network, source: from)
            if options.newHead == true && !headReplaced {
                var generator = SeededGenerator(seed: options.seed &+ 101)
                try network.replaceHead(classes: data.classCount, generator: &generator)
            }
            if !quiet {
                print("Loaded \(loaded) tensors from \(from)" + (headReplaced || options.newHead == true ? "; new head for \(data.classCount) classes" : ""))
            }
            if let lambda = options.l2sp {
                guard lambda >= 0, lambda.isFinite else { throw FoveaError.argument("--l2sp must be ≥ 0, got \(lambda)") }
                startingPoint = StartingPoint(lambda: lambda, model: network, reference: weights)
            }
        }
        if options.freezeEncoder == true { try network.freezeEncoder() }
        if let prefixes = options.freeze { try network.setTrainable(false, prefixes: prefixes) }
        if let teacher = options.teacher {
            let run = try TrainedRun(folder: teacher)
            try run.check(data)
            distillation = try Distillation(teacher: run.model, temperature: options.temperature ?? 4, alpha: options.distillAlpha ?? 0.9)
        }
        if !quiet, options.freeze != nil || options.freezeEncoder == true {
            print("Trainable: \(network.trainableParameterCount.formatted) of \(network.parameterCount.formatted) parameters")
        }
    }

    func configure(_ trainer: Trainer) {
        trainer.startingPoint = startingPoint
        trainer.distillation = distillation
    }
}
