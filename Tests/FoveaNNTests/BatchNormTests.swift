import Foundation
import FoveaNN
import FoveaTestSupport
import Testing

/// BatchNorm2D against PyTorch's nn.BatchNorm2d (Scripts/make_nn_fixtures.py).
@Suite struct BatchNormTests {
    static let reference: [String: Any] = {
        let url = Bundle.module.url(forResource: "batchnorm", withExtension: "json", subdirectory: "Fixtures")!
        return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }()
    func values(_ key: String) -> [Double] { Self.reference[key] as! [Double] }
    func tensor(_ key: String, _ shape: [Int]) -> Tensor { try! Tensor(values(key).map(Float.init), shape: shape) }

    func makeLayer() -> BatchNorm2D {
        let bn = BatchNorm2D(3)
        bn.weight.assign(tensor("weight", [3]))
        bn.bias.assign(tensor("bias", [3]))
        bn.runningMean.value = tensor("running_mean", [3])
        bn.runningVariance.value = tensor("running_var", [3])
        return bn
    }

    @Test func oneTrainingStepMatchesPyTorchOutputsGradientsAndRunningStatistics() throws {
        let bn = makeLayer()
        let x = tensor("x", [4, 3, 5, 6]).requiringGrad()
        let y = try bn.forward(x, .training(RandomSource(seed: 0)))
        #expect(relativeError(y.scalars, values("y")) < 1e-4)
        y.backward(seed: tensor("grad_output", [4, 3, 5, 6]))
        #expect(relativeError(x.grad!.scalars, values("grad_x")) < 1e-4)
        #expect(relativeError(bn.weight.grad!.scalars, values("grad_weight")) < 1e-4)
        #expect(relativeError(bn.bias.grad!.scalars, values("grad_bias")) < 1e-4)
        #expect(relativeError(bn.runningMean.value.scalars, values("running_mean_after")) < 1e-5)
        #expect(relativeError(bn.runningVariance.value.scalars, values("running_var_after")) < 1e-5)
        #expect(bn.batchesTracked.value.item == Float(Self.reference["num_batches_tracked"] as! Int))
        // Inference then uses the updated running statistics.
        let yEval = try bn.predict(tensor("x_eval", [2, 3, 5, 6]))
        #expect(relativeError(yEval.scalars, values("y_eval")) < 1e-4)
    }

    @Test func gradientsByFiniteDifferencesInBothModes() {
        let x = randomTensor([3, 2, 3, 3], seed: 4, scale: 2), w = randomTensor([2], seed: 5), b = randomTensor([2], seed: 6)
        let mean = Tensor(zeros: [2]), variance = Tensor(ones: [2])
        for training in [true, false] {
            let mismatch = gradientMismatch([x, w, b]) { inputs in
                inputs[0].batchNorm2d(weight: inputs[1], bias: inputs[2], runningMean: mean.copy(), runningVariance: variance.copy(),
                                      training: training)
            }
            #expect(mismatch == nil, "training \(training): \(mismatch ?? "")")
        }
    }

    @Test func fusedResidualAndReLUGradientsByFiniteDifferences() {
        let x = wellSeparated([3, 2, 3, 3], seed: 14, spacing: 0.2), w = randomTensor([2], seed: 15)
        let b = randomTensor([2], seed: 16), r = wellSeparated([3, 2, 3, 3], seed: 17, spacing: 0.2)
        for training in [true, false] {
            let mismatch = gradientMismatch([x, w, b, r], epsilon: 1e-3) { inputs in
                inputs[0].batchNorm2d(weight: inputs[1], bias: inputs[2], runningMean: Tensor(zeros: [2]),
                                      runningVariance: Tensor(ones: [2]), training: training, adding: inputs[3], activation: .relu)
            }
            #expect(mismatch == nil, "training \(training): \(mismatch ?? "")")
        }
    }

    /// The fused op against batch norm, +, ReLU as three ops: values, all four gradients and the running statistics.
    @Test(arguments: [(true, FusedActivation.relu), (false, .relu), (true, .relu6), (false, .relu6)])
    func fusedResidualAndActivationEqualTheSeparateOps(training: Bool, activation: FusedActivation) {
        // γ up to ±6 so that ReLU6 clips at 6 as well as at 0.
        let x = randomTensor([4, 3, 5, 6], seed: 20, scale: 3), w = randomTensor([3], seed: 21, scale: 6)
        let b = randomTensor([3], seed: 22), r = randomTensor([4, 3, 5, 6], seed: 23), seed = randomTensor([4, 3, 5, 6], seed: 24)
        func run(fused: Bool) -> [[Float]] {
            let (xi, wi, bi, ri) = (x.copy().requiringGrad(), w.copy().requiringGrad(), b.copy().requiringGrad(), r.copy().requiringGrad())
            let (mean, variance) = (Tensor(zeros: [3]) + 0.5, Tensor(ones: [3]) * 2)
            let y = fused
                ? xi.batchNorm2d(weight: wi, bias: bi, runningMean: mean, runningVariance: variance, training: training,
                                 adding: ri, activation: activation)
                : { let sum = xi.batchNorm2d(weight: wi, bias: bi, runningMean: mean, runningVariance: variance, training: training) + ri
                    return activation == .relu ? sum.relu() : sum.relu6() }()
            y.backward(seed: seed)
            return [y.scalars, xi.grad!.scalars, wi.grad!.scalars, bi.grad!.scalars, ri.grad!.scalars, mean.scalars, variance.scalars]
        }
        let (fused, separate) = (run(fused: true), run(fused: false))
        for (a, b) in zip(fused, separate) { #expect(relativeError(a, b.map(Double.init)) < 1e-5) }
    }

    @Test func frozenBatchNormUsesAndKeepsItsRunningStatistics() throws {
        let bn = makeLayer()
        bn.weight.isTrainable = false
        bn.bias.isTrainable = false
        let before = bn.runningMean.value.scalars
        let x = tensor("x", [4, 3, 5, 6])
        let trainingOutput = try bn.forward(x, .training(RandomSource(seed: 0)))
        #expect(bn.runningMean.value.scalars == before)
        #expect(trainingOutput.scalars == (try bn.predict(x)).scalars)
    }

    @Test func namesAndShapeErrors() throws {
        #expect(Set(BatchNorm2D(4).stateDict().keys) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"])
        #expect(throws: FoveaError.self) { try BatchNorm2D(4).predict(Tensor(zeros: [1, 3, 2, 2])) }
        #expect(throws: FoveaError.self) { try BatchNorm2D(3).forward(Tensor(zeros: [1, 3, 1, 1]), .training(RandomSource(seed: 0))) }
    }
}
