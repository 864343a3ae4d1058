import CKernels

/// The backward pass of a fused ReLU / ReLU6: the gradient that reaches the pre-activation sum is
/// dy where the activation let the value through and 0 elsewhere. Every fused layer (convolution,
/// depthwise convolution, batch norm) runs this over its whole output once per step, so it runs
/// in C over 16 (AVX-512), 8 (AVX2) or 1 lane (`fovea_mask_gradient`): Swift compiles for
/// baseline x86-64, four floats a vector, and a per-element `switch` kept its scalar loop from
/// vectorising at all (a tenth of ResNet-20's training step).
extension FusedActivation {
    /// target[i] = passes(y[i]) ? dy[i] : 0 over `count` floats; returns Σ target[i] (the bias
    /// gradient's share), summed in float lanes. `target` may be `dy` itself.
    @inline(__always) @discardableResult
    public func maskGradient(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                             into target: UnsafeMutablePointer<Float>, count: Int) -> Float {
        fovea_mask_gradient(dy, y, target, count, kernelCode)
    }

    /// The activation as the C kernels name it (FOVEA_ACTIVATION_*).
    var kernelCode: Int32 {
        switch self {
        case .none: Int32(FOVEA_ACTIVATION_NONE)
        case .relu: Int32(FOVEA_ACTIVATION_RELU)
        case .relu6: Int32(FOVEA_ACTIVATION_RELU6)
        }
    }
}
