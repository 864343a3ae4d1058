/// The backward pass of a fused ReLU / ReLU6: the gradient that reaches the pre-activation sum is
/// dy where the activation let the value through and 0 elsewhere. Every fused layer (convolution,
/// depthwise convolution, batch norm) runs this over its whole output once per step, so it works
/// eight lanes at a time: a per-element `switch` on the activation kept the scalar loop from
/// vectorising, and it took a tenth of ResNet-20's training step.
extension FusedActivation {
    /// target[i] = passes(y[i]) ? dy[i] : 0 over `count` floats; returns Σ target[i] (the bias
    /// gradient's share), summed in eight float lanes. `target` may be `dy` itself.
    @inline(__always) @discardableResult
    public func maskGradient(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                             into target: UnsafeMutablePointer<Float>, count: Int) -> Float {
        var sums = SIMD8<Float>()
        var i = 0
        let zero = SIMD8<Float>(), six = SIMD8<Float>(repeating: 6)
        switch self {
        case .none:
            while i + 8 <= count {
                let d = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(target + i).storeBytes(of: d, as: SIMD8<Float>.self)
                sums += d
                i += 8
            }
        case .relu:
            while i + 8 <= count {
                let d = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD8<Float>.self)
                let v = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
                let kept = zero.replacing(with: d, where: v .> zero)
                UnsafeMutableRawPointer(target + i).storeBytes(of: kept, as: SIMD8<Float>.self)
                sums += kept
                i += 8
            }
        case .relu6:
            while i + 8 <= count {
                let d = UnsafeRawPointer(dy + i).loadUnaligned(as: SIMD8<Float>.self)
                let v = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
                let kept = zero.replacing(with: d, where: (v .> zero) .& (v .< six))
                UnsafeMutableRawPointer(target + i).storeBytes(of: kept, as: SIMD8<Float>.self)
                sums += kept
                i += 8
            }
        }
        var sum = sums.sum()
        while i < count {
            let kept: Float = passes(y[i]) ? dy[i] : 0
            target[i] = kept
            sum += kept
            i += 1
        }
        return sum
    }
}
