import CKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A convolution computed 16 output pixels at a time by Fovea's own AVX2/FMA kernel
/// (Sources/CKernels): each panel of pixels is unfolded straight into the layout the
/// micro-kernel reads, multiplied by the packed weights in L1-sized blocks of depth, and written
/// into NCHW through the epilogue (bias, folded batch norm, residual, ReLU).
///
/// It replaces im2col + BLAS where it can: BLAS must first copy the whole column matrix into
/// its own packed layout, and clear or scale C before the multiply, and the product then
/// needs one more pass to add the bias and reach NCHW. Here the column matrix never exists.
/// The threads split the panels, so a single image uses both cores as well as a batch does.
struct PanelConvolution {
    let kernel: ConvolutionKernel

    /// The CPU has AVX2 and FMA, and `FOVEA_PANEL_CONVOLUTION=0` is not set (for A/B runs).
    static let isAvailable: Bool = {
        if let setting = getenv("FOVEA_PANEL_CONVOLUTION"), String(cString: setting) == "0" { return false }
        return fovea_panel_convolution_available() != 0
    }()

    /// Nil where the kernel does not apply: no AVX2/FMA, or offsets beyond 32 bits (the unfold
    /// gathers with 32-bit lane offsets from a panel's first image; 16 images at most).
    init?(_ kernel: ConvolutionKernel) {
        let imageSize = kernel.geometry.channels * kernel.groups * kernel.inPlane
        guard PanelConvolution.isAvailable, kernel.depthwise == nil,
              Int(FOVEA_PANEL_COLUMNS) * imageSize < Int(Int32.max) else { return nil }
        self.kernel = kernel
    }

    func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, epilogue: ConvolutionEpilogue,
                 output: UnsafeMutablePointer<Float>) {
        let k = kernel, g = k.geometry, rows = k.outPerGroup, depth = k.patch
        let inputSize = g.channels * k.groups * k.inPlane, outputSize = k.outChannels * k.outPlane
        let packedCount = fovea_packed_weights_count(Int32(rows), Int32(depth))
        let packed = TensorStorage(uninitializedCount: k.groups * packedCount)
        for group in 0..<k.groups {
            fovea_pack_weights(weight + group * rows * depth, Int32(rows), Int32(depth), depth,
                               packed.pointer + group * packedCount)
        }
        let window = fovea_window(channels: Int32(g.channels), height: Int32(g.height), width: Int32(g.width),
                                  kernel_height: Int32(g.kernelHeight), kernel_width: Int32(g.kernelWidth),
                                  stride_height: Int32(g.strideHeight), stride_width: Int32(g.strideWidth),
                                  pad_top: Int32(g.padTop), pad_left: Int32(g.padLeft),
                                  dilation_height: Int32(g.dilationHeight), dilation_width: Int32(g.dilationWidth),
                                  output_height: Int32(g.outputHeight), output_width: Int32(g.outputWidth))
        let panels = (k.batch * k.outPlane + Int(FOVEA_PANEL_COLUMNS) - 1) / Int(FOVEA_PANEL_COLUMNS)
        withExtendedLifetime(packed) {
            ThreadPool.shared.parallelRanges(panels) { range in
                var window = window
                for group in 0..<k.groups {
                    let channel = group * rows
                    var groupEpilogue = fovea_epilogue(
                        bias: epilogue.bias.map { $0 + channel }, scale: epilogue.scale.map { $0 + channel },
                        shift: epilogue.shift.map { $0 + channel },
                        residual: epilogue.residual.map { $0 + channel * k.outPlane },
                        floor: epilogue.activation.floor, ceiling: epilogue.activation.ceiling)
                    fovea_panel_convolution(&window, input + group * g.channels * k.inPlane, inputSize,
                                            packed.pointer + group * packedCount, Int32(rows),
                                            output + channel * k.outPlane, outputSize, &groupEpilogue,
                                            Int32(k.batch), range.lowerBound, range.upperBound)
                }
            }
        }
    }
}

extension ConvolutionKernel {
    /// Whether `forward` may run `forwardByPanels` on this machine (AVX2 + FMA, not depthwise).
    public var runsOnPanels: Bool { PanelConvolution(self) != nil }

    /// The panel kernel, whichever kernel `forward` would pick (tests and benchmarks compare it
    /// with `forwardByUnfolding`). Requires `runsOnPanels`.
    public func forwardByPanels(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, epilogue: ConvolutionEpilogue,
                                output: UnsafeMutablePointer<Float>) {
        guard let panels = PanelConvolution(self) else { preconditionFailure("forwardByPanels needs runsOnPanels") }
        panels.forward(input: input, weight: weight, epilogue: epilogue, output: output)
    }
}
