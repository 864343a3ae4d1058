/// Named datasets for the command line: `patterns`, `patterns-10`, `fashion-mnist[:DIR]`,
/// `mnist:DIR`, `cifar10:DIR`, `cifar100:DIR`, `csv:FILE`, `folder:DIR[@HxW]`.
public enum DatasetCatalog {
    public static let help = "patterns, patterns-10, fashion-mnist, fashion-mnist:DIR, mnist:DIR, cifar10:DIR, cifar100:DIR, csv:FILE, npz:FILE, folder:DIR[@HxW]"

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
        case "csv":
            return Loaded(train: try PixelCSV.load(try required(argument, spec)), test: nil)
        default:
            throw FoveaError(.unknownName, "unknown dataset '\(spec)'; known datasets: \(help)")
        }
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
