import CKernels

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

    static let minimumOutputChannels = 64

    /// The CPU has AVX2 and FMA, and `FOVEA_PANEL_CONVOLUTION=0` is not set (for A/B runs).
    static let isAvailable = kernelSwitchedOn("FOVEA_PANEL_CONVOLUTION") && fovea_panel_convolution_available() != 0

    /// Nil where the kernel does not apply: no AVX2/FMA, or offsets beyond 32 bits (the unfold
    /// gathers with 32-bit lane offsets from a panel's first image; 16 images at most).
    init?(_ kernel: ConvolutionKernel) {
        // convolution-bench: at 64 output channels and up the panels beat im2col + BLAS 1.1–2.4×;
        // at 16–32 they lost 0.7–0.9× on large planes (the unfold is shared by too few tiles).
        // A single image is the exception: there im2col + BLAS splits into two threaded phases
        // and packs the column matrix, and the panels won at every channel count (batch-1 latency,
        // fovea bench: ResNet-20 1.27–1.52 ms against 1.53–2.57, SimpleCNN 0.94–1.06 against
        // 1.23–1.28, keras-cifar-cnn 0.16–0.19 against 0.18–0.21).
        // Under 4 panels of pixels BLAS ran as fast, except for one image on up to 2 panels
        // (convolution-bench small-planes: ResNet-18's layer 2 at 4×4 0.08–0.10 ms against
        // 0.11–0.21, 256 channels at 3×3 0.21 against 0.29; at 7×7, 4 panels, 3.3 against 3.1).
        // Planes of 1 to 4 pixels take the row products first (`RowProductConvolution`).
        let pixels = kernel.batch * kernel.outPlane, panelColumns = Int(FOVEA_PANEL_COLUMNS)
        guard kernel.outPerGroup >= PanelConvolution.minimumOutputChannels || kernel.batch == 1,
              pixels >= 4 * panelColumns || (kernel.batch == 1 && pixels <= 2 * panelColumns) else { return nil }
        self.init(anyShape: kernel)
    }

    /// Wherever the kernel can run, whether or not it is the fastest there (tests, benchmarks).
    init?(anyShape kernel: ConvolutionKernel) {
        let imageSize = kernel.geometry.channels * kernel.groups * kernel.inPlane
        guard PanelConvolution.isAvailable, kernel.depthwise == nil,
              Int(FOVEA_PANEL_COLUMNS) * imageSize < Int(Int32.max) else { return nil }
        self.kernel = kernel
    }

    func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, epilogue: ConvolutionEpilogue,
                 output: UnsafeMutablePointer<Float>) {
        let k = kernel, g = k.geometry, rows = k.outPerGroup, depth = k.patch
        let inputSize = g.channels * k.groups * k.inPlane, outputSize = k.outChannels * k.outPlane
        let window = fovea_window(g)
        let panels = (k.batch * k.outPlane + Int(FOVEA_PANEL_COLUMNS) - 1) / Int(FOVEA_PANEL_COLUMNS)
        let tileRows = Int(FOVEA_TILE_ROWS), tiles = (rows + tileRows - 1) / tileRows
        func run(panels panelRange: Range<Int>, tiles tileRange: Range<Int>) {
            var window = window
            let firstRow = tileRange.lowerBound * tileRows, endRow = Swift.min(rows, tileRange.upperBound * tileRows)
            for group in 0..<k.groups {
                let channel = group * rows
                var groupEpilogue = fovea_epilogue(
                    bias: epilogue.bias.map { $0 + channel }, scale: epilogue.scale.map { $0 + channel },
                    shift: epilogue.shift.map { $0 + channel },
                    residual: epilogue.residual.map { $0 + channel * k.outPlane },
                    floor: epilogue.activation.floor, ceiling: epilogue.activation.ceiling)
                fovea_panel_convolution(&window, input + group * g.channels * k.inPlane, inputSize,
                                        weight + group * rows * depth, Int32(firstRow), Int32(endRow),
                                        output + channel * k.outPlane, outputSize, &groupEpilogue,
                                        Int32(k.batch), panelRange.lowerBound, panelRange.upperBound)
            }
        }
        let threads = ThreadPool.shared.threadCount
        if panels >= 4 * threads || panels % threads == 0 || tiles == 1 {
            // Eight runs of panels per thread, taken in turn, where each still holds 4 panels or
            // more: with one half each, a thread the VM stalled left the other waiting (A/B,
            // keras-cifar-cnn, medians of 5: inference 8,561 → 10,118 img/s, training 3,070 → 3,683).
            let perThread = panels >= 32 * threads ? 8 : 1
            ThreadPool.shared.parallelRanges(panels, chunksPerThread: perThread) { run(panels: $0, tiles: 0..<tiles) }
        } else {
            // Too few panels to share out evenly (3 or 5 of them on 2 threads): the threads
            // split the output channels instead, each unfolding every panel for itself. Where
            // the panels divide evenly (an 8×8 image is 4) sharing them is better: no panel is
            // unfolded twice, and ResNet-20's 64 channels are not split 6 tiles against 5.
            ThreadPool.shared.parallelRanges(tiles) { run(panels: 0..<panels, tiles: $0) }
        }
    }
}

extension fovea_window {
    /// The C kernels' copy of a window's geometry.
    init(_ g: WindowGeometry) {
        self.init(channels: Int32(g.channels), height: Int32(g.height), width: Int32(g.width),
                  kernel_height: Int32(g.kernelHeight), kernel_width: Int32(g.kernelWidth),
                  stride_height: Int32(g.strideHeight), stride_width: Int32(g.strideWidth),
                  pad_top: Int32(g.padTop), pad_left: Int32(g.padLeft),
                  dilation_height: Int32(g.dilationHeight), dilation_width: Int32(g.dilationWidth),
                  output_height: Int32(g.outputHeight), output_width: Int32(g.outputWidth))
    }
}

extension ConvolutionKernel {
    /// Whether this machine has the panel kernel at all (AVX2 + FMA, not switched off).
    public static var panelKernelAvailable: Bool { PanelConvolution.isAvailable }

    /// Whether the C kernels run their AVX-512 tiles (the CPU has AVX-512, `FOVEA_AVX512` is not 0).
    public static let wideTilesAvailable = PanelConvolution.isAvailable && fovea_wide_tiles_available() != 0
    /// Whether those tiles run on 256-bit units in two halves (Zen 4: no more multiply-adds per
    /// cycle than AVX2), where saving multiplies pays more than on full-width units.
    public static let wideTilesRunInHalves = wideTilesAvailable && fovea_avx512_in_halves() != 0

    /// Whether `forward` runs the panel kernel (AVX2 + FMA, not depthwise, ≥ 64 output channels per
    /// group or a single image, ≥ 4 panels of pixels).
    public var runsOnPanels: Bool { PanelConvolution(self) != nil }
    /// Whether `forwardByPanels` can run here at all (AVX2 + FMA, not depthwise).
    public var canRunOnPanels: Bool { PanelConvolution(anyShape: self) != nil }

    /// The panel kernel, whichever kernel `forward` would pick (tests and benchmarks compare it
    /// with `forwardByUnfolding`), on any shape it can run. Requires `canRunOnPanels`.
    public func forwardByPanels(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, epilogue: ConvolutionEpilogue,
                                output: UnsafeMutablePointer<Float>) {
        guard let panels = PanelConvolution(anyShape: self) else { preconditionFailure("forwardByPanels needs canRunOnPanels") }
        panels.forward(input: input, weight: weight, epilogue: epilogue, output: output)
    }
}
