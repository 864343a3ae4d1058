import ArgumentParser
import Foundation
import FoveaTrain

struct Ensemble: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Combine trained runs (mean of probabilities and majority vote) and compare with each member on a test set.")

    @Argument(help: "Run folders (two or more).") var runs: [String]
    @Option(help: "Dataset (default: the first run's, with its split).") var dataset: String?
    @Option(help: "Seed of the train/validation/test split (default: the first run's).") var seed: UInt64?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let members = try runs.map { try TrainedRun(folder: $0) }
        var options = (try? savedOptions(runs[0])) ?? RunOptions()
        if let dataset { options.dataset = dataset }
        if let seed { options.seed = seed }
        options.trainLimit = nil
        let test = try options.loadData().test
        for member in members { try member.check(test) }
        let result = try FoveaTrain.Ensemble(members: members.map(\.model)).evaluate(on: test)
        if json {
            let document: [String: Any] = ["runs": runs, "dataset": options.dataset, "test_images": test.count,
                                           "member_accuracies": result.memberAccuracies, "average_accuracy": result.averageAccuracy,
                                           "vote_accuracy": result.voteAccuracy]
            print(String(decoding: try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        print("Ensemble of \(members.count) runs on \(test.name) (\(test.count) images)")
        for (run, accuracy) in zip(runs, result.memberAccuracies) { print(String(format: "  %-40@ %.2f%%", run, accuracy * 100)) }
        print(String(format: "  mean of probabilities                    %.2f%%\n  majority vote                            %.2f%%",
                     result.averageAccuracy * 100, result.voteAccuracy * 100))
    }

    /// The options a run was trained with, from its last checkpoint.
    func savedOptions(_ folder: String) throws -> RunOptions {
        let checkpoint = try Checkpoint.read(folder + "/checkpoint-last.safetensors")
        return try JSONDecoder().decode(RunOptions.self, from: Data(checkpoint.metadata.options.utf8))
    }
}
