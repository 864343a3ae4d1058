import Foundation
import FoveaTestSupport
import FoveaTrain
import Testing

/// Distillation, ensembles, starting from pre-trained weights and domain-adversarial training.
@Suite struct TransferTrainingTests {
    func patterns(_ seed: UInt64, samples: Int = 300) throws -> Dataset {
        try PatternDataset.generate(.init(samples: samples, imageSize: 16, seed: seed))
    }

    @Test func distillationLossIsKLScaledByT2PlusHardLoss() throws {
        let teacher = try ModelZoo.make(.init(name: "keras-cifar-cnn", classes: 5, inputShape: [3, 16, 16]), seed: 1)
        let images = randomTensor([4, 3, 16, 16], seed: 2)
        let logits = try teacher.predict(images)
        let hard = Tensor(scalar: 0.7)
        // The student giving the teacher's logits has KL 0: only (1 − α)·hard remains.
        let same = try Distillation(teacher: teacher, temperature: 3, alpha: 0.8)
        #expect(Swift.abs(try same.loss(studentLogits: logits, images: images, hardLoss: hard).item - 0.2 * 0.7) < 1e-5)
        // Otherwise KL > 0, and its gradient is (α·T²/T)·(softmax(s/T) − softmax(t/T))/N.
        let student = randomTensor([4, 5], seed: 3).requiringGrad()
        let loss = try same.loss(studentLogits: student, images: images, hardLoss: Tensor(scalar: 0))
        #expect(loss.item > 0)
        loss.backward()
        let p = (student.detached() * (1 / 3)).softmax(), q = (logits * (1 / 3)).softmax()
        let expected = (p - q).scalars.map { Double($0 * 0.8 * 3 / 4) }
        #expect(relativeError(student.grad!.scalars, expected) < 1e-4)
        #expect(throws: FoveaError.self) { try Distillation(teacher: teacher, temperature: 0) }
    }

    @Test func ensembleAveragesProbabilitiesAndVotes() throws {
        let data = try patterns(4, samples: 60)
        let members = try (0..<3).map { try ModelZoo.make(.init(name: "keras-cifar-cnn", classes: 5, inputShape: data.imageShape), seed: UInt64(10 + $0)) }
        let ensemble = try Ensemble(members: members)
        let result = try ensemble.evaluate(on: data)
        let probabilities = try ensemble.memberProbabilities(on: data)
        var mean = probabilities[0]
        for p in probabilities.dropFirst() { mean = mean + p }
        #expect(result.averagePredictions == mean.argmax(axis: 1))
        let memberPredictions = probabilities.map { $0.argmax(axis: 1) }
        for i in 0..<data.count where memberPredictions[0][i] == memberPredictions[1][i] {
            #expect(result.votePredictions[i] == memberPredictions[0][i])  // two of three agree
        }
        #expect(result.memberAccuracies.count == 3)
        #expect(throws: FoveaError.self) { try Ensemble(members: [members[0]]) }
        let other = try ModelZoo.make(.init(name: "keras-cifar-cnn", classes: 4, inputShape: data.imageShape), seed: 1)
        #expect(throws: FoveaError.self) { try Ensemble(members: [members[0], other]).evaluate(on: data) }
    }

    @Test func pretrainedWeightsLoadWithANewHeadWhenTheClassesDiffer() throws {
        let source = try ModelZoo.make(.init(name: "resnet20", classes: 10, inputShape: [3, 32, 32]), seed: 5)
        let target = try ModelZoo.make(.init(name: "resnet20", classes: 3, inputShape: [3, 32, 32]), seed: 6)
        let (replaced, loaded) = try PretrainedWeights.load(source.stateDict(), into: target, source: "test")
        #expect(replaced && loaded == source.stateDict().count - 2)
        #expect(target.stateDict()["layer1.0.conv1.weight"]!.scalars == source.stateDict()["layer1.0.conv1.weight"]!.scalars)
        #expect(target.stateDict()["linear.weight"]!.shape == [3, 64])
        var broken = source.stateDict()
        broken["layer2.0.conv1.weight"] = nil
        broken["extra.weight"] = Tensor(zeros: [1])
        do {
            try PretrainedWeights.load(broken, into: target, source: "weights.safetensors")
            Issue.record("expected an error")
        } catch let error as FoveaError {
            #expect(error.message.contains("weights.safetensors") && error.message.contains("layer2.0.conv1.weight") && error.message.contains("extra.weight"))
        }
    }

    @Test func fineTuningWithL2SPStaysCloserToThePretrainedWeights() throws {
        let data = try patterns(7, samples: 200)
        func run(lambda: Float?) throws -> Double {
            let model = try ModelZoo.make(.init(name: "keras-cifar-cnn", classes: 5, inputShape: data.imageShape), seed: 8)
            let pretrained = model.stateDict().mapValues { $0.copy() }
            let trainer = try Trainer(model: model, configuration: .init(epochs: 2, batchSize: 20, learningRate: 3e-3, seed: 9))
            if let lambda { trainer.startingPoint = StartingPoint(lambda: lambda, model: model, reference: pretrained) }
            try trainer.fit(train: data, validation: nil)
            return model.namedParameters.reduce(0.0) { total, entry in
                zip(entry.parameter.value.scalars, pretrained[entry.name]!.scalars).reduce(total) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
            }
        }
        let plain = try run(lambda: nil), anchored = try run(lambda: 1.0)
        #expect(anchored < plain * 0.8, "‖θ − θ_pre‖²: plain \(plain), L2-SP \(anchored)")
    }

    @Test func domainAdversarialTrainingRunsAndRampsLambda() throws {
        let source = try patterns(12, samples: 80), target = try DomainAdaptationDemo.shift(try patterns(13, samples: 80), seed: 14)
        let model = try ModelZoo.make(.init(name: "keras-cifar-cnn", classes: 5, inputShape: source.imageShape), seed: 15)
        let training = try DomainAdversarialTraining(model: model, configuration: .init(epochs: 2, batchSize: 16, learningRate: 1e-3, seed: 16))
        let logs = try training.fit(source: source, target: target)
        #expect(logs.count == 2 && logs.allSatisfy { $0.taskLoss.isFinite && $0.domainLoss.isFinite })
        #expect(logs[0].lambda < logs[1].lambda && logs[1].lambda < 1)
        #expect(training.domainHead.namedParameters.map(\.name) == ["0.weight", "0.bias", "1.weight", "1.bias"])
        let mismatched = try PatternDataset.generate(.init(samples: 20, imageSize: 8, seed: 1))
        #expect(throws: FoveaError.self) { try training.fit(source: source, target: mismatched) }
    }
}
