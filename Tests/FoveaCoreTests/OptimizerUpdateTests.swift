import FoveaCore
import FoveaTestSupport
import Testing

/// The SGD update kernel against the scalar rule (torch.optim.SGD's), float for float: tensors
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
}
