/// Max pooling over NCHW; stride defaults to the window (PyTorch and Keras).
/// With `ceilMode` the output size rounds up, as PyTorch's `ceil_mode=True` (GoogLeNet).
public final class MaxPool2D: Module {
    public let kernelSize: (Int, Int), stride: (Int, Int), padding: (Int, Int)
    public let ceilMode: Bool

    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false) {
        self.kernelSize = (kernelSize, kernelSize)
        self.stride = (stride ?? kernelSize, stride ?? kernelSize)
        self.padding = (padding, padding)
        self.ceilMode = ceilMode
    }

    public var details: String {
        "\(kernelSize.0)×\(kernelSize.1), stride \(stride.0)" + (padding.0 > 0 ? ", pad \(padding.0)" : "") + (ceilMode ? ", ceil" : "")
    }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        try checkWindow(input, kernelSize, stride, padding, ceilMode: ceilMode)
        return input.maxPool2d(kernel: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode)
    }
}

/// Average pooling over NCHW; padded cells count in the divisor, as PyTorch's default.
public final class AvgPool2D: Module {
    public let kernelSize: (Int, Int), stride: (Int, Int), padding: (Int, Int)

    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        self.kernelSize = (kernelSize, kernelSize)
        self.stride = (stride ?? kernelSize, stride ?? kernelSize)
        self.padding = (padding, padding)
    }

    public var details: String { "\(kernelSize.0)×\(kernelSize.1), stride \(stride.0)" + (padding.0 > 0 ? ", pad \(padding.0)" : "") }

    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        try checkWindow(input, kernelSize, stride, padding)
        return input.avgPool2d(kernel: kernelSize, stride: stride, padding: padding)
    }
}

/// Mean over each feature map: [N, C, H, W] → [N, C].
public final class GlobalAvgPool2D: Module {
    public init() {}
    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        guard input.rank == 4 else { throw FoveaError.shape("expects input [N, C, H, W], got \(describe(shape: input.shape))") }
        return input.globalAvgPool2d()
    }
}

func checkWindow(_ input: Tensor, _ kernel: (Int, Int), _ stride: (Int, Int), _ padding: (Int, Int), ceilMode: Bool = false) throws {
    guard input.rank == 4 else { throw FoveaError.shape("expects input [N, C, H, W], got \(describe(shape: input.shape))") }
    var g = WindowGeometry(channels: 1, height: input.shape[2], width: input.shape[3], kernel: kernel, stride: stride,
                           padding: (padding.0, padding.1, padding.0, padding.1))
    if ceilMode, stride.0 > 0, stride.1 > 0 {
        g.padBottom += ceilModeExtra(g.height, kernel.0, stride.0, padding.0)
        g.padRight += ceilModeExtra(g.width, kernel.1, stride.1, padding.1)
    }
    guard g.isValid, kernel.0 > 0, kernel.1 > 0, stride.0 > 0, stride.1 > 0 else {
        throw FoveaError.shape("window \(kernel.0)×\(kernel.1) does not fit input \(describe(shape: input.shape))")
    }
}

/// Average pooling to a fixed output size, as PyTorch's `nn.AdaptiveAvgPool2d`.
public final class AdaptiveAvgPool2D: Module {
    public let outputSize: (Int, Int)
    public init(outputSize: (Int, Int)) {
        precondition(outputSize.0 > 0 && outputSize.1 > 0, "AdaptiveAvgPool2D needs a positive output size")
        self.outputSize = outputSize
    }
    public var details: String { "→ \(outputSize.0)×\(outputSize.1)" }
    public func forward(_ input: Tensor, _ context: ForwardContext) throws -> Tensor {
        guard input.rank == 4 else { throw FoveaError.shape("expects input [N, C, H, W], got \(describe(shape: input.shape))") }
        return input.adaptiveAvgPool2d(outputSize: outputSize)
    }
}
