import CKernels

/// What a convolution's output pass applies to each channel's raw product, so that bias,
/// an inference-time batch norm, a residual and a ReLU or ReLU6 cost no extra pass over memory:
///
///     y = clamp((acc + bias[o]) · scale[o] + shift[o] + residual)   (the activation's clamp)
///
/// With `scale` = γ/√(σ² + ε), `bias` = b − μ and `shift` = β this is conv → BatchNorm (running
/// statistics) in PyTorch's order of operations: subtract the mean first, then scale.
public struct ConvolutionEpilogue: @unchecked Sendable {
    public var bias: UnsafePointer<Float>?
    public var scale: UnsafePointer<Float>?
    public var shift: UnsafePointer<Float>?
    /// Same layout as the output, added after the scale and shift.
    public var residual: UnsafePointer<Float>?
    public var activation: FusedActivation

    public init(bias: UnsafePointer<Float>? = nil, scale: UnsafePointer<Float>? = nil, shift: UnsafePointer<Float>? = nil,
                residual: UnsafePointer<Float>? = nil, activation: FusedActivation = .none) {
        self.bias = bias; self.scale = scale; self.shift = shift; self.residual = residual; self.activation = activation
    }

    /// Writes `count` values of one channel from `source` to `target` (which may be `source`).
    /// `residual` points at this channel's slice of the residual, if any.
    @inline(__always)
    func apply(channel o: Int, source: UnsafePointer<Float>, target: UnsafeMutablePointer<Float>,
               residual: UnsafePointer<Float>?, count: Int) {
        let b = bias?[o] ?? 0, s = scale?[o] ?? 1, t = shift?[o] ?? 0
        let floor = activation.floor, ceiling = activation.ceiling
        if let residual {
            for p in 0..<count { target[p] = Swift.min(Swift.max((source[p] + b) * s + t + residual[p], floor), ceiling) }
        } else if scale == nil && shift == nil {
            switch activation {
            case .none: for p in 0..<count { target[p] = source[p] + b }
            case .relu: for p in 0..<count { target[p] = Swift.max(source[p] + b, 0) }
            case .relu6: for p in 0..<count { target[p] = Swift.min(Swift.max(source[p] + b, 0), 6) }
            }
        } else {
            for p in 0..<count { target[p] = Swift.min(Swift.max((source[p] + b) * s + t, floor), ceiling) }
        }
    }
}

extension ConvolutionEpilogue {
    /// The epilogue as the C kernels take it, its residual moved on by `residualOffset` floats
    /// (one image's slice of it), or dropped where `residualOffset` is nil.
    func kernelForm(residualOffset: Int?) -> fovea_epilogue {
        fovea_epilogue(bias: bias, scale: scale, shift: shift, residual: residualOffset.flatMap { offset in residual.map { $0 + offset } },
                       floor: activation.floor, ceiling: activation.ceiling)
    }
}
