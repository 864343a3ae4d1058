import Foundation

/// EfficientNet — M. Tan, Q. V. Le, "EfficientNet: Rethinking Model Scaling for Convolutional
/// Neural Networks", ICML 2019 (arXiv:1905.11946), as torchvision's `efficientnet.py`.
///
/// B0 is seven stages of MBConv blocks (inverted residual + squeeze-and-excitation, SiLU) with
/// stochastic depth rising linearly to 0.2. B1–B7 use torchvision's published (width, depth,
/// resolution, dropout) coefficients; `efficientnet_phiΦ` applies the paper's compound scaling
/// to B0 at any Φ: depth α^Φ, width β^Φ, resolution γ^Φ with α = 1.2, β = 1.1, γ = 1.15.
/// efficientnet_b0 has 5,288,548 parameters at 1000 classes.
public final class MBConv: Module {
    let block: Sequential
    let stochasticDepth: StochasticDepth
    let residual: Bool
    let summaryText: String

    init(_ inChannels: Int, _ outChannels: Int, expansion: Int, kernelSize: Int, stride: Int, dropPath: Float,
         epsilon: Float, momentum: Float, generator g: inout SeededGenerator) {
        let hidden = roundChannels(Double(inChannels * expansion))
        var layers: [Module] = []
        if hidden != inChannels {
            layers.append(convNormActivation(inChannels, hidden, kernelSize: 1, activation: .silu, epsilon: epsilon, momentum: momentum, generator: &g))
        }
        layers.append(convNormActivation(hidden, hidden, kernelSize: kernelSize, stride: stride, groups: hidden, activation: .silu,
                                         epsilon: epsilon, momentum: momentum, generator: &g))
        layers.append(SqueezeExcitation(hidden, squeezeChannels: max(1, inChannels / 4), activation: .silu, generator: &g))
        layers.append(convNormActivation(hidden, outChannels, kernelSize: 1, activation: nil, epsilon: epsilon, momentum: momentum, generator: &g))
        block = Sequential(layers)
        stochasticDepth = StochasticDepth(dropPath)
        residual = stride == 1 && inChannels == outChannels
        summaryText = "\(inChannels)→\(outChannels), ×\(expansion), \(kernelSize)×\(kernelSize), stride \(stride)"
    }

    public var children: [(name: String, module: Module)] { [("block", block), ("stochastic_depth", stochasticDepth)] }
    public var summarisedAsOneRow: Bool { true }
    public var details: String { summaryText }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        let out = try context.run(block, named: "block", input)
        guard residual else { return out }
        return try context.run(stochasticDepth, named: "stochastic_depth", out) + input
    }
}

enum EfficientNet {
    /// (expansion, kernel, stride, in, out, layers) of B0 — Table 1 of the paper.
    static let stages = [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
                         (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1)]

    struct Scaling: Sendable {
        let width: Double, depth: Double, resolution: Int, dropout: Float
        var largeVariant = false  // B5–B7: batch norm ε = 0.001, momentum 0.01, as torchvision
    }

    /// torchvision's B0–B7 coefficients.
    static let variants: [Scaling] = [
        Scaling(width: 1.0, depth: 1.0, resolution: 224, dropout: 0.2), Scaling(width: 1.0, depth: 1.1, resolution: 240, dropout: 0.2),
        Scaling(width: 1.1, depth: 1.2, resolution: 260, dropout: 0.3), Scaling(width: 1.2, depth: 1.4, resolution: 300, dropout: 0.3),
        Scaling(width: 1.4, depth: 1.8, resolution: 380, dropout: 0.4),
        Scaling(width: 1.6, depth: 2.2, resolution: 456, dropout: 0.4, largeVariant: true),
        Scaling(width: 1.8, depth: 2.6, resolution: 528, dropout: 0.5, largeVariant: true),
        Scaling(width: 2.0, depth: 3.1, resolution: 600, dropout: 0.5, largeVariant: true),
    ]

    /// Compound scaling of B0 by Φ (§3.3): depth 1.2^Φ, width 1.1^Φ, resolution 224 · 1.15^Φ.
    static func compound(phi: Double) -> Scaling {
        Scaling(width: pow(1.1, phi), depth: pow(1.2, phi), resolution: Int((224 * pow(1.15, phi)).rounded()),
                dropout: 0.2)
    }

    static func make(_ scaling: Scaling) -> @Sendable (ModelConfiguration, inout SeededGenerator) throws -> Module {
        { config, g in
            try requireMinimumSide(8, config)
            let (epsilon, momentum): (Float, Float) = scaling.largeVariant ? (0.001, 0.01) : (1e-5, 0.1)
            func width(_ c: Int) -> Int { roundChannels(Double(c) * scaling.width) }
            let settings = stages.map { (t, k, s, cin, cout, n) in
                (t, k, s, width(cin), width(cout), Int((Double(n) * scaling.depth).rounded(.up)))
            }
            let totalBlocks = settings.reduce(0) { $0 + $1.5 }
            var layers: [Module] = [convNormActivation(config.inputShape[0], settings[0].3, stride: 2, activation: .silu,
                                                       epsilon: epsilon, momentum: momentum, generator: &g)]
            var blockIndex = 0
            for (t, k, s, cin, cout, n) in settings {
                var stage: [Module] = []
                for i in 0..<n {
                    let dropPath = 0.2 * Float(blockIndex) / Float(totalBlocks)
                    stage.append(MBConv(i == 0 ? cin : cout, cout, expansion: t, kernelSize: k, stride: i == 0 ? s : 1, dropPath: dropPath,
                                        epsilon: epsilon, momentum: momentum, generator: &g))
                    blockIndex += 1
                }
                layers.append(Sequential(stage))
            }
            let last = 4 * settings.last!.4
            layers.append(convNormActivation(settings.last!.4, last, kernelSize: 1, activation: .silu, epsilon: epsilon, momentum: momentum, generator: &g))
            let classifier = Sequential(named: [("0", Dropout(scaling.dropout)), ("1", Dense(last, config.classes, generator: &g))])
            let model = PooledClassifier(features: Sequential(layers), pooledSize: (1, 1), classifier: classifier)
            WeightInitialisation.heConvolutions(model, generator: &g)
            let head = classifier.layers[1].module as! Dense
            let range = 1 / Float(config.classes).squareRoot()
            head.weight.assign(.uniform(head.weight.shape, low: -range, high: range, using: &g))
            head.bias?.assign(Tensor(zeros: [config.classes]))
            return model
        }
    }
}
