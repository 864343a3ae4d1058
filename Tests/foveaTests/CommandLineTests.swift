import Foundation
import FoveaCore
import FoveaData
import Testing

/// Runs the built `fovea` binary as a user would.
@Suite struct CommandLineTests {
    static let binary: URL = {
        // The test bundle sits in the same build folder as the executable.
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("fovea").path), folder.path != "/" {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("fovea")
    }()

    /// A `fovea` process with these arguments, not yet started.
    func process(_ arguments: [String]) -> Process {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        return process
    }

    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String, error: String) {
        let process = process(arguments)
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile(), error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: error, as: UTF8.self))
    }

    @Test(arguments: [("simplecnn", 5, 1_338_661), ("lenet5", 10, 61_706), ("keras-mnist-cnn", 10, 93_322),
                      ("keras-mnist-dense", 10, 109_386), ("keras-cifar-cnn", 10, 315_722)])
    func summaryJSONReportsTheParameterCount(model: (name: String, classes: Int, params: Int)) throws {
        let result = try run(["summary", model.name, "--classes", String(model.classes), "--json"])
        #expect(result.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as! [String: Any]
        #expect(json["params"] as? Int == model.params)
        #expect(json["trainable"] as? Int == model.params)
        #expect((json["layers"] as? [[String: Any]])?.isEmpty == false)
    }

    /// Without a usable OpenBLAS (here: FOVEA_OPENBLAS naming a file that is missing, or a library
    /// that is not a BLAS) every command stops before any work with one line that says which file
    /// and why, and a non-zero exit; help still answers.
    @Test(arguments: ["/nonexistent/libopenblas.so.0", "libm.so.6"])
    func missingOpenBLASIsAOneLineError(library: String) throws {
        let result = try run(["bench", "lenet5", "--batch", "2", "--repeats", "1", "--seconds", "0.01"],
                             environment: ["FOVEA_OPENBLAS": library])
        #expect(result.status != 0)
        #expect(result.output.isEmpty)
        let lines = result.error.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("error: Fovea ") && lines[0].contains(library), "\(result.error)")
        #expect(!result.error.contains("Fatal error") && !result.error.contains("crashed"))
        let help = try run(["train", "--help"], environment: ["FOVEA_OPENBLAS": library])
        #expect(help.status == 0 && help.output.contains("OVERVIEW"))
    }

    @Test(arguments: [
        (["train", "--model", "resnet9000"], "resnet9000"),
        (["train", "--epochs", "0"], "--epochs"),
        (["train", "--batch-size", "-4"], "--batch-size"),
        (["train", "--lr", "0"], "--lr"),
        (["train", "--threads", "0"], "--threads"),
        (["train", "--dataset", "imagenet"], "imagenet"),
        (["summary", "lenet5", "--input", "1,2,2"], "input"),
        (["summary", "lenet5", "--input", "3,x,2"], "--input"),
        (["summary", "nosuchnet"], "nosuchnet"),
    ])
    func badInputIsAOneLineErrorAndANonZeroExit(arguments: [String], mentions: String) throws {
        let result = try run(arguments)
        #expect(result.status != 0)
        let lines = result.error.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(result.error)")
        #expect(result.error.contains(mentions), "stderr: \(result.error)")
        #expect(!result.error.contains("Fatal error") && !result.error.contains("Backtrace"))
    }

    @Test func trainWritesTheRunFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-cli-\(UUID())").path
        let result = try run(["train", "--model", "keras-cifar-cnn", "--samples", "200", "--image-size", "16", "--epochs", "2",
                              "--out", folder, "--quiet"])
        #expect(result.status == 0, "\(result.error)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/summary.json"))) as! [String: Any]
        for key in ["model", "dataset", "params", "epochs", "history", "test", "wall_seconds"] { #expect(summary[key] != nil, "\(key)") }
        let history = summary["history"] as! [[String: Any]]
        #expect(history.count == 2)
        for key in ["train_loss", "train_accuracy", "val_loss", "val_accuracy", "seconds"] { #expect(history[0][key] != nil, "\(key)") }
        #expect((summary["test"] as! [String: Any])["accuracy"] != nil)
        #expect(FileManager.default.fileExists(atPath: folder + "/model.safetensors"))
        #expect(FileManager.default.fileExists(atPath: folder + "/model.json"))
    }

    @Test func datasetShowPrintsCountsAndWritesAPNGGrid() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-grid-\(UUID()).png").path
        let result = try run(["dataset", "show", "patterns", "--out", path])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("horizontal_lines") && result.output.contains("400"))
        let png = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(try run(["dataset", "show", "cifar10:/nonexistent"]).status != 0)
    }

    static let small = ["--model", "keras-cifar-cnn", "--samples", "200", "--image-size", "16", "--threads", "1", "--seed", "5", "--quiet"]

    /// 2 epochs, then --resume to 4, equals 4 epochs straight, bit for bit (the model has dropout,
    /// so the generator state must come back too).
    @Test func resumingGivesBitIdenticalWeights() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-resume-\(UUID())").path
        let options = Self.small + ["--schedule", "cosine", "--warmup", "1", "--augment", "flip,crop=1"]
        #expect(try run(["train", "--epochs", "4", "--out", base + "/straight"] + options).status == 0)
        #expect(try run(["train", "--epochs", "2", "--out", base + "/resumed"] + options).status == 0)
        // Anything but --epochs/--threads/--quiet would contradict the saved run.
        #expect(try run(["train", "--resume", base + "/resumed", "--model", "lenet5"]).status != 0)
        let resumed = try run(["train", "--resume", base + "/resumed", "--epochs", "4", "--threads", "1", "--quiet"])
        #expect(resumed.status == 0, "\(resumed.error)")
        let a = try Data(contentsOf: URL(fileURLWithPath: base + "/straight/model.safetensors"))
        let b = try Data(contentsOf: URL(fileURLWithPath: base + "/resumed/model.safetensors"))
        #expect(a == b)
        let csv = try String(contentsOfFile: base + "/resumed/metrics.csv", encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 5)
        #expect(try run(["train", "--resume", base + "/nowhere"]).status != 0)
    }

    /// SIGKILL at random moments while checkpoints are being written: the last checkpoint is
    /// always readable, because it is replaced by rename, never rewritten in place.
    @Test func killingDuringTrainingNeverLeavesAnUnreadableCheckpoint() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-kill-\(UUID())").path
        var generator = SeededGenerator(seed: 8)
        var checked = 0
        for _ in 0..<6 {
            let process = process(["train", "--epochs", "400", "--out", folder] + Self.small)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // The first checkpoint comes after one epoch, which a loaded machine (tests in
            // parallel, a debug build) may take seconds to reach: wait for it, then kill at a
            // random moment among the later epochs' checkpoint writes.
            let path = folder + "/checkpoint-last.safetensors"
            for _ in 0..<1200 where !FileManager.default.fileExists(atPath: path) { usleep(50_000) }
            usleep(UInt32(generator.nextInt(below: 900_000)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if FileManager.default.fileExists(atPath: path) {
                #expect(throws: Never.self) { _ = try Safetensors.read(path) }
                checked += 1
            }
        }
        #expect(checked > 0)
    }

    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// report.html renders in headless Chromium with every chart: the screenshot is not blank,
    /// and the charts are inline SVG. (CI installs Debian's chromium.)
    @Test(.enabled(if: chromium != nil)) func reportRendersInHeadlessChromium() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-report-\(UUID())").path
        #expect(try run(["train", "--epochs", "3", "--out", folder, "--schedule", "step:1:0.5"] + Self.small).status == 0)
        let html = try String(contentsOfFile: folder + "/report.html", encoding: .utf8)
        #expect(html.components(separatedBy: "<svg").count - 1 == 4)   // loss, accuracy, learning rate, confusion matrix
        #expect(html.components(separatedBy: "<figure").count - 1 == 16)
        #expect(!html.contains("http://") || html.contains("xmlns=\"http://www.w3.org/2000/svg\""))
        for png in ["loss", "accuracy", "learning_rate", "confusion_matrix", "predictions"] {
            #expect(FileManager.default.fileExists(atPath: "\(folder)/\(png).png"), "\(png).png")
        }
        let shot = folder + "/screenshot.png"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.chromium!)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,2400",
                             "--screenshot=\(shot)", "file://\(folder)/report.html"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let image = try ImageCodec.decode(file: shot)
        var inked = 0, colours = Set<UInt32>()
        for p in stride(from: 0, to: image.pixels.count, by: image.channels) {
            let (r, g, b) = (image.pixels[p], image.pixels[p + 1], image.pixels[p + 2])
            if r < 240 || g < 240 || b < 240 { inked += 1 }
            colours.insert(UInt32(r) << 16 | UInt32(g) << 8 | UInt32(b))
        }
        #expect(Double(inked) / Double(image.width * image.height) > 0.02, "screenshot is blank")
        #expect(colours.count > 100, "screenshot has only \(colours.count) colours")
    }

    @Test func evaluateAndPredictUseATrainedRun() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-eval-\(UUID())").path
        #expect(try run(["train", "--epochs", "2", "--out", folder] + Self.small).status == 0)
        let evaluation = try run(["evaluate", folder, "--dataset", "patterns", "--seed", "77"])
        #expect(evaluation.status == 0, "\(evaluation.error)")
        #expect(evaluation.output.contains("weighted avg") && evaluation.output.contains("rows: true class"))
        #expect(FileManager.default.fileExists(atPath: folder + "/evaluation/evaluation.json"))
        #expect(FileManager.default.fileExists(atPath: folder + "/evaluation/report.html"))
        // A PNG in the model's size (16×16 RGB), then predictions with names and probabilities.
        let image = folder + "/sample.png"
        try ImageCodec.encodePNG(pixels: (0..<(16 * 16 * 3)).map { UInt8($0 % 256) }, width: 16, height: 16, channels: 3)
            .write(to: URL(fileURLWithPath: image))
        let prediction = try run(["predict", folder, image, "--top", "2", "--json"])
        #expect(prediction.status == 0, "\(prediction.error)")
        let json = try JSONSerialization.jsonObject(with: Data(prediction.output.utf8)) as! [[String: Any]]
        let top = json[0]["top"] as! [[String: Any]]
        #expect(top.count == 2 && PatternDataset.allClassNames.contains(top[0]["class"] as! String))
        #expect(try run(["predict", folder, folder + "/missing.png"]).status != 0)
        #expect(try run(["evaluate", folder, "--dataset", "fashion-mnist:/nonexistent"]).status != 0)
        #expect(try run(["evaluate", "/nonexistent-run", "--dataset", "patterns"]).status != 0)
    }

    @Test func demoSeedRunsBothExperimentsAndWritesTheirPlots() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-demo-\(UUID())").path
        let result = try run(["demo", "seed", "--quick", "--out", folder])
        #expect(result.status == 0, "\(result.error)")
        for file in ["image_classification/comparison.html", "image_classification/comparison.png",
                     "image_classification/simplecnn/report.html", "image_classification/resnet-seed/report.html",
                     "advanced_techniques/loss_curves.png", "advanced_techniques/accuracy_bars.png",
                     "advanced_techniques/learning_rates.png", "advanced_techniques/comparison.json"] {
            #expect(FileManager.default.fileExists(atPath: folder + "/" + file), "\(file)")
        }
        let outcomes = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/advanced_techniques/comparison.json"))) as! [[String: Any]]
        #expect(outcomes.map { $0["name"] as! String } == ["step_decay", "cosine_annealing"])
    }

    @Test func randomDataWithoutValidation() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-random-\(UUID())").path
        let result = try run(["train", "--model", "lenet5", "--dataset", "random:300", "--epochs", "1", "--validation-split", "0",
                              "--out", folder, "--quiet"])
        #expect(result.status == 0, "\(result.error)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/summary.json"))) as! [String: Any]
        let history = summary["history"] as! [[String: Any]]
        #expect(history[0]["val_loss"] == nil)
        #expect(try run(["train", "--dataset", "random:0"]).status != 0)
        #expect(try run(["train", "--dataset", "random:10@3x4"]).status != 0)
        #expect(try run(["train", "--validation-split", "1.5"]).status != 0)
    }

    @Test func benchReportsThroughputAsJSON() throws {
        let result = try run(["bench", "lenet5", "--batch", "8", "--repeats", "1", "--seconds", "0.05", "--json"])
        #expect(result.status == 0, "\(result.error)")
        let json = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as! [String: Any]
        for key in ["train_images_per_second", "infer_images_per_second", "infer_latency_ms_batch1", "peak_rss_mb"] {
            #expect((json[key] as? Double ?? 0) > 0, "\(key)")
        }
        // LeNet-5 (this zoo's variant) does 416,520 multiply-accumulates per 28×28 image.
        #expect(json["forward_flops"] as? Int == 2 * 416_520)
        #expect(!(json["blas_core"] as? String ?? "none").isEmpty && json["blas_core"] as? String != "none")
        #expect(try run(["bench", "lenet5", "--batch", "0"]).status != 0)
    }

    @Test func compareTrainsEachModelOnTheSameDataAndWritesTheTable() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-compare-\(UUID())").path
        let result = try run(["compare", "--models", "lenet5,keras-cifar-cnn", "--samples", "150", "--image-size", "16",
                              "--epochs", "1", "--out", folder, "--quiet"])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("| lenet5 |") && result.output.contains("| keras-cifar-cnn |"))
        let entries = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/comparison.json"))) as! [[String: Any]]
        #expect(entries.map { $0["model"] as? String } == ["lenet5", "keras-cifar-cnn"])
        for entry in entries {
            for key in ["params", "flops", "training_seconds", "test_accuracy", "latency_ms_batch1"] { #expect(entry[key] != nil, "\(key)") }
        }
        for file in ["comparison.md", "comparison.csv", "comparison.html", "comparison_accuracy.png", "lenet5/report.html", "keras-cifar-cnn/model.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: "\(folder)/\(file)"), "\(file)")
        }
        #expect(try run(["compare", "--models", "lenet5,nosuchnet", "--out", folder]).error.contains("nosuchnet"))
    }

    @Test func modelsListsTheZooAndSummaryWorksForNewFamilies() throws {
        let names = try run(["models", "--names-only"]).output.split(separator: "\n").map(String.init)
        for name in ["alexnet", "vgg16_bn", "googlenet", "resnet152", "densenet121", "densenet_bc_100", "mobilenet_v2",
                     "efficientnet_b7", "vit_b_16", "vit_p4_32"] { #expect(names.contains(name), "\(name)") }
        let summary = try run(["summary", "mobilenet-v2", "--input", "3,32,32", "--classes", "10", "--json"])
        let json = try JSONSerialization.jsonObject(with: Data(summary.output.utf8)) as! [String: Any]
        #expect(json["params"] as? Int == 2_236_682)
        #expect((json["flops"] as? Int ?? 0) > 10_000_000)
    }

    /// Pre-train, fine-tune with a frozen encoder and with L2-SP, distil, and ensemble — through the CLI.
    @Test func finetuneDistillAndEnsembleUseTrainedRuns() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-transfer-\(UUID())").path
        let data = ["--samples", "150", "--image-size", "16", "--epochs", "1", "--quiet", "--data-seed", "3"]
        #expect(try run(["train", "--model", "keras-cifar-cnn", "--out", base + "/a"] + data).status == 0)
        #expect(try run(["train", "--model", "keras-cifar-cnn", "--seed", "9", "--out", base + "/b"] + data).status == 0)
        let frozen = try run(["finetune", "--from", base + "/a", "--model", "keras-cifar-cnn", "--new-head", "--freeze-encoder",
                              "--out", base + "/frozen"] + data.filter { $0 != "--quiet" })
        #expect(frozen.status == 0, "\(frozen.error)")
        #expect(frozen.output.contains("new head") && frozen.output.contains("Trainable: 645 of"))
        #expect(try run(["finetune", "--from", base + "/a", "--model", "keras-cifar-cnn", "--l2sp", "0.01", "--out", base + "/l2sp"] + data).status == 0)
        let distilled = try run(["distill", "--student", "keras-mnist-dense", "--teacher", base + "/a", "--out", base + "/student"] + data)
        #expect(distilled.status == 0, "\(distilled.error)")
        let ensemble = try run(["ensemble", base + "/a", base + "/b", "--json"])
        #expect(ensemble.status == 0, "\(ensemble.error)")
        let json = try JSONSerialization.jsonObject(with: Data(ensemble.output.utf8)) as! [String: Any]
        #expect((json["member_accuracies"] as? [Double])?.count == 2 && json["average_accuracy"] != nil && json["vote_accuracy"] != nil)
        // Misuse is a one-line error.
        #expect(try run(["finetune", "--model", "lenet5"]).error.contains("--from"))
        #expect(try run(["finetune", "--from", base + "/a", "--model", "lenet5", "--dataset", "random:200@1x28x28"]).error.contains("does not fit"))
        #expect(try run(["train", "--freeze", "nosuchlayer", "--samples", "50", "--quiet"]).error.contains("nosuchlayer"))
        #expect(try run(["ensemble", base + "/a"]).status != 0)
    }

    /// A trained run exported as ONNX and safetensors, imported back as two runs: all three predict the same.
    @Test func exportAndImportRoundTripThroughTheCLI() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-interop-\(UUID())").path
        #expect(try run(["train", "--model", "keras-cifar-cnn", "--samples", "100", "--image-size", "16", "--epochs", "1",
                         "--quiet", "--out", base + "/a"]).status == 0)
        let exported = try run(["export", base + "/a", "--onnx", base + "/a.onnx", "--safetensors", base + "/a.safetensors"])
        #expect(exported.status == 0, "\(exported.error)")
        let fromWeights = try run(["import", base + "/a.safetensors", "--model", "keras-cifar-cnn", "--input", "3,16,16", "--out", base + "/b"])
        #expect(fromWeights.status == 0 && fromWeights.output.contains("(5 classes)"), "\(fromWeights.output) \(fromWeights.error)")
        let fromONNX = try run(["import", base + "/a.onnx", "--out", base + "/c"])
        #expect(fromONNX.status == 0, "\(fromONNX.error)")
        #expect(try run(["dataset", "show", "patterns", "--out", base + "/grid.png"]).status == 0)
        let predictions = try ["a", "b", "c"].map { try run(["predict", "\(base)/\($0)", base + "/grid.png", "--json"]) }
        #expect(predictions.allSatisfy { $0.status == 0 }, "\(predictions.map(\.error))")
        func top(_ output: String) -> [Double] {
            let json = try? JSONSerialization.jsonObject(with: Data(output.utf8))
            let first = ((json as? [[String: Any]])?.first?["top"] as? [[String: Any]]) ?? []
            return first.compactMap { $0["probability"] as? Double }
        }
        let reference = top(predictions[0].output)
        #expect(!reference.isEmpty)
        for other in predictions.dropFirst() {
            #expect(zip(top(other.output), reference).allSatisfy { Swift.abs($0 - $1) < 1e-4 }, "\(other.output) vs \(predictions[0].output)")
        }
        // Bad input: no output requested, a missing model name, a file that is not ONNX.
        #expect(try run(["export", base + "/a"]).error.contains("--onnx"))
        #expect(try run(["import", base + "/a.safetensors", "--out", base + "/d"]).error.contains("--model"))
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: base + "/bad.onnx"))
        let bad = try run(["import", base + "/bad.onnx", "--out", base + "/e"])
        #expect(bad.status != 0 && bad.error.contains("bad.onnx"), "\(bad.error)")
    }
}
