/// Named datasets for the command line: `patterns`, `patterns-10`, `fashion-mnist[:DIR]`,
/// `mnist:DIR`, `cifar10:DIR`, `cifar100:DIR`, `csv:FILE`, `folder:DIR[@HxW]`.
public enum DatasetCatalog {
    public static let help = "patterns, patterns-10, fashion-mnist, fashion-mnist:DIR, mnist:DIR, cifar10:DIR, cifar100:DIR, csv:FILE, npz:FILE, folder:DIR[@HxW], random:N[@CxHxW]"

    /// Training data and, where the dataset has one, its official test set.
    public struct Loaded {
        public let train: Dataset
        public let test: Dataset?
    }

    public static func load(_ spec: String, patterns: PatternDataset.Configuration = .init()) throws -> Loaded {
        let (name, argument) = split(spec)
        switch name.lowercased() {
        case "patterns":
            return Loaded(train: try PatternDataset.generate(patterns), test: nil)
        case "patterns-10":
            var configuration = PatternDataset.Configuration.tenClassNoisy
            configuration.seed = patterns.seed
            return Loaded(train: try PatternDataset.generate(configuration), test: nil)
        case "fashion-mnist":
            let data = try MNISTFormat.fashionMNIST(directory: argument ?? MNISTFormat.debianFashionMNIST)
            return Loaded(train: data.train, test: data.test)
        case "mnist":
            let data = try MNISTFormat.load(directory: try required(argument, spec), name: "mnist", classNames: MNISTFormat.digitClassNames)
            return Loaded(train: data.train, test: data.test)
        case "cifar10", "cifar100":
            let data = try CIFAR.load(directory: try required(argument, spec), variant: name.lowercased() == "cifar10" ? .cifar10 : .cifar100)
            return Loaded(train: data.train, test: data.test)
        case "folder":
            // folder:DIR or folder:DIR@HxW (resize every image to H×W).
            var path = try required(argument, spec)
            var size: (height: Int, width: Int)?
            if let at = path.lastIndex(of: "@") {
                let dims = path[path.index(after: at)...].lowercased().split(separator: "x").compactMap { Int($0) }
                guard dims.count == 2, dims.allSatisfy({ $0 > 0 }) else {
                    throw FoveaError.argument("dataset '\(spec)': the size after @ must be HxW, e.g. folder:photos@64x64")
                }
                size = (dims[0], dims[1])
                path = String(path[..<at])
            }
            return Loaded(train: try ImageFolder.load(path, channels: 3, size: size), test: nil)
        case "npz":
            let data = try NumPy.dataset(try required(argument, spec))
            return Loaded(train: data.train, test: data.test)
        case "random":
            // random:N or random:N@CxHxW — uniform noise with uniform labels over 10 classes, for
            // throughput measurements; a tenth as many test images are drawn besides.
            let text = try required(argument, spec)
            let parts = text.split(separator: "@").map(String.init)
            guard let count = Int(parts[0]), count > 0 else { throw FoveaError.argument("dataset '\(spec)': random:N needs a positive N") }
            var shape = [1, 28, 28]
            if parts.count == 2 {
                shape = parts[1].lowercased().split(separator: "x").compactMap { Int($0) }
                guard shape.count == 3, shape.allSatisfy({ $0 > 0 }) else {
                    throw FoveaError.argument("dataset '\(spec)': the shape after @ must be CxHxW, e.g. random:1000@3x32x32")
                }
            }
            return Loaded(train: try randomDataset(count, shape: shape, seed: patterns.seed),
                          test: try randomDataset(Swift.max(1, count / 10), shape: shape, seed: patterns.seed &+ 1))
        case "csv":
            return Loaded(train: try PixelCSV.load(try required(argument, spec)), test: nil)
        default:
            throw FoveaError(.unknownName, "unknown dataset '\(spec)'; known datasets: \(help)")
        }
    }

    static func randomDataset(_ count: Int, shape: [Int], seed: UInt64) throws -> Dataset {
        var generator = SeededGenerator(seed: seed)
        let images = Tensor.uniform([count] + shape, using: &generator)
        return try Dataset(name: "random", images: images, labels: (0..<count).map { _ in generator.nextInt(below: 10) },
                           classNames: (0..<10).map(String.init))
    }

    static func split(_ spec: String) -> (String, String?) {
        guard let colon = spec.firstIndex(of: ":") else { return (spec, nil) }
        return (String(spec[..<colon]), String(spec[spec.index(after: colon)...]))
    }

    static func required(_ argument: String?, _ spec: String) throws -> String {
        guard let argument, !argument.isEmpty else {
            throw FoveaError.argument("dataset '\(spec)' needs a path: \(spec):PATH")
        }
        return argument
    }
}
