/// ONNX export of the zoo's composite blocks and model shells.

extension Classifier: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        let x = try graph.export(child: features, named: "features", of: path, input: input)
        return try graph.export(child: classifier, named: "classifier", of: path, input: x)
    }
}

extension PooledClassifier: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        var x = try graph.export(child: features, named: "features", of: path, input: input)
        x = try graph.export(child: avgpool, named: "avgpool", of: path, input: x)
        x = graph.node1("Flatten", [x], name: graph.join(path, "flatten"), [.int("axis", 1)])
        return try graph.export(child: classifier, named: headName, of: path, input: x)
    }
}

extension ResNet: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        var x = try graph.export(child: conv1, named: "conv1", of: path, input: input)
        x = graph.activation(.relu, try graph.export(child: bn1, named: "bn1", of: path, input: x), path: graph.join(path, "bn1"))
        if let maxpool { x = try graph.export(child: maxpool, named: "maxpool", of: path, input: x) }
        for (i, layer) in layers.enumerated() { x = try graph.export(child: layer, named: "layer\(i + 1)", of: path, input: x) }
        x = graph.node1("Flatten", [graph.node1("GlobalAveragePool", [x], name: graph.join(path, "gap"))], name: graph.join(path, "flatten"), [.int("axis", 1)])
        return try graph.export(child: fc, named: headName, of: path, input: x)
    }
}

extension BasicBlock: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        var out = try graph.export(child: conv1, named: "conv1", of: path, input: input)
        out = graph.activation(.relu, try graph.export(child: bn1, named: "bn1", of: path, input: out), path: graph.join(path, "bn1"))
        out = try graph.export(child: bn2, named: "bn2", of: path, input: try graph.export(child: conv2, named: "conv2", of: path, input: out))
        let identity: String
        switch shortcut {
        case .identity: identity = input
        case .projection: identity = try graph.export(child: downsample!, named: "downsample", of: path, input: input)
        case .zeroPadding:  // option A: x[:, :, ::s, ::s] and zero channels before and after
            let extra = outChannels - inChannels
            let sliced = graph.node1("Slice", [input, graph.integers(graph.join(path, "starts"), [0, 0]),
                                               graph.integers(graph.join(path, "ends"), [Int(Int32.max), Int(Int32.max)]),
                                               graph.integers(graph.join(path, "axes"), [2, 3]),
                                               graph.integers(graph.join(path, "steps"), [stride, stride])], name: graph.join(path, "subsample"))
            identity = graph.node1("Pad", [sliced, graph.integers(graph.join(path, "pads"), [0, extra / 2, 0, 0, 0, extra - extra / 2, 0, 0])],
                                   name: graph.join(path, "zero_channels"))
        }
        return graph.activation(.relu, graph.node1("Add", [out, identity], name: graph.join(path, "add")), path: path)
    }
}

extension Bottleneck: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        var out = input
        for (conv, bn, name) in [(conv1, bn1, "1"), (conv2, bn2, "2")] {
            out = try graph.export(child: bn, named: "bn" + name, of: path, input: try graph.export(child: conv, named: "conv" + name, of: path, input: out))
            out = graph.activation(.relu, out, path: graph.join(path, "bn" + name))
        }
        out = try graph.export(child: bn3, named: "bn3", of: path, input: try graph.export(child: conv3, named: "conv3", of: path, input: out))
        let identity = try downsample.map { try graph.export(child: $0, named: "downsample", of: path, input: input) } ?? input
        return graph.activation(.relu, graph.node1("Add", [out, identity], name: graph.join(path, "add")), path: path)
    }
}

extension BasicConv2d: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        let x = try graph.export(child: bn, named: "bn", of: path, input: try graph.export(child: conv, named: "conv", of: path, input: input))
        return graph.activation(.relu, x, path: path)
    }
}

extension InvertedResidual: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        let out = try graph.export(child: conv, named: "conv", of: path, input: input)
        return residual ? graph.node1("Add", [input, out], name: graph.join(path, "add")) : out
    }
}

extension MBConv: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        let out = try graph.export(child: block, named: "block", of: path, input: input)
        return residual ? graph.node1("Add", [out, input], name: graph.join(path, "add")) : out
    }
}

extension DenseLayer: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        var x = graph.activation(.relu, try graph.export(child: norm1, named: "norm1", of: path, input: input), path: graph.join(path, "norm1"))
        x = try graph.export(child: norm2, named: "norm2", of: path, input: try graph.export(child: conv1, named: "conv1", of: path, input: x))
        return try graph.export(child: conv2, named: "conv2", of: path, input: graph.activation(.relu, x, path: graph.join(path, "norm2")))
    }
}

extension DenseBlock: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        var features = input
        for (index, layer) in layers.enumerated() {
            let new = try graph.export(child: layer, named: "denselayer\(index + 1)", of: path, input: features)
            features = graph.node1("Concat", [features, new], name: graph.join(path, "concat\(index + 1)"), [.int("axis", 1)])
        }
        return features
    }
}

extension EncoderBlock: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        let attended = try graph.export(child: attention, named: "self_attention", of: path, input: try graph.export(child: ln1, named: "ln_1", of: path, input: input))
        let x = graph.node1("Add", [attended, input], name: graph.join(path, "residual1"))
        let fc1 = mlp.layers[0].module as! Dense, fc2 = mlp.layers[2].module as! Dense
        var y = try graph.export(child: ln2, named: "ln_2", of: path, input: x)
        y = graph.activation(fc1.activation, try graph.linear(y, weight: fc1.weight.value, bias: fc1.bias?.value, path: graph.join(path, "mlp.0")), path: graph.join(path, "mlp.0"))
        y = try graph.linear(y, weight: fc2.weight.value, bias: fc2.bias?.value, path: graph.join(path, "mlp.3"))
        return graph.node1("Add", [x, y], name: graph.join(path, "residual2"))
    }
}

extension TransformerEncoder: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        let x = graph.node1("Add", [input, graph.initializer(graph.join(path, "pos_embedding"), positionEmbedding.value)], name: graph.join(path, "add_position"))
        return try graph.export(child: ln, named: "ln", of: path, input: try graph.export(child: layers, named: "layers", of: path, input: x))
    }
}

extension VisionTransformer: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        let patches = try graph.export(child: convProjection, named: "conv_proj", of: path, input: input)
        let flat = graph.node1("Reshape", [patches, graph.integers(graph.join(path, "patch_shape"), [0, hidden, grid.0 * grid.1])], name: graph.join(path, "patches"))
        let tokens = graph.node1("Transpose", [flat], name: graph.join(path, "tokens"), [.ints("perm", [0, 2, 1])])
        // The class token repeated over the (dynamic) batch: shape [N, 1, D] from the tokens' shape.
        let batch = graph.node1("Slice", [graph.node1("Shape", [tokens], name: graph.join(path, "token_shape")),
                                          graph.integers(graph.join(path, "batch_start"), [0]), graph.integers(graph.join(path, "batch_end"), [1])],
                                name: graph.join(path, "batch"))
        let expandShape = graph.node1("Concat", [batch, graph.integers(graph.join(path, "class_token_dims"), [1, hidden])], name: graph.join(path, "class_token_shape"), [.int("axis", 0)])
        let classTokens = graph.node1("Expand", [graph.initializer(graph.join(path, "class_token"), classToken.value), expandShape], name: graph.join(path, "class_tokens"))
        let sequence = graph.node1("Concat", [classTokens, tokens], name: graph.join(path, "sequence"), [.int("axis", 1)])
        let encoded = try graph.export(child: encoder, named: "encoder", of: path, input: sequence)
        let first = graph.node1("Gather", [encoded, graph.integers(graph.join(path, "class_index"), [0], scalar: true)], name: graph.join(path, "class_output"), [.int("axis", 1)])
        return try graph.export(child: heads, named: "heads", of: path, input: first)
    }
}
