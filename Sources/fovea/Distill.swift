import ArgumentParser
import FoveaTrain

/// `fovea distill`: `fovea train` of a student against a teacher's soft targets.
struct Distill: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train --student on a --teacher run's soft targets (KL at --temperature, mixed with cross-entropy by --distill-alpha).")
    @Option(help: "The student model (see `fovea models`).") var student: String
    @OptionGroup var train: Train

    func run() throws {
        guard train.teacher != nil else { throw FoveaError.argument("distill needs --teacher RUN_DIR") }
        var command = train
        command.model = student
        try command.run()
    }
}
