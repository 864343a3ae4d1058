import ArgumentParser
import Foundation
import FoveaCore
import FoveaTrain

@main
struct Fovea: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fovea",
        abstract: "Build, train and evaluate image classifiers in Swift.",
        subcommands: [Train.self, Finetune.self, Distill.self, Ensemble.self, Export.self, Import.self, Evaluate.self, Predict.self, Summary.self, Models.self, Compare.self, Bench.self, DatasetCommand.self, Demo.self])

    /// Errors are one line on stderr and a non-zero exit; help and version go to stdout as usual.
    static func main() {
        do {
            var command = try parseAsRoot()
            // A missing or wrong OpenBLAS is one line before any work (help needs none).
            let isSubcommand = configuration.subcommands.contains { ObjectIdentifier($0) == ObjectIdentifier(type(of: command)) }
            if isSubcommand, let problem = BLASLibrary.loadError { throw FoveaError.io(problem) }
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
            } else {
                let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
                FileHandle.standardError.write(Data("error: \(message)\n".utf8))
            }
            Foundation.exit(code.rawValue)
        }
    }
}

/// Parses "3,32,32" into [3, 32, 32].
func parseShape(_ text: String, option: String) throws -> [Int] {
    let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard parts.count == 3, parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
        throw FoveaError.argument("\(option) must be three positive integers C,H,W, got '\(text)'")
    }
    return parts.map { $0! }
}

func requirePositive(_ value: Int, _ option: String) throws {
    guard value > 0 else { throw FoveaError.argument("\(option) must be positive, got \(value)") }
}
