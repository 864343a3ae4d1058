import FoveaCore

/// Finite-difference gradient checking.
///
/// The scalar probed is L = Σ f(inputs) ⊙ R for a fixed random R, so every output element
/// matters. Analytic gradients come from `backward()`; numeric ones from central differences,
/// accumulated in Double. Returns the worst mismatch over all inputs as a description, or nil.
public func gradientMismatch(_ inputs: [Tensor], epsilon: Float = 1e-2, tolerance: Double = 2e-2, seed: UInt64 = 7,
                             _ function: ([Tensor]) -> Tensor) -> String? {
    let leaves = inputs.map { $0.copy().requiringGrad() }
    let probe = function(leaves)
    var generator = SeededGenerator(seed: seed)
    let weights = Tensor.normal(probe.shape, using: &generator)
    func objective(_ values: [Tensor]) -> Double {
        let out = withoutGradients { function(values) }
        var total: Double = 0
        for i in 0..<out.count { total += Double(out[flat: i]) * Double(weights[flat: i]) }
        return total
    }
    (probe * weights).sum().backward()

    for (index, leaf) in leaves.enumerated() {
        let analytic = leaf.grad ?? Tensor(zeros: leaf.shape)
        for i in 0..<leaf.count {
            let perturbed = leaves.map { $0.copy() }
            let original = perturbed[index].pointer[i]
            perturbed[index].pointer[i] = original + epsilon
            let plus = objective(perturbed)
            perturbed[index].pointer[i] = original - epsilon
            let minus = objective(perturbed)
            let numeric = (plus - minus) / (2 * Double(epsilon))
            let exact = Double(analytic[flat: i])
            let scale = Swift.max(1, Swift.abs(numeric), Swift.abs(exact))
            // Written so that a NaN on either side fails (every comparison with NaN is false).
            if !(Swift.abs(numeric - exact) <= tolerance * scale) {
                return "input \(index) element \(i): analytic \(exact), numeric \(numeric)"
            }
        }
    }
    return nil
}

/// A tensor of distinct values spaced `spacing` apart, none within spacing/2 of zero, in random
/// order: ReLU kinks and max-pool ties then never sit inside the finite-difference step.
public func wellSeparated(_ shape: [Int], seed: UInt64, spacing: Float = 0.05) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    let count = shape.reduce(1, *)
    var values = (0..<count).map { (Float($0) - Float(count / 2) + 0.5) * spacing }
    values.shuffle(using: &generator)
    return try! Tensor(values, shape: shape)
}

public func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return Tensor.normal(shape, std: scale, using: &generator)
}

/// Largest |a − b| / max(1e-3·peak, |b|)-style relative error used for PyTorch parity: the
/// error is relative to the reference magnitude, with an absolute floor tied to the largest
/// reference value so near-zero entries do not blow it up.
public func relativeError(_ actual: [Float], _ expected: [Double]) -> Double {
    precondition(actual.count == expected.count, "compared arrays differ in length: \(actual.count) vs \(expected.count)")
    let peak = expected.map { Swift.abs($0) }.max() ?? 0
    var worst: Double = 0
    for (a, e) in zip(actual, expected) {
        let denominator = Swift.max(Swift.abs(e), 1e-3 * peak, 1e-12)
        worst = Swift.max(worst, difference(a, e) / denominator)
    }
    return worst
}

/// |a − e|, where NaN against a number is infinitely far (Swift's `max` skips a NaN, so a NaN in an
/// output would otherwise pass any tolerance), and NaN against NaN or ∞ against ∞ is no error.
func difference(_ a: Float, _ e: Double) -> Double {
    if a.isNaN || e.isNaN { return a.isNaN && e.isNaN ? 0 : .infinity }
    return Double(a) == e ? 0 : Swift.abs(Double(a) - e)
}

/// max |actual − expected| / max |expected|: the error relative to the output's scale, the measure
/// for whole-model logits (an elementwise ratio is meaningless for a logit that happens to be ≈ 0).
public func peakRelativeError(_ actual: [Float], _ expected: [Double]) -> Double {
    precondition(actual.count == expected.count, "compared arrays differ in length: \(actual.count) vs \(expected.count)")
    let peak = Swift.max(expected.map { Swift.abs($0) }.max() ?? 0, 1e-12)
    return zip(actual, expected).map { difference($0, $1) }.max().map { $0 / peak } ?? 0
}
