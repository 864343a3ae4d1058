import ArgumentParser
import Foundation
import FoveaTrain

struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dataset", abstract: "Inspect datasets.", subcommands: [Show.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print counts per class and write a PNG grid of labelled samples.")

        @Argument(help: "Dataset: \(DatasetCatalog.help).") var name: String
        @Option(help: "Where to write the grid (default: dataset-<name>.png).") var out: String?
        @Option(name: .customLong("per-class"), help: "Samples per class in the grid.") var perClass = 8

        func run() throws {
            try requirePositive(perClass, "--per-class")
            let loaded = try DatasetCatalog.load(name)
            for (title, part) in [("train", loaded.train)] + (loaded.test.map { [("test", $0)] } ?? []) {
                print("\(name) \(title): \(part.count) images of \(part.imageShape.map(String.init).joined(separator: "×")), \(part.classCount) classes")
                for (c, count) in part.countsPerClass.enumerated() {
                    print("  \(String(c).padding(toLength: 4, withPad: " ", startingAt: 0))\(part.classNames[c].padding(toLength: 20, withPad: " ", startingAt: 0))\(count)")
                }
            }
            let path = out ?? "dataset-\(name.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: ":", with: "-")).png"
            try writeAtomically(Data(try loaded.train.sampleGrid(perClass: perClass).png()), to: path)
            print("wrote \(path)")
        }
    }
}
