/// LeNet-5 — Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, "Gradient-based learning applied to
/// document recognition", Proc. IEEE 86(11), 1998.
///
/// The common modern variant: ReLU instead of scaled tanh, max-pooling instead of trainable
/// sub-sampling, full C3 connectivity, and padding 2 on the first convolution so 28×28 MNIST
/// images take the place of the paper's 32×32. 61,706 parameters at 1×28×28 with 10 classes.
enum LeNet5 {
    static func build(_ config: ModelConfiguration, _ g: inout SeededGenerator) throws -> Module {
        let features = Sequential([
            Conv2D(config.inputShape[0], 6, kernelSize: 5, padding: .explicit(2, 2), activation: .relu, generator: &g),
            MaxPool2D(kernelSize: 2),
            Conv2D(6, 16, kernelSize: 5, activation: .relu, generator: &g),
            MaxPool2D(kernelSize: 2),
            Flatten(),
        ])
        let flat = try ModelZoo.flattenedSize(of: features, input: config.inputShape)
        let classifier = Sequential([
            Dense(flat, 120, activation: .relu, generator: &g),
            Dense(120, 84, activation: .relu, generator: &g),
            Dense(84, config.classes, generator: &g),
        ])
        return Classifier(name: "lenet5", features: features, classifier: classifier)
    }
}
