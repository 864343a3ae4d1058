import Foundation
import FoveaCore
import FoveaTestSupport
import Testing

/// Forward and backward of the core ops against PyTorch (Scripts/make_core_fixtures.py).
@Suite struct PyTorchParityTests {
    static let cases: [String: ReferenceCase] = {
        let url = Bundle.module.url(forResource: "pytorch_reference", withExtension: "json", subdirectory: "Fixtures")!
        return try! loadReferenceCases(from: url)
    }()

    /// Runs `op` on the fixture's inputs, backprops its upstream gradient and compares both ways.
    func check(_ name: String, tolerance: Double = 1e-4, _ op: ([Tensor], ReferenceCase) -> Tensor) {
        let reference = Self.cases[name]!
        let inputs = reference.inputs.map { $0.tensor.requiringGrad() }
        let output = op(inputs, reference)
        #expect(output.shape == reference.output.shape, "\(name): output shape")
        let forwardError = relativeError(output.scalars, reference.output.data)
        #expect(forwardError < tolerance, "\(name): forward relative error \(forwardError)")
        output.backward(seed: reference.gradOutput.tensor)
        for (i, (input, expected)) in zip(inputs, reference.gradInputs).enumerated() {
            let error = relativeError(input.grad!.scalars, expected.data)
            #expect(error < tolerance, "\(name): gradient of input \(i) relative error \(error)")
        }
    }

    @Test(arguments: ["conv2d_basic_3x3", "conv2d_same_pad1", "conv2d_stride2_pad2_5x5", "conv2d_no_bias_1x1",
                      "conv2d_dilation2", "conv2d_groups2", "conv2d_depthwise_stride2", "conv2d_rect_kernel",
                      "conv2d_3x3_outer_products", "conv2d_3x3_stride2_outer_products"])
    func conv2dMatchesPyTorch(name: String) {
        check(name) { x, c in
            let stride = c.params["stride"]!.ints, padding = c.params["padding"]!.ints, dilation = c.params["dilation"]!.int
            return x[0].conv2d(weight: x[1], bias: x.count > 2 ? x[2] : nil, stride: (stride[0], stride[1]),
                               padding: (padding[0], padding[1], padding[0], padding[1]), dilation: (dilation, dilation),
                               groups: c.params["groups"]!.int)
        }
    }

    @Test(arguments: ["maxpool_2x2", "maxpool_3x3_s2_p1", "maxpool_3x3_s1"])
    func maxPoolMatchesPyTorch(name: String) {
        check(name) { x, c in
            let k = c.params["kernel"]!.int, s = c.params["stride"]!.int, p = c.params["padding"]!.int
            return x[0].maxPool2d(kernel: (k, k), stride: (s, s), padding: (p, p))
        }
    }

    @Test(arguments: ["avgpool_2x2", "avgpool_3x3_s2_p1"])
    func avgPoolMatchesPyTorch(name: String) {
        check(name) { x, c in
            let k = c.params["kernel"]!.int, s = c.params["stride"]!.int, p = c.params["padding"]!.int
            return x[0].avgPool2d(kernel: (k, k), stride: (s, s), padding: (p, p))
        }
    }

    @Test func globalAvgPoolMatchesPyTorch() { check("global_avgpool") { x, _ in x[0].globalAvgPool2d() } }

    @Test func linearMatchesPyTorch() {
        check("linear_bias") { x, _ in x[0].linear(weight: x[1], bias: x[2]) }
        check("linear_no_bias") { x, _ in x[0].linear(weight: x[1], bias: nil) }
    }

    @Test func crossEntropyMatchesPyTorch() {
        check("cross_entropy_labels") { x, c in x[0].softmaxCrossEntropy(labels: c.params["labels"]!.ints) }
        check("cross_entropy_soft") { x, c in x[0].softmaxCrossEntropy(targets: c.params["targets"]!.referenceArray.tensor) }
        check("cross_entropy_label_smoothing") { x, c in
            let labels = c.params["labels"]!.ints, alpha = Float(c.params["label_smoothing"]!.double)
            let targets = Tensor(repeating: alpha / 5, shape: [labels.count, 5])
            for (n, label) in labels.enumerated() { targets.pointer[n * 5 + label] += 1 - alpha }
            return x[0].softmaxCrossEntropy(targets: targets)
        }
    }

    @Test func softmaxMatchesPyTorch() {
        check("softmax") { x, _ in x[0].softmax() }
        check("log_softmax") { x, _ in x[0].logSoftmax() }
    }

    @Test func modernActivationsMatchPyTorch() {
        check("relu6") { x, _ in x[0].relu6() }
        check("silu") { x, _ in x[0].silu() }
        check("gelu") { x, _ in x[0].gelu() }
        check("hardswish") { x, _ in x[0].hardswish() }
    }

    @Test(arguments: ["adaptive_avgpool_7x5_to_3x2", "adaptive_avgpool_6x6_to_4x4", "adaptive_avgpool_4x4_to_6x5"])
    func adaptiveAvgPoolMatchesPyTorch(name: String) {
        check(name) { x, c in
            let size = c.params["size"]!.ints
            return x[0].adaptiveAvgPool2d(outputSize: (size[0], size[1]))
        }
    }

    @Test func layerNormMatchesPyTorch() {
        check("layer_norm_last_dim") { x, _ in x[0].layerNorm(weight: x[1], bias: x[2], normalizedDimensions: 1) }
        check("layer_norm_last_two_dims") { x, _ in x[0].layerNorm(weight: x[1], bias: x[2], normalizedDimensions: 2) }
    }

    @Test(arguments: ["maxpool_ceil_3x3_s2", "maxpool_ceil_2x2_s2", "maxpool_ceil_3x3_s2_p1"])
    func ceilModeMaxPoolMatchesPyTorch(name: String) {
        check(name) { x, c in
            let k = c.params["kernel"]!.int, s = c.params["stride"]!.int, p = c.params["padding"]!.int
            return x[0].maxPool2d(kernel: (k, k), stride: (s, s), padding: (p, p), ceilMode: true)
        }
    }

    @Test(arguments: ["conv3d_basic", "conv3d_stride2_pad1_groups2", "conv3d_dilation2"])
    func conv3dMatchesPyTorch(name: String) {
        check(name) { x, c in
            let s = c.params["stride"]!.int, p = c.params["padding"]!.int, d = c.params["dilation"]!.int
            return x[0].conv3d(weight: x[1], bias: x[2], stride: [s, s, s], padding: [p, p, p], dilation: [d, d, d],
                               groups: c.params["groups"]!.int)
        }
    }

    /// Eight chained float32 ops against a float64 reference: elements near zero sit at ~1e-4.
    @Test func multiheadSelfAttentionMatchesPyTorch() {
        check("multihead_attention_2_heads", tolerance: 5e-4) { x, c in
            x[0].multiheadSelfAttention(heads: c.params["heads"]!.int, inProjectionWeight: x[1], inProjectionBias: x[2],
                                        outProjectionWeight: x[3], outProjectionBias: x[4])
        }
    }
}
