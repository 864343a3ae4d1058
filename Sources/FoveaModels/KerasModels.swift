/// The small Keras example networks (keras.io "Simple MNIST convnet", the TensorFlow CNN
/// tutorial, and the classic MNIST MLP), with Keras's layer names so `summary` reads the same.
enum KerasModels {
    /// conv 32 → pool → conv 64 → pool → conv 64 → flatten → Dense 64 → Dense K (93,322 params on MNIST).
    static func mnistCNN(_ config: ModelConfiguration, _ g: inout SeededGenerator) throws -> Module {
        let convolutions: [(String, Module)] = [
            ("conv2d", Conv2D(config.inputShape[0], 32, kernelSize: 3, activation: .relu, generator: &g)),
            ("max_pooling2d", MaxPool2D(kernelSize: 2)),
            ("conv2d_1", Conv2D(32, 64, kernelSize: 3, activation: .relu, generator: &g)),
            ("max_pooling2d_1", MaxPool2D(kernelSize: 2)),
            ("conv2d_2", Conv2D(64, 64, kernelSize: 3, activation: .relu, generator: &g)),
            ("flatten", Flatten()),
        ]
        let flat = try ModelZoo.flattenedSize(of: Sequential(named: convolutions), input: config.inputShape)
        return Sequential(named: convolutions + [
            ("dense", Dense(flat, 64, activation: .relu, generator: &g)),
            ("dense_1", Dense(64, config.classes, generator: &g)),
        ])
    }

    /// Flatten → Dense 128 → Dropout 0.2 → Dense 64 → Dropout 0.2 → Dense K (109,386 params on MNIST).
    static func mnistDense(_ config: ModelConfiguration, _ g: inout SeededGenerator) throws -> Module {
        let inputs = config.inputShape.reduce(1, *)
        return Sequential(named: [
            ("flatten", Flatten()),
            ("dense", Dense(inputs, 128, activation: .relu, generator: &g)),
            ("dropout", Dropout(0.2)),
            ("dense_1", Dense(128, 64, activation: .relu, generator: &g)),
            ("dropout_1", Dropout(0.2)),
            ("dense_2", Dense(64, config.classes, generator: &g)),
        ])
    }

    /// conv 32 → pool → conv 64 → pool → flatten → Dense 128 → Dropout 0.5 → Dense K (315,722 params on CIFAR).
    static func cifarCNN(_ config: ModelConfiguration, _ g: inout SeededGenerator) throws -> Module {
        let convolutions: [(String, Module)] = [
            ("conv2d", Conv2D(config.inputShape[0], 32, kernelSize: 3, activation: .relu, generator: &g)),
            ("max_pooling2d", MaxPool2D(kernelSize: 2)),
            ("conv2d_1", Conv2D(32, 64, kernelSize: 3, activation: .relu, generator: &g)),
            ("max_pooling2d_1", MaxPool2D(kernelSize: 2)),
            ("flatten", Flatten()),
        ]
        let flat = try ModelZoo.flattenedSize(of: Sequential(named: convolutions), input: config.inputShape)
        return Sequential(named: convolutions + [
            ("dense", Dense(flat, 128, activation: .relu, generator: &g)),
            ("dropout", Dropout(0.5)),
            ("dense_1", Dense(128, config.classes, generator: &g)),
        ])
    }
}
