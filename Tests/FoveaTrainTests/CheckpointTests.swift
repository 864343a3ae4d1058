import Foundation
import FoveaTrain
import Testing

@Suite struct CheckpointTests {
    func tinyTrainer() throws -> Trainer {
        let config = ModelConfiguration(name: "keras-mnist-dense", classes: 3, inputShape: [1, 4, 4])
        return try Trainer(model: try ModelZoo.make(config, seed: 1), configuration: .init(epochs: 2, batchSize: 4), modelConfiguration: config)
    }

    func folder() -> String { FileManager.default.temporaryDirectory.appendingPathComponent("fovea-ckpt-\(UUID())").path }

    @Test func roundTripRestoresEverything() throws {
        var generator = SeededGenerator(seed: 99)
        let data = try Dataset(name: "tiny", images: Tensor.uniform([12, 1, 4, 4], using: &generator), labels: (0..<12).map { $0 % 3 },
                               classNames: ["a", "b", "c"])
        let trainer = try tinyTrainer()
        try trainer.fit(train: data, validation: data)
        let path = folder() + "/checkpoint.safetensors"
        try Checkpoint.write(model: trainer.model, optimizer: trainer.optimizer, metadata: trainer.checkpointMetadata(options: "{}"), to: path)
        let restored = try tinyTrainer()
        try restored.restore(try Checkpoint.read(path), source: path)
        #expect(restored.state.epoch == 2 && restored.state.history == trainer.state.history)
        #expect(restored.random.generator == trainer.random.generator)
        #expect(restored.model.stateDict().keys.allSatisfy { restored.model.stateDict()[$0]!.scalars == trainer.model.stateDict()[$0]!.scalars })
    }

    @Test func tamperedAndTruncatedCheckpointsAreClearErrors() throws {
        let trainer = try tinyTrainer()
        let path = folder() + "/checkpoint.safetensors"
        try Checkpoint.write(model: trainer.model, optimizer: trainer.optimizer, metadata: trainer.checkpointMetadata(options: "{}"), to: path)
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data[data.count - 5] ^= 0x40
        try data.write(to: URL(fileURLWithPath: path))
        do {
            _ = try Checkpoint.read(path)
            Issue.record("tampered checkpoint accepted")
        } catch let error as FoveaError { #expect(error.message.contains("checksum") && error.message.contains(path)) }
        try data.prefix(data.count / 3).write(to: URL(fileURLWithPath: path))
        #expect(throws: FoveaError.self) { try Checkpoint.read(path) }
        #expect(throws: FoveaError.self) { try Checkpoint.read(folder() + "/missing.safetensors") }
    }
}

@Suite struct CallbackTests {
    func record(_ epoch: Int, valLoss: Double) -> EpochRecord {
        EpochRecord(epoch: epoch, trainLoss: 1, trainAccuracy: 0.5, valLoss: valLoss, valAccuracy: 0.5, learningRate: 0.1, seconds: 1)
    }

    @Test func earlyStoppingWaitsForPatienceAndRestoresTheBestWeights() throws {
        let config = ModelConfiguration(name: "keras-mnist-dense", classes: 3, inputShape: [1, 4, 4])
        let trainer = try Trainer(model: try ModelZoo.make(config, seed: 1), configuration: .init())
        let stopper = EarlyStopping(monitor: .valLoss, minDelta: 0.01, patience: 2)
        #expect(try !stopper.epochEnded(record(1, valLoss: 1.0), trainer: trainer))
        let best = trainer.model.stateDict().mapValues { $0.copy() }
        trainer.model.parameters[0].assign(Tensor(zeros: trainer.model.parameters[0].shape))
        #expect(try !stopper.epochEnded(record(2, valLoss: 0.995), trainer: trainer))   // within min_delta: no improvement
        #expect(try stopper.epochEnded(record(3, valLoss: 1.2), trainer: trainer))
        #expect(stopper.bestEpoch == 1 && stopper.stoppedEpoch == 3)
        #expect(trainer.model.stateDict()["dense.weight"]!.scalars == best["dense.weight"]!.scalars)
    }

    @Test func crc32cKnownAnswer() {
        // The CRC-32C check value of "123456789".
        #expect(CRC32C.checksum(Data("123456789".utf8)) == 0xE306_9283)
    }

    static let tensorboardAvailable: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import tensorboard"]
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    /// TensorBoard's own reader (PyPI `tensorboard`, which CI installs) lists what Fovea wrote.
    @Test(.enabled(if: tensorboardAvailable)) func tensorboardReadsTheScalars() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-tb-\(UUID())").path
        let writer = try TensorBoardWriter(folder: folder)
        try writer.scalars([("train/loss", 0.75), ("validation/accuracy", 0.5)], step: 1)
        try writer.scalars([("train/loss", 0.25), ("validation/accuracy", 0.875)], step: 2)
        let script = """
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
        a = EventAccumulator("\(folder)"); a.Reload()
        print(sorted(a.Tags()["scalars"]), [(e.step, e.value) for e in a.Scalars("train/loss")])
        """
        let process = Process(), pipe = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(output.contains("['train/loss', 'validation/accuracy'] [(1, 0.75), (2, 0.25)]"), "\(output)")
    }
}
