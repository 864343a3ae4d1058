/// MobileNetV2 — M. Sandler, A. Howard, M. Zhu, A. Zhmoginov, L.-C. Chen, "MobileNetV2:
/// Inverted Residuals and Linear Bottlenecks", CVPR 2018 (arXiv:1801.04381), as torchvision's
/// `mobilenetv2.py` (3,504,872 parameters at width 1.0 and 1000 classes). The width multiplier
/// scales every layer, rounded to multiples of 8; the last layer never shrinks below 1280.

/// Channels × multiplier rounded to the nearest multiple of `divisor`, never more than 10 % below
/// (the rounding of the TensorFlow reference, `_make_divisible`).
func roundChannels(_ value: Double, divisor: Int = 8) -> Int {
    var rounded = max(divisor, Int(value + Double(divisor) / 2) / divisor * divisor)
    if Double(rounded) < 0.9 * value { rounded += divisor }
    return rounded
}

/// Expand (1×1, ReLU6) → depthwise 3×3 (ReLU6) → linear 1×1 projection; residual when shapes match.
public final class InvertedResidual: Module {
    let conv: Sequential
    let residual: Bool
    let inChannels: Int, outChannels: Int, stride: Int, expansion: Int

    init(_ inChannels: Int, _ outChannels: Int, stride: Int, expansion: Int, generator g: inout SeededGenerator) {
        self.inChannels = inChannels; self.outChannels = outChannels; self.stride = stride; self.expansion = expansion
        let hidden = inChannels * expansion
        residual = stride == 1 && inChannels == outChannels
        var layers: [Module] = []
        if expansion != 1 { layers.append(convNormActivation(inChannels, hidden, kernelSize: 1, activation: .relu6, generator: &g)) }
        layers.append(convNormActivation(hidden, hidden, stride: stride, groups: hidden, activation: .relu6, generator: &g))
        layers.append(Conv2D(hidden, outChannels, kernelSize: 1, bias: false, generator: &g))
        layers.append(BatchNorm2D(outChannels))
        conv = Sequential(layers)
    }

    public var children: [(name: String, module: Module)] { [("conv", conv)] }
    public var summarisedAsOneRow: Bool { true }
    public var details: String { "\(inChannels)→\(outChannels), ×\(expansion), stride \(stride)" }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        let out = try context.run(conv, named: "conv", input)
        return residual ? input + out : out
    }
}

enum MobileNetV2 {
    /// (expansion t, channels c, repeats n, first stride s) — Table 2 of the paper.
    static let settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]

    static func make(width: Double) -> @Sendable (ModelConfiguration, inout SeededGenerator) throws -> Module {
        { config, g in
            var channels = roundChannels(32 * width)
            let last = roundChannels(1280 * max(1, width))
            var layers: [Module] = [convNormActivation(config.inputShape[0], channels, stride: 2, activation: .relu6, generator: &g)]
            for (t, c, n, s) in settings {
                let out = roundChannels(Double(c) * width)
                for i in 0..<n {
                    layers.append(InvertedResidual(channels, out, stride: i == 0 ? s : 1, expansion: t, generator: &g))
                    channels = out
                }
            }
            layers.append(convNormActivation(channels, last, kernelSize: 1, activation: .relu6, generator: &g))
            let classifier = Sequential(named: [("0", Dropout(0.2)), ("1", Dense(last, config.classes, generator: &g))])
            let model = PooledClassifier(features: Sequential(layers), pooledSize: (1, 1), classifier: classifier)
            WeightInitialisation.heConvolutions(model, generator: &g)
            WeightInitialisation.normalLinear(model, std: 0.01, generator: &g)
            return model
        }
    }
}
