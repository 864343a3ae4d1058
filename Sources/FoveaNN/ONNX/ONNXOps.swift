#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The ONNX operators an imported graph runs, each on Fovea's differentiable ops. A graph is
/// user input: shapes that do not fit an op are errors naming the node, never a trap in a kernel.
enum ONNXOps {
    static func run(_ node: ONNXModel.Node, _ inputs: [Tensor?]) throws -> [Tensor] {
        func input(_ i: Int) throws -> Tensor {
            guard i < inputs.count, let value = inputs[i] else { throw FoveaError.format("ONNX node '\(node.name)' (\(node.op)) lacks input \(i)") }
            return value
        }
        func require(_ condition: Bool, _ what: @autoclosure () -> String) throws {
            guard condition else { throw FoveaError.shape("ONNX node '\(node.name)' (\(node.op)): \(what())") }
        }
        func binary(_ op: (Tensor, Tensor) -> Tensor) throws -> [Tensor] {
            let (a, b) = (try input(0), try input(1))
            try require(broadcastShape(a.shape, b.shape) != nil, "shapes \(describe(shape: a.shape)) and \(describe(shape: b.shape)) do not broadcast")
            return [op(a, b)]
        }
        func ints(_ t: Tensor) -> [Int] { t.scalars.map { Int($0) } }
        func axis(_ a: Int, _ rank: Int) -> Int { a < 0 ? a + rank : a }
        let x = node.op == "Constant" ? Tensor(scalar: 0) : try input(0)
        switch node.op {
        case "Identity", "Dropout": return [x]
        case "Constant":
            guard let value = node.tensors["value"] ?? node.floats["value_float"].map({ Tensor(scalar: $0) }) else {
                throw FoveaError.format("ONNX Constant '\(node.name)': only tensor and float values are supported")
            }
            return [value]
        case "Relu": return [x.relu()]
        case "Sigmoid": return [x.sigmoid()]
        case "Tanh": return [x.tanh()]
        case "HardSwish": return [x.hardswish()]
        case "Erf": return [x.mapped("erf", { erff($0) }, derivative: { v, _ in 1.1283791671 * expf(-v * v) })]
        case "Clip":
            let low = inputs.count > 1 ? inputs[1]?.item : node.floats["min"]
            let high = inputs.count > 2 ? inputs[2]?.item : node.floats["max"]
            if low == 0 && high == 6 { return [x.relu6()] }
            if low == 0 && high == nil { return [x.relu()] }
            let (l, h) = (low ?? -.infinity, high ?? .infinity)
            return [x.mapped("clip", { Swift.min(Swift.max($0, l), h) }, derivative: { v, _ in v > l && v < h ? 1 : 0 })]
        case "Add": return try binary(+)
        case "Sub": return try binary(-)
        case "Mul": return try binary(*)
        case "Div": return try binary(/)
        case "Softmax":
            guard axis(node.int("axis", -1), x.rank) == x.rank - 1 else { throw FoveaError.format("ONNX Softmax '\(node.name)': only the last axis") }
            return [x.softmax()]
        case "Flatten":
            let a = axis(node.int("axis", 1), x.rank)
            try require((0...x.rank).contains(a), "axis \(a) of \(describe(shape: x.shape))")
            return [x.reshaped([x.shape[..<a].reduce(1, *), x.shape[a...].reduce(1, *)])]
        case "Reshape":
            var target = ints(try input(1))
            for (i, d) in target.enumerated() where d == 0 && node.int("allowzero", 0) == 0 {
                try require(i < x.rank, "target \(target) copies axis \(i) of \(describe(shape: x.shape))")
                target[i] = x.shape[i]
            }
            let known = target.filter { $0 != -1 }.reduce(1, *), free = target.filter { $0 == -1 }.count
            try require(target.allSatisfy { $0 >= -1 } && free <= 1
                        && (free == 0 ? known == x.count : known > 0 && x.count % known == 0),
                        "cannot reshape \(describe(shape: x.shape)) to \(target)")
            return [x.reshaped(target)]
        case "Transpose":
            let perm = node.ints["perm"] ?? Array((0..<x.rank).reversed())
            try require(perm.sorted() == Array(0..<x.rank), "permutation \(perm) for \(describe(shape: x.shape))")
            return [x.permuted(perm)]
        case "Shape": return [try Tensor(x.shape.map(Float.init), shape: [x.rank])]
        case "Unsqueeze", "Squeeze":
            let given = inputs.count > 1 ? inputs[1].map(ints) : node.ints["axes"]
            var shape = x.shape
            if node.op == "Unsqueeze" {
                let rank = x.rank + (given?.count ?? 0)
                for a in (given ?? []).map({ axis($0, rank) }).sorted() {
                    try require((0...shape.count).contains(a), "axes \(given ?? []) for \(describe(shape: x.shape))")
                    shape.insert(1, at: a)
                }
            } else {
                let drop = Set((given ?? shape.indices.filter { shape[$0] == 1 }).map { axis($0, x.rank) })
                shape = shape.enumerated().filter { !drop.contains($0.offset) }.map(\.element)
            }
            return [x.reshaped(shape)]
        case "Concat":
            let parts = try inputs.indices.map(input), a = axis(node.int("axis", 0), x.rank)
            try require((0..<x.rank).contains(a) && parts.allSatisfy { part in
                part.rank == x.rank && (0..<x.rank).allSatisfy { $0 == a || part.shape[$0] == x.shape[$0] }
            }, "shapes \(parts.map { describe(shape: $0.shape) }) do not concatenate on axis \(a)")
            return [Tensor.concatenate(parts, axis: a)]
        case "Gather":
            let indices = try input(1), a = axis(node.int("axis", 0), x.rank)
            try require((0..<x.rank).contains(a), "axis \(a) of \(describe(shape: x.shape))")
            let picked = ints(indices).map { $0 < 0 ? $0 + x.shape[a] : $0 }
            try require(picked.allSatisfy { (0..<x.shape[a]).contains($0) }, "indices \(ints(indices)) outside axis \(a) of \(describe(shape: x.shape))")
            let parts = picked.map { x.slice(axis: a, $0..<($0 + 1)) }
            let joined = Tensor.concatenate(parts, axis: a)
            var shape = x.shape
            shape.replaceSubrange(a...a, with: indices.shape)
            return [joined.reshaped(shape)]
        case "Slice":
            let starts = ints(try input(1)), ends = ints(try input(2))
            let axes = inputs.count > 3 ? inputs[3].map(ints) ?? Array(starts.indices) : Array(starts.indices)
            let steps = inputs.count > 4 ? inputs[4].map(ints) ?? starts.map { _ in 1 } : starts.map { _ in 1 }
            var y = x
            try require(ends.count == starts.count && axes.count == starts.count && steps.count == starts.count
                        && axes.allSatisfy { (0..<x.rank).contains(axis($0, x.rank)) }, "starts/ends/axes/steps do not fit \(describe(shape: x.shape))")
            for (i, a0) in axes.enumerated() {
                let a = axis(a0, x.rank), size = y.shape[a]
                func clamp(_ v: Int) -> Int { Swift.min(Swift.max(v < 0 ? v + size : v, 0), size) }
                let (start, end, step) = (clamp(starts[i]), clamp(ends[i]), steps[i])
                guard step > 0 else { throw FoveaError.format("ONNX Slice '\(node.name)': negative steps are not supported") }
                if step == 1 { y = y.slice(axis: a, start..<Swift.max(start, end)); continue }
                let picks = Array(stride(from: start, to: end, by: step))
                y = Tensor.concatenate(picks.map { y.slice(axis: a, $0..<($0 + 1)) }, axis: a)
            }
            return [y]
        case "Expand":
            let target = ints(try input(1))
            let rank = Swift.max(target.count, x.rank)
            try require(broadcastShape(x.shape, target) != nil || broadcastShape(target, x.shape) != nil,
                        "cannot expand \(describe(shape: x.shape)) to \(target)")
            let padded = Array(repeating: 1, count: rank - x.rank) + x.shape
            let full = (0..<rank).map { i -> Int in
                let t = i - (rank - target.count)
                return t >= 0 && target[t] != 1 ? target[t] : padded[i]
            }
            return [x.reshaped(padded).broadcast(to: full)]
        case "Pad":
            let pads = inputs.count > 1 ? inputs[1].map(ints) ?? [] : node.ints["pads"] ?? []
            guard pads.count == 2 * x.rank, x.rank == 4, pads[0] == 0, pads[4] == 0, pads[2] == 0, pads[3] == 0, pads[6] == 0, pads[7] == 0 else {
                throw FoveaError.format("ONNX Pad '\(node.name)': only zero channel padding of NCHW tensors is supported, got pads \(pads)")
            }
            return [x.subsampledWithZeroChannels(stride: 1, padBefore: pads[1], padAfter: pads[5])]
        case "GlobalAveragePool":
            try require(x.rank == 4, "expects NCHW input, got \(describe(shape: x.shape))")
            return [x.globalAvgPool2d().reshaped([x.shape[0], x.shape[1], 1, 1])]
        case "MaxPool", "AveragePool":
            let k = node.ints["kernel_shape"] ?? [], s = node.ints["strides"] ?? [1, 1], p = node.ints["pads"] ?? [0, 0, 0, 0]
            guard k.count == 2, s.count == 2, p.count == 4, p[0] == p[2], p[1] == p[3] else { throw FoveaError.format("ONNX \(node.op) '\(node.name)': 2-D with symmetric pads only") }
            var window = WindowGeometry(channels: 1, height: x.rank == 4 ? x.shape[2] : 0, width: x.rank == 4 ? x.shape[3] : 0,
                                        kernel: (k[0], k[1]), stride: (s[0], s[1]), padding: (p[0], p[1], p[0], p[1]))
            if node.int("ceil_mode", 0) == 1, s[0] > 0, s[1] > 0 {
                window.padBottom += ceilModeExtra(window.height, k[0], s[0], p[0])
                window.padRight += ceilModeExtra(window.width, k[1], s[1], p[1])
            }
            try require(x.rank == 4 && window.isValid && 2 * p[0] <= k[0] && 2 * p[1] <= k[1],
                        "window \(k) with pads \(p) does not fit \(describe(shape: x.shape))")
            if node.op == "MaxPool" {
                return [x.maxPool2d(kernel: (k[0], k[1]), stride: (s[0], s[1]), padding: (p[0], p[1]), ceilMode: node.int("ceil_mode", 0) == 1)]
            }
            guard node.int("ceil_mode", 0) == 0 else { throw FoveaError.format("ONNX AveragePool '\(node.name)': ceil_mode is not supported") }
            return [x.avgPool2d(kernel: (k[0], k[1]), stride: (s[0], s[1]), padding: (p[0], p[1]), countIncludePad: node.int("count_include_pad", 0) == 1)]
        case "Conv":
            let w = try input(1), b = inputs.count > 2 ? inputs[2] : nil
            let groups = node.int("group", 1)
            try require(["NOTSET", "VALID"].contains(node.strings["auto_pad"] ?? "NOTSET"),
                        "auto_pad \(node.strings["auto_pad"]!) is not supported; export with explicit pads")
            try require((3...5).contains(x.rank) && w.rank == x.rank && groups > 0 && x.shape[1] % groups == 0
                        && w.shape[0] % groups == 0 && w.shape[1] * groups == x.shape[1] && (b == nil || b!.shape == [w.shape[0]]),
                        "input \(describe(shape: x.shape)) does not fit weight \(describe(shape: w.shape)) with \(groups) groups")
            let spatial = x.rank - 2
            let strides = node.ints["strides"] ?? Array(repeating: 1, count: spatial)
            let dilations = node.ints["dilations"] ?? Array(repeating: 1, count: spatial)
            let pads = node.ints["pads"] ?? Array(repeating: 0, count: 2 * spatial)
            try require(strides.count == spatial && dilations.count == spatial && pads.count == 2 * spatial
                        && (0..<spatial).allSatisfy { d in
                            strides[d] > 0 && dilations[d] > 0
                                && x.shape[2 + d] + pads[d] + pads[d + spatial] >= dilations[d] * (w.shape[2 + d] - 1) + 1
                        }, "kernel \(describe(shape: w.shape)) with strides \(strides), pads \(pads) does not fit \(describe(shape: x.shape))")
            if x.rank == 3 {  // 1-D convolution as a 2-D one of height 1
                let p = node.ints["pads"] ?? [0, 0], s = node.ints["strides"] ?? [1], d = node.ints["dilations"] ?? [1]
                let y = x.reshaped([x.shape[0], x.shape[1], 1, x.shape[2]])
                    .conv2d(weight: w.reshaped([w.shape[0], w.shape[1], 1, w.shape[2]]), bias: b, stride: (1, s[0]),
                            padding: (0, p[0], 0, p[1]), dilation: (1, d[0]), groups: groups)
                return [y.reshaped([y.shape[0], y.shape[1], y.shape[3]])]
            }
            if x.rank == 5 {
                let p = node.ints["pads"] ?? [0, 0, 0, 0, 0, 0]
                guard Array(p[..<3]) == Array(p[3...]) else { throw FoveaError.format("ONNX Conv '\(node.name)': asymmetric 3-D padding") }
                return [x.conv3d(weight: w, bias: b, stride: node.ints["strides"] ?? [1, 1, 1], padding: Array(p[..<3]),
                                 dilation: node.ints["dilations"] ?? [1, 1, 1], groups: groups)]
            }
            let p = node.ints["pads"] ?? [0, 0, 0, 0], s = node.ints["strides"] ?? [1, 1], d = node.ints["dilations"] ?? [1, 1]
            return [x.conv2d(weight: w, bias: b, stride: (s[0], s[1]), padding: (p[0], p[1], p[2], p[3]), dilation: (d[0], d[1]), groups: groups)]
        case "BatchNormalization":
            let (scale, bias, mean, variance) = (try input(1), try input(2), try input(3), try input(4))
            let shape = [1, x.shape[1]] + Array(repeating: 1, count: x.rank - 2)
            let epsilon = node.floats["epsilon"] ?? 1e-5
            try require(x.rank >= 2 && [scale, bias, mean, variance].allSatisfy { $0.shape == [x.shape[1]] },
                        "parameters \([scale, bias, mean, variance].map { describe(shape: $0.shape) }) for input \(describe(shape: x.shape))")
            let inverse = (variance.detached() + epsilon).sqrt().mapValues { 1 / $0 }
            return [(x - mean.reshaped(shape)) * (scale * inverse).reshaped(shape) + bias.reshaped(shape)]
        case "LayerNormalization":
            let a = axis(node.int("axis", -1), x.rank), scale = try input(1)
            try require((0..<x.rank).contains(a) && scale.shape == Array(x.shape[a...]),
                        "scale \(describe(shape: scale.shape)) for input \(describe(shape: x.shape)) from axis \(a)")
            return [x.layerNorm(weight: scale, bias: inputs.count > 2 ? inputs[2] ?? Tensor(zeros: Array(x.shape[a...])) : Tensor(zeros: Array(x.shape[a...])),
                                normalizedDimensions: x.rank - a, epsilon: node.floats["epsilon"] ?? 1e-5)]
        case "Gemm":
            var a = x, b = try input(1)
            try require(a.rank == 2 && b.rank == 2, "expects matrices, got \(describe(shape: a.shape)) and \(describe(shape: b.shape))")
            if node.int("transA", 0) == 1 { a = a.transposed() }
            if node.int("transB", 0) == 1 { b = b.transposed() }
            try require(a.shape[1] == b.shape[0], "inner sizes differ: \(describe(shape: a.shape)) · \(describe(shape: b.shape))")
            if inputs.count > 2, let c = inputs[2] {
                try require(broadcastShape(c.shape, [a.shape[0], b.shape[1]]) == [a.shape[0], b.shape[1]], "bias \(describe(shape: c.shape))")
            }
            var y = a.matmul(b) * (node.floats["alpha"] ?? 1)
            if inputs.count > 2, let c = inputs[2] { y = y + c * (node.floats["beta"] ?? 1) }
            return [y]
        case "MatMul":
            return [try matmul(x, try input(1), node: node)]
        default:
            throw FoveaError.format("unsupported ONNX op '\(node.op)' (node '\(node.name)')")
        }
    }

    /// numpy-style matmul for the shapes transformer graphs use: [..., m, k] · [k, n] and
    /// equal-batch [..., m, k] · [..., k, n].
    static func matmul(_ a: Tensor, _ b: Tensor, node: ONNXModel.Node) throws -> Tensor {
        guard a.rank >= 2, b.rank >= 2, a.shape[a.rank - 1] == b.shape[b.rank - 2] else {
            throw FoveaError.shape("ONNX MatMul '\(node.name)': \(describe(shape: a.shape)) · \(describe(shape: b.shape)) do not multiply")
        }
        let (m, k) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
        if b.rank == 2 {
            let flat = a.reshaped([a.count / k, k]).matmul(b)
            return flat.reshaped(Array(a.shape.dropLast()) + [b.shape[1]])
        }
        guard a.rank == b.rank, Array(a.shape.dropLast(2)) == Array(b.shape.dropLast(2)) else {
            throw FoveaError.format("ONNX MatMul '\(node.name)': shapes \(describe(shape: a.shape)) and \(describe(shape: b.shape)) are not supported")
        }
        let batch = a.shape.dropLast(2).reduce(1, *), n = b.shape[b.rank - 1]
        let y = a.reshaped([batch, m, k]).matmul(b.reshaped([batch, k, n]))
        return y.reshaped(Array(a.shape.dropLast(2)) + [m, n])
    }
}
