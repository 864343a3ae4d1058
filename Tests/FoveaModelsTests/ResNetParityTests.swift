import Foundation
import FoveaModels
import FoveaTestSupport
import Testing

/// ResNets with PyTorch's weights give PyTorch's logits (Scripts/make_model_fixtures.py), in eval
/// mode and for one training-mode forward, whose BatchNorm running statistics must match too.
@Suite struct ResNetParityTests {
    static let folder = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.path

    func check(_ name: String, model: Module) throws {
        struct Reference: Decodable { let input_shape: [Int]; let input: [Float]; let eval_logits: [Double]; let train_logits: [Double] }
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: "\(Self.folder)/\(name).json")))
        try model.loadStateDict(Safetensors.read("\(Self.folder)/\(name).safetensors").tensors)
        let input = try Tensor(reference.input, shape: [2] + reference.input_shape)
        #expect(relativeError(try model.predict(input).scalars, reference.eval_logits) < 1e-4, "\(name) eval logits")
        let train = try withoutGradients { try model.forward(input, .training(RandomSource(seed: 0))) }
        #expect(relativeError(train.scalars, reference.train_logits) < 1e-4, "\(name) train-mode logits")
        let after = try Safetensors.read("\(Self.folder)/\(name)_running_after.safetensors").tensors
        let state = model.stateDict()
        for (key, expected) in after {
            #expect(relativeError(state[key]!.scalars, expected.scalars.map(Double.init)) < 1e-4, "\(name) \(key)")
        }
    }

    @Test func resnet20MatchesPyTorch() throws {
        try check("resnet20", model: try ModelZoo.make(.init(name: "resnet20", classes: 10, inputShape: [3, 32, 32]), seed: 9))
    }

    @Test func projectionShortcutResNetMatchesPyTorch() throws {
        var g = SeededGenerator(seed: 1)
        let model = ResNet(stemChannels: 8, inputChannels: 3, widths: [8, 16, 24], blocks: [1, 2, 1], classes: 5,
                           optionA: false, headName: "fc", generator: &g)
        try check("resnet_projection_tiny", model: model)
    }

    @Test func optionAShortcutHasCorrectGradients() {
        for (stride, before, after) in [(2, 1, 2), (1, 0, 3), (3, 2, 0)] {
            let mismatch = gradientMismatch([randomTensor([3, 3, 5, 4], seed: 1)]) {
                $0[0].subsampledWithZeroChannels(stride: stride, padBefore: before, padAfter: after)
            }
            #expect(mismatch == nil, "stride \(stride): \(mismatch ?? "")")
        }
    }

    /// Every output value against the definition: input (b, c, y·s, x·s) at channel c + padBefore, zeros elsewhere.
    @Test func optionAShortcutKeepsEveryStrideThPixel() {
        let x = randomTensor([3, 4, 7, 5], seed: 2)
        for stride in 1...3 {
            let y = x.subsampledWithZeroChannels(stride: stride, padBefore: 1, padAfter: 2)
            let (oh, ow) = ((7 + stride - 1) / stride, (5 + stride - 1) / stride)
            #expect(y.shape == [3, 7, oh, ow])
            var expected: [Float] = []
            for b in 0..<3 { for ch in 0..<7 { for i in 0..<oh { for j in 0..<ow {
                expected.append((1...4).contains(ch) ? x.pointer[((b * 4 + ch - 1) * 7 + i * stride) * 5 + j * stride] : 0)
            } } } }
            #expect(Array(UnsafeBufferPointer(start: y.pointer, count: y.count)) == expected, "stride \(stride)")
        }
    }
}
