import Foundation

/// CIFAR-10 and CIFAR-100 binary batches: fixed-size records of label byte(s) then 3,072 pixel
/// bytes (1,024 red, 1,024 green, 1,024 blue, each 32×32 row-major) — already NCHW.
public enum CIFAR {
    public static let cifar10ClassNames = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    public enum Variant { case cifar10, cifar100 }

    /// Reads one batch file. For CIFAR-100 the fine label (second byte) is used.
    public static func readBatch(_ path: String, variant: Variant) throws -> (images: Tensor, labels: [Int]) {
        let data = try readFile(path)
        let labelBytes = variant == .cifar10 ? 1 : 2, record = labelBytes + 3072
        let classes = variant == .cifar10 ? 10 : 100
        guard !data.isEmpty, data.count % record == 0 else {
            throw FoveaError.format("\(path): \(data.count) bytes is not a whole number of \(record)-byte CIFAR-\(classes) records (truncated or not a CIFAR batch)")
        }
        let count = data.count / record
        let images = Tensor(uninitializedShape: [count, 3, 32, 32])
        var labels = [Int](repeating: 0, count: count)
        try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            for n in 0..<count {
                let label = Int(bytes[n * record + labelBytes - 1])
                guard label < classes else {
                    throw FoveaError.format("\(path): record \(n) has label \(label), outside 0..<\(classes)")
                }
                labels[n] = label
                for i in 0..<3072 { images.pointer[n * 3072 + i] = Float(bytes[n * record + labelBytes + i]) / 255 }
            }
        }
        return (images, labels)
    }

    /// A CIFAR folder: `data_batch_1…5.bin` + `test_batch.bin` (CIFAR-10) or `train.bin` + `test.bin` (CIFAR-100),
    /// with class names from `batches.meta.txt` / `fine_label_names.txt` when present.
    public static func load(directory: String, variant: Variant) throws -> (train: Dataset, test: Dataset) {
        let fm = FileManager.default
        let trainFiles = variant == .cifar10
            ? (1...5).map { "\(directory)/data_batch_\($0).bin" }.filter { fm.fileExists(atPath: $0) }
            : ["\(directory)/train.bin"].filter { fm.fileExists(atPath: $0) }
        let testFile = "\(directory)/\(variant == .cifar10 ? "test_batch.bin" : "test.bin")"
        guard !trainFiles.isEmpty, fm.fileExists(atPath: testFile) else {
            throw FoveaError.io("\(directory): no CIFAR-\(variant == .cifar10 ? "10" : "100") batches found (expected \(variant == .cifar10 ? "data_batch_1.bin … data_batch_5.bin and test_batch.bin" : "train.bin and test.bin"))")
        }
        let names = try classNames(directory: directory, variant: variant)
        let parts = try trainFiles.map { try readBatch($0, variant: variant) }
        let trainImages = Tensor.concatenate(parts.map(\.images), axis: 0)
        let test = try readBatch(testFile, variant: variant)
        let name = variant == .cifar10 ? "cifar10" : "cifar100"
        return (try Dataset(name: name + "/train", images: trainImages, labels: parts.flatMap(\.labels), classNames: names),
                try Dataset(name: name + "/test", images: test.images, labels: test.labels, classNames: names))
    }

    static func classNames(directory: String, variant: Variant) throws -> [String] {
        let file = "\(directory)/\(variant == .cifar10 ? "batches.meta.txt" : "fine_label_names.txt")"
        let expected = variant == .cifar10 ? 10 : 100
        if let text = try? String(contentsOfFile: file, encoding: .utf8) {
            let names = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if names.count == expected { return names }
        }
        return variant == .cifar10 ? cifar10ClassNames : (0..<100).map { "class_\($0)" }
    }
}
