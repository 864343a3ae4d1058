import Foundation

/// A finished run folder loaded for inference: the model, its configuration and class names.
public struct TrainedRun {
    public let folder: String
    public let model: Module
    public let configuration: ModelConfiguration
    public let classNames: [String]

    public init(folder: String) throws {
        self.folder = folder
        (model, configuration) = try RunDirectory.loadModel(from: folder)
        let summaryPath = folder + "/summary.json"
        if let data = try? readFile(summaryPath),
           let names = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["class_names"] as? [String],
           names.count == configuration.classes {
            classNames = names
        } else {
            classNames = (0..<configuration.classes).map(String.init)
        }
    }

    /// Checks that a dataset fits the model's input and classes.
    public func check(_ dataset: Dataset) throws {
        guard dataset.imageShape == configuration.inputShape else {
            throw FoveaError.shape("\(folder): the model takes \(configuration.inputShape.map(String.init).joined(separator: "×")) images but \(dataset.name) has \(dataset.imageShape.map(String.init).joined(separator: "×"))")
        }
        guard dataset.classCount == configuration.classes else {
            throw FoveaError.shape("\(folder): the model has \(configuration.classes) classes but \(dataset.name) has \(dataset.classCount)")
        }
    }

    /// Decodes an image file and fits it to the model's input (channels, bilinear resize).
    public func loadImage(_ path: String) throws -> Tensor {
        let (c, h, w) = (configuration.inputShape[0], configuration.inputShape[1], configuration.inputShape[2])
        guard c == 1 || c == 3 else { throw FoveaError.shape("\(folder): the model takes \(c)-channel input; only 1 or 3 can come from image files") }
        var image = try ImageCodec.decode(file: path).planar(channels: c)
        if image.height != h || image.width != w { image = resize(image, height: h, width: w) }
        return try Tensor(image.pixels, shape: [1, c, h, w])
    }

    /// The k most probable classes for one image tensor [1, C, H, W].
    public func topK(_ image: Tensor, k: Int) throws -> [(name: String, index: Int, probability: Float)] {
        let probabilities = try model.predict(image).softmax().scalars
        return probabilities.enumerated().sorted { $0.element > $1.element }.prefix(k)
            .map { (classNames[$0.offset], $0.offset, $0.element) }
    }
}
