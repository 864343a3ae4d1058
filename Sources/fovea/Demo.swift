import ArgumentParser
import Foundation
import FoveaTrain

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the seed project's experiments.", subcommands: [Seed.self, DomainAdaptation.self])

    struct Seed: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "SimpleCNN vs the seed's ResNet on patterns (2 augmented copies per image), then step decay vs cosine annealing on 10 noisy 64×64 patterns.")

        @Option(help: "Output folder.") var out = "runs/demo-seed"
        @Option(help: "Random seed.") var seed: UInt64 = 42
        @Flag(help: "Tiny sizes, for a smoke test.") var quick = false

        func run() throws {
            let demo = SeedDemo(folder: out, scale: quick ? .quick : .full, seed: seed)
            let start = Date()
            var printer = ProgressPrinter(quiet: false)
            print("1/2 image classification: SimpleCNN and the seed's ResNet on the 5-class pattern set")
            let first = try demo.imageClassification { name, event in
                if case .epochStarted(let epoch, let epochs, _) = event, epoch == 1 { print("— \(name), \(epochs) epochs") }
                printer.handle(event)
            }
            print("2/2 advanced techniques: step decay vs cosine annealing on the 10-class 64×64 noisy set")
            let second = try demo.advancedTechniques { name, event in
                if case .epochStarted(let epoch, let epochs, _) = event, epoch == 1 { print("— \(name), \(epochs) epochs") }
                printer.handle(event)
            }
            print("\nexperiment            run                 params      test acc  macro F1  train s")
            for o in first + second {
                print(o.experiment.padding(toLength: 22, withPad: " ", startingAt: 0) + o.name.padding(toLength: 20, withPad: " ", startingAt: 0)
                      + o.params.formatted.padding(toLength: 12, withPad: " ", startingAt: 0)
                      + String(format: "%-9.4f %-9.4f %.1f", o.testAccuracy, o.f1Macro, o.trainingSeconds))
            }
            print(String(format: "\nwrote %@/image_classification/comparison.html and %@/advanced_techniques/comparison.html (%.0f s)",
                         out, out, Date().timeIntervalSince(start)))
        }
    }

    struct DomainAdaptation: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "domain-adaptation",
            abstract: "Domain-adversarial training (gradient reversal) from pattern images to inverted, noisy ones, against source-only training.")

        @Option(help: "Model.") var model = "simplecnn"
        @Option(help: "Epochs for each method.") var epochs = 8
        @Option(help: "Images per domain.") var samples = 2000
        @Option(help: "Random seed.") var seed: UInt64 = 42
        @Option(help: "Write the outcome as JSON here.") var out: String?

        func run() throws {
            var demo = DomainAdaptationDemo()
            demo.model = model; demo.epochs = epochs; demo.samples = samples; demo.seed = seed
            let outcome = try demo.run { method, epoch, loss in print(String(format: "%@ epoch %d: task loss %.4f", method, epoch, loss)) }
            print(String(format: "target-domain test accuracy: source only %.2f%%, DANN %.2f%% (source domain: %.2f%% / %.2f%%; domain classifier %.2f%%)",
                         outcome.sourceOnlyTargetAccuracy * 100, outcome.adversarialTargetAccuracy * 100,
                         outcome.sourceOnlySourceAccuracy * 100, outcome.adversarialSourceAccuracy * 100, outcome.finalDomainAccuracy * 100))
            if let out {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try writeAtomically(try encoder.encode(outcome), to: out)
            }
        }
    }
}
