/// Vision Transformer — A. Dosovitskiy et al., "An Image is Worth 16x16 Words: Transformers for
/// Image Recognition at Scale", ICLR 2021 (arXiv:2010.11929), as torchvision's
/// `vision_transformer.py` (pre-norm encoder blocks, class token, learned position embeddings,
/// LayerNorm ε = 1e-6, exact GELU; vit_b_16 has 86,567,656 parameters at 224×224 and 1000
/// classes). `vit_ti_16` and `vit_s_16` are the DeiT widths (Touvron et al. 2021) on the same code;
/// `vit_p4_32` is a small-image ViT: 4×4 patches of a 32×32 image.
///
/// The position embedding has one row per patch of the configured input (plus the class token),
/// so a model is built for its input size; sides that are not a multiple of the patch lose their
/// last partial patch, like the strided patch convolution does.
public final class EncoderBlock: Module {
    let ln1: LayerNorm, attention: MultiheadAttention, ln2: LayerNorm, mlp: Sequential
    let dropout: Dropout

    init(hidden: Int, heads: Int, mlp mlpSize: Int, dropout p: Float, generator g: inout SeededGenerator) {
        ln1 = LayerNorm([hidden], epsilon: 1e-6)
        attention = MultiheadAttention(embedDimension: hidden, heads: heads, generator: &g)
        ln2 = LayerNorm([hidden], epsilon: 1e-6)
        let fc1 = Dense(hidden, mlpSize, activation: .gelu, generator: &g), fc2 = Dense(mlpSize, hidden, generator: &g)
        for fc in [fc1, fc2] {  // torchvision's MLPBlock: Xavier-uniform weights, N(0, 1e-6) biases
            fc.weight.assign(.xavierUniform(fc.weight.shape, fanIn: fc.inFeatures, fanOut: fc.outFeatures, using: &g))
            fc.bias?.assign(.normal([fc.outFeatures], std: 1e-6, using: &g))
        }
        mlp = Sequential(named: [("0", fc1), ("2", Dropout(p)), ("3", fc2), ("4", Dropout(p))])
        dropout = Dropout(p)
    }

    public var children: [(name: String, module: Module)] {
        [("ln_1", ln1), ("self_attention", attention), ("dropout", dropout), ("ln_2", ln2), ("mlp", mlp)]
    }
    public var summarisedAsOneRow: Bool { true }
    public var details: String { "\(attention.embedDimension), \(attention.heads) heads, MLP \((mlp.layers[0].module as! Dense).outFeatures)" }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        var x = try context.run(attention, named: "self_attention", try context.run(ln1, named: "ln_1", input))
        x = try context.run(dropout, named: "dropout", x) + input
        let (batch, tokens, hidden) = (x.shape[0], x.shape[1], x.shape[2])
        let y = try context.run(mlp, named: "mlp", try context.run(ln2, named: "ln_2", x).reshaped([batch * tokens, hidden]))
        return x + y.reshaped([batch, tokens, hidden])
    }
}

/// Position embedding, dropout, the encoder blocks and a final LayerNorm.
public final class TransformerEncoder: Module {
    let positionEmbedding: Parameter
    let layers: Sequential, ln: LayerNorm, dropout: Dropout

    init(tokens: Int, hidden: Int, depth: Int, heads: Int, mlp: Int, dropout p: Float, generator g: inout SeededGenerator) {
        positionEmbedding = Parameter(.normal([1, tokens, hidden], std: 0.02, using: &g))
        layers = Sequential(named: (0..<depth).map { ("encoder_layer_\($0)", EncoderBlock(hidden: hidden, heads: heads, mlp: mlp, dropout: p, generator: &g)) })
        ln = LayerNorm([hidden], epsilon: 1e-6)
        dropout = Dropout(p)
    }

    public var ownParameters: [(name: String, parameter: Parameter)] { [("pos_embedding", positionEmbedding)] }
    public var children: [(name: String, module: Module)] { [("dropout", dropout), ("layers", layers), ("ln", ln)] }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        guard input.rank == 3, Array(input.shape.dropFirst()) == Array(positionEmbedding.shape.dropFirst()) else {
            throw FoveaError.shape("expects tokens [N, \(positionEmbedding.shape[1]), \(positionEmbedding.shape[2])], got \(describe(shape: input.shape))")
        }
        let x = try context.run(dropout, named: "dropout", input + positionEmbedding.value)
        return try context.run(ln, named: "ln", try context.run(layers, named: "layers", x))
    }
}

public final class VisionTransformer: Module {
    let convProjection: Conv2D
    let classToken: Parameter
    let encoder: TransformerEncoder
    let heads: Sequential
    let patch: Int, hidden: Int, grid: (Int, Int)

    init(input: [Int], classes: Int, patch: Int, hidden: Int, depth: Int, heads headCount: Int, mlp: Int,
         generator g: inout SeededGenerator) throws {
        guard input[1] >= patch, input[2] >= patch else {
            throw FoveaError.shape("needs inputs of at least one \(patch)×\(patch) patch")
        }
        self.patch = patch; self.hidden = hidden
        grid = (input[1] / patch, input[2] / patch)
        convProjection = Conv2D(input[0], hidden, kernelSize: patch, stride: patch, generator: &g)
        let fanIn = input[0] * patch * patch  // torchvision: truncated normal, σ = √(1/fanIn), zero bias
        convProjection.weight.assign(.normal(convProjection.weight.shape, std: (1 / Float(fanIn)).squareRoot(), using: &g))
        convProjection.bias?.assign(Tensor(zeros: [hidden]))
        classToken = Parameter(Tensor(zeros: [1, 1, hidden]))
        encoder = TransformerEncoder(tokens: grid.0 * grid.1 + 1, hidden: hidden, depth: depth, heads: headCount, mlp: mlp,
                                     dropout: 0, generator: &g)
        let head = Dense(hidden, classes, generator: &g)  // zero-initialised, as torchvision
        head.weight.assign(Tensor(zeros: head.weight.shape))
        head.bias?.assign(Tensor(zeros: [classes]))
        heads = Sequential(named: [("head", head)])
    }

    public var ownParameters: [(name: String, parameter: Parameter)] { [("class_token", classToken)] }
    public var children: [(name: String, module: Module)] { [("conv_proj", convProjection), ("encoder", encoder), ("heads", heads)] }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        let patches = try context.run(convProjection, named: "conv_proj", input)
        guard patches.shape[2] == grid.0, patches.shape[3] == grid.1 else {
            throw FoveaError.shape("built for \(grid.0 * patch)×\(grid.1 * patch) inputs (\(grid.0)×\(grid.1) patches), got \(describe(shape: input.shape))")
        }
        let batch = input.shape[0]
        let tokens = patches.reshaped([batch, hidden, grid.0 * grid.1]).permuted([0, 2, 1])
        let sequence = Tensor.concatenate([classToken.value.broadcast(to: [batch, 1, hidden]), tokens], axis: 1)
        let encoded = try context.run(encoder, named: "encoder", sequence)
        return try context.run(heads, named: "heads", encoded.slice(axis: 1, 0..<1).reshaped([batch, hidden]))
    }

    struct Size: Sendable { let patch: Int, hidden: Int, depth: Int, heads: Int, mlp: Int }

    static func make(_ size: Size) -> @Sendable (ModelConfiguration, inout SeededGenerator) throws -> Module {
        { config, g in
            try VisionTransformer(input: config.inputShape, classes: config.classes, patch: size.patch, hidden: size.hidden,
                                  depth: size.depth, heads: size.heads, mlp: size.mlp, generator: &g)
        }
    }
}
