/// AlexNet — A. Krizhevsky, I. Sutskever, G. Hinton, "ImageNet Classification with Deep
/// Convolutional Neural Networks", NeurIPS 2012; torchvision's single-tower variant
/// (64/192/384/256/256 channels, 61,100,840 parameters at 1000 classes).
///
/// Small inputs: the 11×11 stride-4 stem followed by three stride-2 pools needs at least 63×63
/// pixels. Below that the stem runs at stride 1 with padding 5, so the feature map survives the
/// pools; the weights keep their shapes, so ImageNet weights still load.
enum AlexNet {
    static func build(_ config: ModelConfiguration, _ g: inout SeededGenerator) throws -> Module {
        try requireMinimumSide(16, config)
        let small = min(config.inputShape[1], config.inputShape[2]) < 63
        // torchvision's indices; the ReLUs (1, 4, 7, 9, 11) run fused inside the convolutions.
        let features = Sequential(named: [
            ("0", Conv2D(config.inputShape[0], 64, kernelSize: 11, stride: small ? 1 : 4, padding: .explicit(small ? 5 : 2, small ? 5 : 2),
                         activation: .relu, generator: &g)),
            ("2", MaxPool2D(kernelSize: 3, stride: 2)),
            ("3", Conv2D(64, 192, kernelSize: 5, padding: .explicit(2, 2), activation: .relu, generator: &g)),
            ("5", MaxPool2D(kernelSize: 3, stride: 2)),
            ("6", Conv2D(192, 384, kernelSize: 3, padding: .explicit(1, 1), activation: .relu, generator: &g)),
            ("8", Conv2D(384, 256, kernelSize: 3, padding: .explicit(1, 1), activation: .relu, generator: &g)),
            ("10", Conv2D(256, 256, kernelSize: 3, padding: .explicit(1, 1), activation: .relu, generator: &g)),
            ("12", MaxPool2D(kernelSize: 3, stride: 2)),
        ])
        let classifier = Sequential(named: [
            ("0", Dropout(0.5)),
            ("1", Dense(256 * 6 * 6, 4096, activation: .relu, generator: &g)),
            ("3", Dropout(0.5)),
            ("4", Dense(4096, 4096, activation: .relu, generator: &g)),
            ("6", Dense(4096, config.classes, generator: &g)),
        ])
        return PooledClassifier(features: features, pooledSize: (6, 6), classifier: classifier)
    }
}
