import Foundation
import FoveaTrain

/// Renders training events on the terminal: a live bar per epoch when stdout is a terminal,
/// and one line per epoch either way.
struct ProgressPrinter {
    let interactive = isatty(STDOUT_FILENO) != 0
    let quiet: Bool
    private var lastDraw = Date.distantPast

    init(quiet: Bool) { self.quiet = quiet }

    mutating func handle(_ event: TrainingEvent) {
        guard !quiet else { return }
        switch event {
        case .epochStarted:
            lastDraw = .distantPast
        case let .batchEnded(epoch, batch, batches, loss, accuracy, rate, left):
            guard interactive, batch == batches || Date().timeIntervalSince(lastDraw) > 0.1 else { return }
            lastDraw = Date()
            let width = 24, filled = width * batch / max(batches, 1)
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let line = String(format: "Epoch %d [%@] %d/%d  loss %.4f  acc %.3f  %.0f img/s  ETA %@",
                              epoch, bar, batch, batches, loss, accuracy, rate, formatDuration(left))
            FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + line).utf8))
        case let .stoppedEarly(epoch, reason):
            print("Stopped early after epoch \(epoch): \(reason)")
        case let .epochEnded(record):
            if interactive { FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8)) }
            var line = String(format: "Epoch %3d  train loss %.4f  acc %.4f", record.epoch, record.trainLoss, record.trainAccuracy)
            if let loss = record.valLoss, let accuracy = record.valAccuracy {
                line += String(format: "  │  val loss %.4f  acc %.4f", loss, accuracy)
            }
            line += String(format: "  │  %.1fs", record.seconds)
            print(line)
            fflush(stdout)
        }
    }
}

func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "--" }
    let s = Int(seconds.rounded())
    return s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
}
