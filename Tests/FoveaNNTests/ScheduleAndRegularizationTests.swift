import Foundation
import FoveaNN
import FoveaTestSupport
import Testing

@Suite struct ScheduleTests {
    @Test func formulasAtKnownSteps() {
        #expect(Swift.abs(LearningRateSchedule.step(every: 10, gamma: 0.1).rate(at: 25, base: 1) - 0.01) < 1e-8)
        #expect(LearningRateSchedule.multiStep(milestones: [3, 6], gamma: 0.5).rate(at: 5, base: 2) == 1)
        #expect(Swift.abs(LearningRateSchedule.exponential(k: 0.1).rate(at: 10, base: 1) - expf(-1)) < 1e-7)
        let cosine = LearningRateSchedule.cosine(total: 10, minimum: 0.1)
        #expect(cosine.rate(at: 0, base: 1) == 1)
        #expect(Swift.abs(cosine.rate(at: 5, base: 1) - 0.55) < 1e-6)
        #expect(Swift.abs(cosine.rate(at: 10, base: 1) - 0.1) < 1e-6)
        #expect(Swift.abs(cosine.rate(at: 12, base: 1) - 0.1) < 1e-6)
        let warm = LearningRateSchedule.warmup(steps: 3, then: .step(every: 2, gamma: 0.5))
        #expect((0..<7).map { warm.rate(at: $0, base: 1) } == [0.25, 0.5, 0.75, 1, 1, 0.5, 0.5])
    }

    @Test func parsing() throws {
        #expect(try LearningRateSchedule.parse("step:5:0.5", totalSteps: 20) == .step(every: 5, gamma: 0.5))
        #expect(try LearningRateSchedule.parse("multistep:3/6:0.1", totalSteps: 20) == .multiStep(milestones: [3, 6], gamma: 0.1))
        #expect(try LearningRateSchedule.parse("cosine", totalSteps: 20, warmup: 2) == .warmup(steps: 2, then: .cosine(total: 18, minimum: 0)))
        #expect(throws: FoveaError.self) { try LearningRateSchedule.parse("triangle", totalSteps: 20) }
        #expect(throws: FoveaError.self) { try LearningRateSchedule.parse("step:x", totalSteps: 20) }
    }

    @Test func plateauReducesAfterPatience() {
        var plateau = ReduceOnPlateau(factor: 0.5, patience: 2)
        let multipliers = [1.0, 0.9, 0.95, 0.95, 0.95, 0.8].map { plateau.observe($0) }
        #expect(multipliers == [1, 1, 1, 1, 0.5, 0.5])
    }
}

@Suite struct RegularizationTests {
    @Test func penaltiesHaveTheirValuesAndGradients() throws {
        let w = Parameter(try Tensor([1, -2, 0.5, 3], shape: [2, 2]))
        #expect(Swift.abs(Regularization.l1([w], lambda: 0.1).item - 0.65) < 1e-6)
        #expect(Swift.abs(Regularization.l2([w], lambda: 0.1).item - 1.425) < 1e-6)
        // d(λΣ|w|)/dw = λ·sign(w); d(λΣw²)/dw = 2λw (abs, square and sum are finite-difference checked in FoveaCore).
        Regularization.l1([w], lambda: 0.1).backward()
        #expect(w.grad!.scalars.map { ($0 * 1000).rounded() / 1000 } == [0.1, -0.1, 0.1, 0.1])
        w.zeroGrad()
        Regularization.l2([w], lambda: 0.1).backward()
        #expect(zip(w.grad!.scalars, [0.2, -0.4, 0.1, 0.6]).allSatisfy { Swift.abs($0 - $1) < 1e-6 })
        let x = wellSeparated([2, 3], seed: 1)
        #expect(gradientMismatch([x]) { $0[0].abs().sum() * 0.3 + $0[0].squared().sum() * 0.2 } == nil)
    }

    @Test func clippingScalesTheGlobalNorm() throws {
        let a = Parameter(try Tensor([3, 0], shape: [2])), b = Parameter(try Tensor([0], shape: [1]))
        ((a.value * (try Tensor([3, 0], shape: [2]))).sum() + (b.value * (try Tensor([4], shape: [1]))).sum()).backward()
        let norm = Regularization.clipGradientNorm([a, b], maxNorm: 1)
        #expect(Swift.abs(norm - 5) < 1e-6)
        #expect(Swift.abs(a.grad!.scalars[0] - 0.6) < 1e-5 && Swift.abs(b.grad!.scalars[0] - 0.8) < 1e-5)
    }
}
