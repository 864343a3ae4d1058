import Foundation
import FoveaNN
import FoveaTestSupport
import Testing

/// SGD and Adam follow torch.optim step for step (Scripts/make_nn_fixtures.py).
@Suite struct OptimizerTests {
    struct Fixture: Decodable {
        struct Run: Decodable { let steps: [[Double]] }
        let start: [Float]
        let grads: [[Float]]
        let runs: [String: Run]
    }

    static let fixture: Fixture = {
        let url = Bundle.module.url(forResource: "optimizers", withExtension: "json", subdirectory: "Fixtures")!
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }()

    func makeOptimizer(_ name: String, _ parameter: Parameter) -> Optimizer {
        let named = [(name: "p", parameter: parameter)]
        switch name {
        case "sgd": return SGD(named, learningRate: 0.1)
        case "sgd_momentum": return SGD(named, learningRate: 0.1, momentum: 0.9)
        case "sgd_nesterov_wd": return SGD(named, learningRate: 0.05, momentum: 0.9, weightDecay: 0.01, nesterov: true)
        case "adam": return Adam(named, learningRate: 0.01)
        case "adamw": return AdamW(named, learningRate: 0.01, weightDecay: 0.1)
        case "rmsprop": return RMSprop(named, learningRate: 0.01)
        case "rmsprop_momentum_wd": return RMSprop(named, learningRate: 0.01, alpha: 0.9, momentum: 0.5, weightDecay: 0.05)
        default: return Adam(named, learningRate: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.1)
        }
    }

    /// Gives the parameter exactly `gradient` through the tape: d/dp Σ p⊙g = g.
    func inject(_ gradient: [Float], into parameter: Parameter) throws {
        parameter.zeroGrad()
        (parameter.value * (try Tensor(gradient, shape: [gradient.count]))).sum().backward()
    }

    @Test(arguments: ["sgd", "sgd_momentum", "sgd_nesterov_wd", "adam", "adam_wd", "adamw", "rmsprop", "rmsprop_momentum_wd"])
    func matchesTorchOptim(name: String) throws {
        let parameter = Parameter(try Tensor(Self.fixture.start, shape: [6]))
        let optimizer = makeOptimizer(name, parameter)
        for (gradient, expected) in zip(Self.fixture.grads, Self.fixture.runs[name]!.steps) {
            try inject(gradient, into: parameter)
            optimizer.step()
            #expect(relativeError(parameter.value.scalars, expected) < 1e-5, "\(name)")
        }
    }

    @Test(arguments: ["sgd_momentum", "adam", "adamw", "rmsprop_momentum_wd"])
    func savedStateResumesTheSameTrajectory(name: String) throws {
        let straight = Parameter(try Tensor(Self.fixture.start, shape: [6]))
        let first = makeOptimizer(name, straight)
        for gradient in Self.fixture.grads.prefix(2) { try inject(gradient, into: straight); first.step() }

        let resumed = Parameter(straight.value.copy())
        let second = makeOptimizer(name, resumed)
        try second.loadState(first.state)
        for gradient in Self.fixture.grads.dropFirst(2) {
            try inject(gradient, into: straight); first.step()
            try inject(gradient, into: resumed); second.step()
        }
        #expect(straight.value.scalars == resumed.value.scalars)
    }

    @Test func frozenParametersDoNotMove() throws {
        let parameter = Parameter(try Tensor([1, 2], shape: [2]))
        let optimizer = SGD([("p", parameter)], learningRate: 1)
        try inject([1, 1], into: parameter)
        parameter.isTrainable = false
        optimizer.step()
        #expect(parameter.value.scalars == [1, 2])
        #expect(!parameter.value.requiresGrad)
    }

    @Test func stateWithUnknownNamesIsRejected() {
        let optimizer = Adam([("p", Parameter(Tensor(zeros: [2])))])
        #expect(throws: FoveaError.self) { try optimizer.loadState(["q/exp_avg": Tensor(zeros: [2])]) }
        #expect(throws: FoveaError.self) { try optimizer.loadState(["p/exp_avg": Tensor(zeros: [3])]) }
    }

    @Test func parameterGroupsScaleTheRateAndExemptFromDecay() throws {
        var g = SeededGenerator(seed: 1)
        let model = Sequential(named: [("features", Dense(2, 2, generator: &g)), ("head", Dense(2, 1, generator: &g))])
        let optimizer = SGD(model.namedParameters, learningRate: 0.1, weightDecay: 0.5)
        optimizer.groups = .noDecayOnBiasesAndNorms(model, scales: [.init(prefix: "features", multiplier: 0.1)])
        #expect(optimizer.groups.noWeightDecay == ["features.bias", "head.bias"])
        #expect(optimizer.groups.learningRateScale(for: "features.weight") == 0.1)
        #expect(optimizer.groups.learningRateScale(for: "featuresX.weight") == 1)
        let before = model.stateDict().mapValues { $0.copy() }
        for (_, p) in model.namedParameters { (p.value * 0 + p.value * 0).sum().backward() }   // zero gradients
        optimizer.step()
        let after = model.stateDict()
        // Zero gradient: only weight decay moves weights, scaled by each group's rate; biases stay.
        #expect(after["features.bias"]!.scalars == before["features.bias"]!.scalars)
        #expect(after["head.bias"]!.scalars == before["head.bias"]!.scalars)
        for (name, scale) in [("features.weight", Float(0.1)), ("head.weight", 1)] {
            for (a, b) in zip(after[name]!.scalars, before[name]!.scalars) { #expect(Swift.abs(a - b * (1 - 0.1 * scale * 0.5)) < 1e-6) }
        }
    }
}
