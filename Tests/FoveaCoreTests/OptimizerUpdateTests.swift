import FoveaCore
import FoveaTestSupport
import Testing

/// The SGD and Adam update kernels against the scalar rules (torch.optim's), float for float: tensors
/// shorter than a vector, with a tail, and long enough to be split between the threads; plain,
/// momentum, and Nesterov with weight decay. CI reruns it at 8 and 1 lanes.
@Suite struct OptimizerUpdateTests {
    @Test(arguments: [(5, 0, false, 0), (37, 0.9, false, 0), (100_003, 0.9, false, 0), (70_001, 0.9, true, 0.01),
                      (1_000, 0, false, 0.05)])
    func sgdMatchesTheScalarRule(c: (count: Int, momentum: Float, nesterov: Bool, weightDecay: Float)) {
        let n = c.count, lr: Float = 0.03
        var theta = randomTensor([n], seed: 41).scalars, velocity = randomTensor([n], seed: 42).scalars
        let grad = randomTensor([n], seed: 43).scalars
        var expectedTheta = theta, expectedVelocity = velocity
        for i in 0..<n {
            let g = grad[i] + c.weightDecay * expectedTheta[i]
            var step = g
            if c.momentum != 0 {
                expectedVelocity[i] = c.momentum * expectedVelocity[i] + g
                step = c.nesterov ? g + c.momentum * expectedVelocity[i] : expectedVelocity[i]
            }
            expectedTheta[i] -= lr * step
        }
        theta.withUnsafeMutableBufferPointer { t in
            velocity.withUnsafeMutableBufferPointer { v in
                grad.withUnsafeBufferPointer { g in
                    OptimizerUpdates.sgd(theta: t.baseAddress!, grad: g.baseAddress!, velocity: c.momentum == 0 ? nil : v.baseAddress!,
                                         count: n, learningRate: lr, weightDecay: c.weightDecay, momentum: c.momentum,
                                         nesterov: c.nesterov)
                }
            }
        }
        #expect(theta == expectedTheta)
        #expect(velocity == expectedVelocity)   // untouched without momentum
    }

    /// Several tensors in one pass (`sgd(_:)`, as `SGD.step`): each against the single-tensor update,
    /// float for float, with sizes whose split between the threads falls inside tensors.
    @Test func sgdOfSeveralTensorsMatchesEachAlone() {
        let sizes = [3, 20_011, 17, 40_000, 9_999], lr: Float = 0.05
        var thetas = sizes.enumerated().map { randomTensor([$0.element], seed: UInt64(60 + $0.offset)).scalars }
        var velocities = sizes.enumerated().map { randomTensor([$0.element], seed: UInt64(70 + $0.offset)).scalars }
        let grads = sizes.enumerated().map { randomTensor([$0.element], seed: UInt64(80 + $0.offset)).scalars }
        var expectedThetas = thetas, expectedVelocities = velocities
        for i in sizes.indices {
            expectedThetas[i].withUnsafeMutableBufferPointer { t in
                expectedVelocities[i].withUnsafeMutableBufferPointer { v in
                    grads[i].withUnsafeBufferPointer { g in
                        OptimizerUpdates.sgd(theta: t.baseAddress!, grad: g.baseAddress!, velocity: i == 2 ? nil : v.baseAddress!,
                                             count: sizes[i], learningRate: lr * Float(i + 1), weightDecay: 0.01, momentum: 0.9,
                                             nesterov: i == 1)
                    }
                }
            }
        }
        let thetaPointers = thetas.map { values in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: values.count); p.initialize(from: values, count: values.count); return p
        }
        let velocityPointers = velocities.map { values in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: values.count); p.initialize(from: values, count: values.count); return p
        }
        let gradPointers = grads.map { values in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: values.count); p.initialize(from: values, count: values.count); return p
        }
        defer { (thetaPointers + velocityPointers + gradPointers).forEach { $0.deallocate() } }
        OptimizerUpdates.sgd(sizes.indices.map { i in
            OptimizerUpdates.SGDUpdate(theta: thetaPointers[i], grad: gradPointers[i], velocity: i == 2 ? nil : velocityPointers[i],
                                       count: sizes[i], learningRate: lr * Float(i + 1), weightDecay: 0.01, momentum: 0.9, nesterov: i == 1)
        })
        for i in sizes.indices {
            thetas[i] = Array(UnsafeBufferPointer(start: thetaPointers[i], count: sizes[i]))
            velocities[i] = Array(UnsafeBufferPointer(start: velocityPointers[i], count: sizes[i]))
            #expect(thetas[i] == expectedThetas[i], "tensor \(i)")
            #expect(velocities[i] == expectedVelocities[i], "tensor \(i)")
        }
    }

    /// Adam's and AdamW's update against the scalar rule, float for float, at the same sizes.
    @Test(arguments: [(5, false), (37, true), (100_003, false), (70_001, true)])
    func adamMatchesTheScalarRule(c: (count: Int, decoupled: Bool)) {
        let n = c.count, (b1, b2, eps): (Float, Float, Float) = (0.9, 0.999, 1e-8)
        let rate: Float = 0.002, wd: Float = 0.05
        let correction1 = 1 - b1 * b1 * b1, rootCorrection2 = (1 - b2 * b2 * b2).squareRoot()   // step 3
        let stepSize = rate / correction1, shrink = c.decoupled ? 1 - rate * wd : 1, l2 = c.decoupled ? 0 : wd
        var theta = randomTensor([n], seed: 51).scalars, m = randomTensor([n], seed: 52).scalars
        var v = randomTensor([n], seed: 53).scalars.map { $0 * $0 }
        let grad = randomTensor([n], seed: 54).scalars
        var (et, em, ev) = (theta, m, v)
        for i in 0..<n {
            let gi = grad[i] + l2 * et[i]
            et[i] *= shrink
            em[i] = b1 * em[i] + (1 - b1) * gi
            ev[i] = b2 * ev[i] + (1 - b2) * gi * gi
            et[i] -= stepSize * em[i] / (ev[i].squareRoot() / rootCorrection2 + eps)
        }
        theta.withUnsafeMutableBufferPointer { t in
            m.withUnsafeMutableBufferPointer { mp in
                v.withUnsafeMutableBufferPointer { vp in
                    grad.withUnsafeBufferPointer { g in
                        OptimizerUpdates.adam(theta: t.baseAddress!, grad: g.baseAddress!, m: mp.baseAddress!, v: vp.baseAddress!,
                                              count: n, l2: l2, shrink: shrink, beta1: b1, beta2: b2, stepSize: stepSize,
                                              rootCorrection2: rootCorrection2, epsilon: eps)
                    }
                }
            }
        }
        #expect(theta == et)
        #expect(m == em)
        #expect(v == ev)
    }
}
