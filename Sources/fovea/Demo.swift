import ArgumentParser
import Foundation
import FoveaTrain

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the seed project's experiments.", subcommands: [Seed.self])

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
}
