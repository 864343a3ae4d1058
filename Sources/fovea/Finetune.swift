import ArgumentParser
import FoveaTrain

/// `fovea finetune`: `fovea train` from pre-trained weights.
struct Finetune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fine-tune from a run folder or safetensors weights: --from, --freeze PREFIX / --freeze-encoder, --l2sp λ, plus every train option.")
    @OptionGroup var train: Train

    func run() throws {
        guard train.from != nil else { throw FoveaError.argument("finetune needs --from RUN_DIR or WEIGHTS.safetensors") }
        try train.run()
    }
}
