/// VGG — K. Simonyan, A. Zisserman, "Very Deep Convolutional Networks for Large-Scale Image
/// Recognition", ICLR 2015 (arXiv:1409.1556). Configurations A, B, D, E (VGG-11/13/16/19), with
/// or without batch norm after each convolution, as torchvision's `vgg.py` (vgg16: 138,357,544
/// parameters at 1000 classes). Five 2×2 pools: 32×32 inputs reach 1×1, which the adaptive
/// pool spreads to the 7×7 grid the classifier expects, as in torchvision. Smaller inputs
/// (28×28) skip the pools that would face a 1-pixel map; the weights are unchanged.
enum VGG {
    /// Channels per convolution; 0 marks a 2×2 max pool.
    static let configurations: [Int: [Int]] = [
        11: [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0],
        13: [64, 64, 0, 128, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0],
        16: [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0],
        19: [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0],
    ]

    static func make(depth: Int, batchNorm: Bool) -> @Sendable (ModelConfiguration, inout SeededGenerator) throws -> Module {
        { config, g in
            var layers: [(String, Module)] = []
            var channels = config.inputShape[0], index = 0
            var side = min(config.inputShape[1], config.inputShape[2])
            for width in configurations[depth]! {
                if width == 0 {
                    if side >= 2 { layers.append(("\(index)", MaxPool2D(kernelSize: 2))) }
                    side /= 2
                    index += 1
                } else if batchNorm {
                    layers.append(("\(index)", Conv2D(channels, width, kernelSize: 3, padding: .explicit(1, 1), generator: &g)))
                    layers.append(("\(index + 1)", BatchNorm2D(width)))
                    layers.append(("\(index + 2)", ReLU()))
                    index += 3
                } else {  // the ReLU (index + 1) runs fused inside the convolution
                    layers.append(("\(index)", Conv2D(channels, width, kernelSize: 3, padding: .explicit(1, 1), activation: .relu, generator: &g)))
                    index += 2
                }
                if width > 0 { channels = width }
            }
            let features = Sequential(named: layers)
            let classifier = Sequential(named: [
                ("0", Dense(512 * 7 * 7, 4096, activation: .relu, generator: &g)),
                ("2", Dropout(0.5)),
                ("3", Dense(4096, 4096, activation: .relu, generator: &g)),
                ("5", Dropout(0.5)),
                ("6", Dense(4096, config.classes, generator: &g)),
            ])
            let model = PooledClassifier(features: features, pooledSize: (7, 7), classifier: classifier)
            WeightInitialisation.heConvolutions(model, generator: &g)
            WeightInitialisation.normalLinear(model, std: 0.01, generator: &g)
            return model
        }
    }
}
