import Foundation

/// Seeded random tensors and the standard weight initialisers.
extension Tensor {
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1,
                               using generator: inout SeededGenerator) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        for i in 0..<result.count { result.pointer[i] = generator.nextUniform(low, high) }
        return result
    }

    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1,
                              using generator: inout SeededGenerator) -> Tensor {
        // Box–Muller gives two independent normals per draw: cos and sin of the same angle.
        let result = Tensor(uninitializedShape: shape)
        var i = 0
        while i < result.count {
            let radius = (-2 * Foundation.log(Swift.max(generator.nextUnitDouble(), 1e-300))).squareRoot()
            let angle = 2 * Double.pi * generator.nextUnitDouble()
            result.pointer[i] = mean + std * Float(radius * Foundation.cos(angle))
            if i + 1 < result.count { result.pointer[i + 1] = mean + std * Float(radius * Foundation.sin(angle)) }
            i += 2
        }
        return result
    }

    /// Kaiming/He normal: N(0, gain²/fanIn), gain √2 for ReLU (He et al. 2015).
    public static func kaimingNormal(_ shape: [Int], fanIn: Int, gain: Float = 1.4142135,
                                     using generator: inout SeededGenerator) -> Tensor {
        normal(shape, std: gain / Float(fanIn).squareRoot(), using: &generator)
    }

    /// Kaiming/He uniform: U(−b, b) with b = gain·√(3/fanIn).
    public static func kaimingUniform(_ shape: [Int], fanIn: Int, gain: Float = 1.4142135,
                                      using generator: inout SeededGenerator) -> Tensor {
        let bound = gain * (3 / Float(fanIn)).squareRoot()
        return uniform(shape, low: -bound, high: bound, using: &generator)
    }

    /// Xavier/Glorot uniform: U(−b, b) with b = gain·√(6/(fanIn+fanOut)) (Glorot & Bengio 2010).
    public static func xavierUniform(_ shape: [Int], fanIn: Int, fanOut: Int, gain: Float = 1,
                                     using generator: inout SeededGenerator) -> Tensor {
        let bound = gain * (6 / Float(fanIn + fanOut)).squareRoot()
        return uniform(shape, low: -bound, high: bound, using: &generator)
    }

    /// Xavier/Glorot normal: N(0, gain²·2/(fanIn+fanOut)).
    public static func xavierNormal(_ shape: [Int], fanIn: Int, fanOut: Int, gain: Float = 1,
                                    using generator: inout SeededGenerator) -> Tensor {
        normal(shape, std: gain * (2 / Float(fanIn + fanOut)).squareRoot(), using: &generator)
    }
}
