/// SimpleCNN: three blocks of two 3×3 "same" convolutions (32, 64, 128 channels) with ReLU,
/// each block closed by 2×2 max-pooling; then Flatten, Dense 512 + ReLU, Dropout 0.5, Dense K.
/// The VGG pattern (Simonyan & Zisserman 2015) scaled down for 32×32 images.
enum SimpleCNN {
    static func build(_ config: ModelConfiguration, _ g: inout SeededGenerator) throws -> Module {
        var layers: [Module] = []
        var channels = config.inputShape[0]
        for width in [32, 64, 128] {
            layers.append(Conv2D(channels, width, kernelSize: 3, padding: .same, activation: .relu, generator: &g))
            layers.append(Conv2D(width, width, kernelSize: 3, padding: .same, activation: .relu, generator: &g))
            layers.append(MaxPool2D(kernelSize: 2))
            channels = width
        }
        layers.append(Flatten())
        let features = Sequential(layers)
        let flat = try ModelZoo.flattenedSize(of: features, input: config.inputShape)
        let classifier = Sequential([
            Dense(flat, 512, activation: .relu, generator: &g), Dropout(0.5), Dense(512, config.classes, generator: &g),
        ])
        return Classifier(name: "simplecnn", features: features, classifier: classifier)
    }
}
