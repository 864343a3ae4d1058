import FoveaCore
import FoveaTestSupport
import Testing

/// Finite-difference checks for every differentiable op.
@Suite struct GradientCheckTests {
    func expectGradients(_ inputs: [Tensor], _ f: ([Tensor]) -> Tensor, sourceLocation: SourceLocation = #_sourceLocation) {
        let mismatch = gradientMismatch(inputs, f)
        #expect(mismatch == nil, "\(mismatch ?? "")", sourceLocation: sourceLocation)
    }

    @Test func broadcastingArithmetic() {
        let a = randomTensor([2, 3, 4], seed: 1), b = randomTensor([3, 1], seed: 2)
        let positive = randomTensor([4], seed: 3).mapValues { Swift.abs($0) + 0.5 }
        expectGradients([a, b]) { $0[0] + $0[1] }
        expectGradients([a, b]) { $0[0] - $0[1] }
        expectGradients([a, b]) { $0[0] * $0[1] }
        expectGradients([a, positive]) { $0[0] / $0[1] }
        expectGradients([a, a]) { $0[0] * $0[1] }   // same shape path
    }

    @Test func scalarArithmetic() {
        let a = randomTensor([3, 4], seed: 4)
        expectGradients([a]) { $0[0] * 2.5 + 1 }
        expectGradients([a]) { 3 - $0[0] / 4 }
        expectGradients([a]) { -$0[0] }
    }

    @Test func unaryFunctions() {
        let x = randomTensor([3, 5], seed: 5)
        let positive = x.mapValues { Swift.abs($0) + 0.5 }
        expectGradients([x]) { $0[0].exp() }
        expectGradients([positive]) { $0[0].log() }
        expectGradients([positive]) { $0[0].sqrt() }
        expectGradients([x]) { $0[0].tanh() }
        expectGradients([x]) { $0[0].sigmoid() }
        expectGradients([x]) { $0[0].squared() }
        expectGradients([positive]) { $0[0].pow(1.5) }
        let separated = wellSeparated([3, 5], seed: 6)
        expectGradients([separated]) { $0[0].relu() }
        expectGradients([x]) { $0[0].silu() }
        expectGradients([x]) { $0[0].gelu() }
        let wide = wellSeparated([4, 10], seed: 7, spacing: 0.37)   // spans the kinks at −3, 0, 3 and 6
        expectGradients([wide]) { $0[0].relu6() }
        expectGradients([wide]) { $0[0].hardswish() }
        expectGradients([separated]) { $0[0].abs() }
    }

    @Test func reductions() {
        let x = randomTensor([2, 3, 4], seed: 7)
        expectGradients([x]) { $0[0].sum() }
        expectGradients([x]) { $0[0].mean() }
        expectGradients([x]) { $0[0].sum(axes: [1]) }
        expectGradients([x]) { $0[0].mean(axes: [0, 2], keepingDims: true) }
        expectGradients([wellSeparated([2, 3, 4], seed: 8)]) { $0[0].max(axis: 1) }
        expectGradients([wellSeparated([2, 3, 4], seed: 9)]) { $0[0].max(axis: -1, keepingDims: true) }
    }

    @Test func shapeOps() {
        let x = randomTensor([2, 3, 4], seed: 10), y = randomTensor([2, 2, 4], seed: 11)
        expectGradients([x]) { $0[0].reshaped([6, -1]) }
        expectGradients([x]) { $0[0].permuted([2, 0, 1]) }
        expectGradients([x]) { $0[0].transposed() }
        expectGradients([x, y]) { Tensor.concatenate([$0[0], $0[1]], axis: 1) }
        expectGradients([x]) { $0[0].slice(axis: 2, 1..<3) }
        expectGradients([randomTensor([3, 1], seed: 12)]) { $0[0].broadcast(to: [2, 3, 4]) }
        expectGradients([x]) { $0[0].flattened() }
    }

    @Test func matrixProducts() {
        expectGradients([randomTensor([3, 4], seed: 13), randomTensor([4, 5], seed: 14)]) { $0[0].matmul($0[1]) }
        expectGradients([randomTensor([2, 3, 4], seed: 15), randomTensor([2, 4, 2], seed: 16)]) { $0[0].matmul($0[1]) }
        expectGradients([randomTensor([3, 4], seed: 17), randomTensor([5, 4], seed: 18), randomTensor([5], seed: 19)]) {
            $0[0].linear(weight: $0[1], bias: $0[2])
        }
    }

    @Test(arguments: [
        (stride: 1, pad: 0, dilation: 1, groups: 1), (stride: 2, pad: 1, dilation: 1, groups: 1),
        (stride: 1, pad: 2, dilation: 2, groups: 1), (stride: 1, pad: 1, dilation: 1, groups: 2),
        (stride: 2, pad: 1, dilation: 1, groups: 4), (stride: 1, pad: 2, dilation: 2, groups: 4), (stride: 3, pad: 0, dilation: 1, groups: 4),
    ])
    func convolution(config: (stride: Int, pad: Int, dilation: Int, groups: Int)) {
        let x = randomTensor([2, 4, 5, 6], seed: 20)
        let w = randomTensor([4, 4 / config.groups, 3, 3], seed: 21, scale: 0.5), b = randomTensor([4], seed: 22)
        expectGradients([x, w, b]) {
            $0[0].conv2d(weight: $0[1], bias: $0[2], stride: (config.stride, config.stride),
                         padding: (config.pad, config.pad, config.pad, config.pad),
                         dilation: (config.dilation, config.dilation), groups: config.groups)
        }
    }

    @Test func pointwiseConvolutionAndAsymmetricPadding() {
        let x = randomTensor([2, 3, 4, 4], seed: 23)
        expectGradients([x, randomTensor([5, 3, 1, 1], seed: 24)]) { $0[0].conv2d(weight: $0[1], bias: nil) }
        expectGradients([x, randomTensor([2, 3, 2, 2], seed: 25)]) { $0[0].conv2d(weight: $0[1], bias: nil, padding: (0, 0, 1, 1)) }
    }

    /// Stride-1 "same" convolutions take dX as a convolution of dY with flipped weights; these
    /// cover asymmetric padding, dilation, a 5×5 kernel and the fused ReLU's mask.
    @Test func inputGradientOfSameSizeConvolutions() {
        let x = randomTensor([2, 3, 5, 5], seed: 80)
        expectGradients([x, randomTensor([4, 3, 3, 3], seed: 81)]) { $0[0].conv2d(weight: $0[1], bias: nil, padding: (1, 1, 1, 1)) }
        expectGradients([x, randomTensor([2, 3, 2, 2], seed: 82)]) { $0[0].conv2d(weight: $0[1], bias: nil, padding: (0, 1, 1, 0)) }
        expectGradients([x, randomTensor([2, 3, 3, 3], seed: 83)]) {
            $0[0].conv2d(weight: $0[1], bias: nil, padding: (2, 2, 2, 2), dilation: (2, 2))
        }
        expectGradients([x, randomTensor([2, 3, 5, 5], seed: 84)]) { $0[0].conv2d(weight: $0[1], bias: nil, padding: (2, 2, 2, 2)) }
        let separated = wellSeparated([2, 3, 5, 5], seed: 85, spacing: 0.1)
        expectGradients([separated, randomTensor([3, 3, 1, 1], seed: 86)]) {
            $0[0].conv2d(weight: $0[1], bias: nil, activation: .relu)
        }
    }

    /// Convolution → 2×2 max pool as one op: the activation's mask taken on the pooled gradient;
    /// an odd output (5×7) whose last row and column no window reads.
    @Test func pooledConvolution() {
        let x = randomTensor([2, 3, 5, 7], seed: 90)
        let w = randomTensor([4, 3, 3, 3], seed: 91, scale: 0.5), b = randomTensor([4], seed: 92)
        for activation in [FusedActivation.none, .relu] {
            expectGradients([x, w, b]) {
                $0[0].conv2dMaxPooled(weight: $0[1], bias: $0[2], padding: (1, 1, 1, 1), activation: activation)
            }
        }
    }

    @Test func pooling() {
        let x = wellSeparated([2, 2, 6, 6], seed: 26)
        expectGradients([x]) { $0[0].maxPool2d(kernel: (2, 2)) }
        expectGradients([x]) { $0[0].maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        expectGradients([x]) { $0[0].avgPool2d(kernel: (2, 2)) }
        expectGradients([x]) { $0[0].avgPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        expectGradients([x]) { $0[0].avgPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1), countIncludePad: false) }
        expectGradients([x]) { $0[0].globalAvgPool2d() }
        expectGradients([x]) { $0[0].adaptiveAvgPool2d(outputSize: (4, 4)) }
        expectGradients([randomTensor([1, 2, 7, 5], seed: 27)]) { $0[0].adaptiveAvgPool2d(outputSize: (3, 2)) }
    }

    @Test func softmaxAndLosses() {
        let logits = randomTensor([4, 5], seed: 27)
        expectGradients([logits]) { $0[0].softmax() }
        expectGradients([logits]) { $0[0].logSoftmax() }
        expectGradients([logits]) { $0[0].softmaxCrossEntropy(labels: [0, 3, 4, 1]) }
        let targets = randomTensor([4, 5], seed: 28).softmax().detached()
        expectGradients([logits, targets]) { $0[0].softmaxCrossEntropy(targets: $0[1]) }
    }

    @Test func dropoutWithAFixedMask() {
        // The same seed gives the same mask in every evaluation, so the op is a fixed linear map.
        expectGradients([randomTensor([3, 8], seed: 29)]) { inputs in
            var generator = SeededGenerator(seed: 30)
            return inputs[0].dropout(probability: 0.4, using: &generator)
        }
    }

    @Test func conv3d() {
        let x = randomTensor([2, 2, 3, 4, 3], seed: 40), w = randomTensor([4, 1, 2, 3, 2], seed: 41), b = randomTensor([4], seed: 42)
        expectGradients([x, w, b]) { $0[0].conv3d(weight: $0[1], bias: $0[2], stride: [1, 2, 1], padding: [1, 1, 0], groups: 2) }
    }

    @Test func ceilModeMaxPool() {
        expectGradients([randomTensor([1, 2, 7, 6], seed: 43)]) { $0[0].maxPool2d(kernel: (3, 3), stride: (2, 2), ceilMode: true) }
    }

    @Test func multiheadSelfAttention() {
        let x = randomTensor([2, 3, 4], seed: 44), wIn = randomTensor([12, 4], seed: 45), bIn = randomTensor([12], seed: 46)
        let wOut = randomTensor([4, 4], seed: 47), bOut = randomTensor([4], seed: 48)
        expectGradients([x, wIn, bIn, wOut, bOut]) {
            $0[0].multiheadSelfAttention(heads: 2, inProjectionWeight: $0[1], inProjectionBias: $0[2], outProjectionWeight: $0[3],
                                         outProjectionBias: $0[4])
        }
    }
}
