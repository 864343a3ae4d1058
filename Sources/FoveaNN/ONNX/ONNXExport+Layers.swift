/// ONNX export of the layers in FoveaNN.

extension Conv2D: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        let shape = try graph.inputShape(of: self)
        let pad = padding.resolve(height: shape[2], width: shape[3], kernel: kernelSize, stride: stride, dilation: dilation)
        var inputs = [input, graph.initializer(graph.join(path, "weight"), weight.value)]
        if let bias { inputs.append(graph.initializer(graph.join(path, "bias"), bias.value)) }
        let output = graph.node1("Conv", inputs, name: graph.join(path, "conv"), [
            .ints("kernel_shape", [kernelSize.0, kernelSize.1]), .ints("strides", [stride.0, stride.1]),
            .ints("pads", [pad.top, pad.left, pad.bottom, pad.right]), .ints("dilations", [dilation.0, dilation.1]), .int("group", groups),
        ])
        return graph.activation(activation, output, path: path)
    }
}

extension Conv1D: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        let shape = try graph.inputShape(of: self)
        let pad = padding.resolve(height: 1, width: shape[2], kernel: (1, kernelSize), stride: (1, stride), dilation: (1, dilation))
        var inputs = [input, graph.initializer(graph.join(path, "weight"), weight.value)]
        if let bias { inputs.append(graph.initializer(graph.join(path, "bias"), bias.value)) }
        return graph.node1("Conv", inputs, name: graph.join(path, "conv"), [
            .ints("kernel_shape", [kernelSize]), .ints("strides", [stride]), .ints("pads", [pad.left, pad.right]),
            .ints("dilations", [dilation]), .int("group", groups),
        ])
    }
}

extension Conv3D: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        var inputs = [input, graph.initializer(graph.join(path, "weight"), weight.value)]
        if let bias { inputs.append(graph.initializer(graph.join(path, "bias"), bias.value)) }
        return graph.node1("Conv", inputs, name: graph.join(path, "conv"), [
            .ints("kernel_shape", kernelSize), .ints("strides", stride), .ints("pads", padding + padding),
            .ints("dilations", dilation), .int("group", groups),
        ])
    }
}

extension Dense: ONNXExportable {
    /// Gemm for [N, D] input; MatMul + Add for [N, T, D] (transformer MLPs).
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        let output: String
        if try graph.inputShape(of: self).count == 2 {
            var inputs = [input, graph.initializer(graph.join(path, "weight"), weight.value)]
            if let bias { inputs.append(graph.initializer(graph.join(path, "bias"), bias.value)) }
            output = graph.node1("Gemm", inputs, name: graph.join(path, "gemm"), [.int("transB", 1)])
        } else {
            output = try graph.linear(input, weight: weight.value, bias: bias?.value, path: path)
        }
        return graph.activation(activation, output, path: path)
    }
}

extension ONNXGraphBuilder {
    /// x · Wᵀ + b for inputs of any rank (MatMul broadcasts over the leading axes).
    public func linear(_ input: String, weight: Tensor, bias: Tensor?, path: String, weightName: String = "weight", biasName: String = "bias") throws -> String {
        let transposed = node1("Transpose", [initializer(join(path, weightName), weight)], name: join(path, "weight_t"), [.ints("perm", [1, 0])])
        let product = node1("MatMul", [input, transposed], name: join(path, "matmul"))
        guard let bias else { return product }
        return node1("Add", [product, initializer(join(path, biasName), bias)], name: join(path, "add_bias"))
    }
}

extension BatchNorm2D: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        graph.node1("BatchNormalization", [input, graph.initializer(graph.join(path, "weight"), weight.value),
                                           graph.initializer(graph.join(path, "bias"), bias.value),
                                           graph.initializer(graph.join(path, "running_mean"), runningMean.value),
                                           graph.initializer(graph.join(path, "running_var"), runningVariance.value)],
                    name: graph.join(path, "batch_norm"), [.float("epsilon", epsilon), .float("momentum", 1 - momentum)])
    }
}

extension LayerNorm: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        graph.node1("LayerNormalization", [input, graph.initializer(graph.join(path, "weight"), weight.value),
                                           graph.initializer(graph.join(path, "bias"), bias.value)],
                    name: graph.join(path, "layer_norm"), [.int("axis", -normalizedShape.count), .float("epsilon", epsilon)])
    }
}

extension MaxPool2D: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        graph.node1("MaxPool", [input], name: graph.join(path, "max_pool"), [
            .ints("kernel_shape", [kernelSize.0, kernelSize.1]), .ints("strides", [stride.0, stride.1]),
            .ints("pads", [padding.0, padding.1, padding.0, padding.1]), .int("ceil_mode", ceilMode ? 1 : 0),
        ])
    }
}

extension AvgPool2D: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        graph.node1("AveragePool", [input], name: graph.join(path, "avg_pool"), [
            .ints("kernel_shape", [kernelSize.0, kernelSize.1]), .ints("strides", [stride.0, stride.1]),
            .ints("pads", [padding.0, padding.1, padding.0, padding.1]), .int("count_include_pad", 1),
        ])
    }
}

extension GlobalAvgPool2D: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        graph.node1("Flatten", [graph.node1("GlobalAveragePool", [input], name: graph.join(path, "gap"))],
                    name: graph.join(path, "flatten"), [.int("axis", 1)])
    }
}

extension AdaptiveAvgPool2D: ONNXExportable {
    /// GlobalAveragePool for 1×1; otherwise a constant pooling matrix, [N, C, H·W] · P → [N, C, h·w],
    /// which is exact for every size (ONNX has no adaptive pooling).
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        let shape = try graph.inputShape(of: self)
        let (h, w, oh, ow) = (shape[2], shape[3], outputSize.0, outputSize.1)
        if oh == 1 && ow == 1 { return graph.node1("GlobalAveragePool", [input], name: graph.join(path, "gap")) }
        let matrix = Tensor(zeros: [h * w, oh * ow])
        for i in 0..<oh {
            let rows = Tensor.adaptivePoolingWindow(i, h, oh)
            for j in 0..<ow {
                let columns = Tensor.adaptivePoolingWindow(j, w, ow)
                let weight = 1 / Float(rows.count * columns.count)
                for r in rows { for c in columns { matrix.pointer[(r * w + c) * oh * ow + i * ow + j] = weight } }
            }
        }
        let flat = graph.node1("Reshape", [input, graph.integers(graph.join(path, "flat_shape"), [0, 0, h * w])], name: graph.join(path, "flat"))
        let pooled = graph.node1("MatMul", [flat, graph.initializer(graph.join(path, "pooling_matrix"), matrix)], name: graph.join(path, "pool"))
        return graph.node1("Reshape", [pooled, graph.integers(graph.join(path, "out_shape"), [0, 0, oh, ow])], name: graph.join(path, "adaptive_avg_pool"))
    }
}

extension Flatten: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        graph.node1("Flatten", [input], name: graph.join(path, "flatten"), [.int("axis", 1)])
    }
}

extension Dropout: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String { input }
}

extension StochasticDepth: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String { input }
}

extension GradientReversal: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String { input }
}

extension ActivationLayer: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String { graph.activation(activation, input, path: path) }
}

extension ReLU: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String { graph.activation(.relu, input, path: path) }
}

extension Sigmoid: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String { graph.activation(.sigmoid, input, path: path) }
}

extension Tanh: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String { graph.activation(.tanh, input, path: path) }
}

extension Softmax: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String { graph.activation(.softmax, input, path: path) }
}

extension Sequential: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        var x = input
        for (name, layer) in layers { x = try graph.export(child: layer, named: name, of: path, input: x) }
        return x
    }
}

extension ConcatenatedBranches: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        let outputs = try branches.map { try graph.export(child: $0.module, named: $0.name, of: path, input: input) }
        return graph.node1("Concat", outputs, name: graph.join(path, "concat"), [.int("axis", 1)])
    }
}

extension SqueezeExcitation: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        let squeezed = graph.node1("GlobalAveragePool", [input], name: graph.join(path, "squeeze"))
        let hidden = graph.activation(activation, try graph.export(child: fc1, named: "fc1", of: path, input: squeezed), path: path)
        let gate = graph.node1("Sigmoid", [try graph.export(child: fc2, named: "fc2", of: path, input: hidden)], name: graph.join(path, "gate"))
        return graph.node1("Mul", [input, gate], name: graph.join(path, "excite"))
    }
}

extension MultiheadAttention: ONNXExportable {
    public func exportONNX(_ graph: ONNXGraphBuilder, input: String, path: String) throws -> String {
        let d = embedDimension, headSize = embedDimension / heads
        let packed = try graph.linear(input, weight: inProjectionWeight.value, bias: inProjectionBias.value, path: path,
                                      weightName: "in_proj_weight", biasName: "in_proj_bias")
        let split = graph.node1("Reshape", [packed, graph.integers(graph.join(path, "qkv_shape"), [0, 0, 3, heads, headSize])], name: graph.join(path, "qkv"))
        let perm = graph.node1("Transpose", [split], name: graph.join(path, "qkv_t"), [.ints("perm", [2, 0, 3, 1, 4])])
        func part(_ i: Int, _ name: String) -> String {
            graph.node1("Gather", [perm, graph.integers(graph.join(path, "\(name)_index"), [i], scalar: true)], name: graph.join(path, name), [.int("axis", 0)])
        }
        let (q, k, v) = (part(0, "q"), part(1, "k"), part(2, "v"))
        let kt = graph.node1("Transpose", [k], name: graph.join(path, "k_t"), [.ints("perm", [0, 1, 3, 2])])
        let scores = graph.node1("Mul", [graph.node1("MatMul", [q, kt], name: graph.join(path, "qk")),
                                         graph.scalar(graph.join(path, "scale"), 1 / Float(headSize).squareRoot())], name: graph.join(path, "scores"))
        let weights = graph.node1("Softmax", [scores], name: graph.join(path, "weights"), [.int("axis", -1)])
        let attended = graph.node1("Transpose", [graph.node1("MatMul", [weights, v], name: graph.join(path, "attend"))],
                                   name: graph.join(path, "attend_t"), [.ints("perm", [0, 2, 1, 3])])
        let merged = graph.node1("Reshape", [attended, graph.integers(graph.join(path, "merge_shape"), [0, 0, d])], name: graph.join(path, "merge"))
        return try graph.linear(merged, weight: outProjection.weight.value, bias: outProjection.bias?.value, path: graph.join(path, "out_proj"))
    }
}
