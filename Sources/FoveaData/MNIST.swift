import Foundation

/// MNIST-format datasets (MNIST, Fashion-MNIST): four IDX files, raw or gzip, in one folder.
public enum MNISTFormat {
    public static let fashionClassNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    public static let digitClassNames = (0...9).map(String.init)
    /// Where Debian's `dataset-fashion-mnist` package puts the files.
    public static let debianFashionMNIST = "/usr/share/datasets/fashion-mnist"

    /// Loads `train-images-idx3-ubyte[.gz]` etc. from `directory`.
    public static func load(directory: String, name: String, classNames: [String]) throws -> (train: Dataset, test: Dataset) {
        func file(_ stem: String) throws -> String {
            for candidate in ["\(directory)/\(stem).gz", "\(directory)/\(stem)"] where FileManager.default.fileExists(atPath: candidate) {
                return candidate
            }
            throw FoveaError.io("\(directory): \(stem)[.gz] not found (an MNIST-format folder holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte)")
        }
        func part(_ images: String, _ labels: String, _ suffix: String) throws -> Dataset {
            let (imagePath, labelPath) = (try file(images), try file(labels))
            let x = try IDX.images(imagePath), y = try IDX.labels(labelPath)
            guard x.shape[0] == y.count else {
                throw FoveaError.format("\(imagePath) has \(x.shape[0]) images but \(labelPath) has \(y.count) labels")
            }
            if let bad = y.first(where: { $0 >= classNames.count }) {
                throw FoveaError.format("\(labelPath): label \(bad) is outside 0..<\(classNames.count)")
            }
            return try Dataset(name: "\(name)/\(suffix)", images: x, labels: y, classNames: classNames)
        }
        return (try part("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "train"),
                try part("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "test"))
    }

    /// Fashion-MNIST from the Debian package, with an install hint when it is missing.
    public static func fashionMNIST(directory: String = debianFashionMNIST) throws -> (train: Dataset, test: Dataset) {
        if directory == debianFashionMNIST, !FileManager.default.fileExists(atPath: directory) {
            throw FoveaError.io("Fashion-MNIST is not installed at \(directory): install it with `apt-get install dataset-fashion-mnist`, or pass fashion-mnist:DIR")
        }
        return try load(directory: directory, name: "fashion-mnist", classNames: fashionClassNames)
    }
}
