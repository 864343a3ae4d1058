import CKernels

/// A convolution with stride 1 along the width computed straight from the input
/// (Sources/CKernels/direct_convolution.c): each image is copied once into zero-padded planes,
/// (valid ones too), and the AVX2 kernel reads patch element (c, i, j) of 16 neighbouring output pixels as 16
/// neighbouring floats of padded plane c, at a fixed offset from the output row. im2col writes
/// and then reads a column matrix C·kh·kw times the size of the output plane; this reads the
/// image where it lies, from L1 (a 16-pixel strip of one output row needs C·kh rows of 18 floats).
/// The epilogue (bias, folded batch norm, residual, clamp) runs in registers before the store.
struct DirectConvolution {
    let kernel: ConvolutionKernel

    /// The CPU has AVX2 and FMA, and `FOVEA_DIRECT_CONVOLUTION=0` is not set (for A/B runs).
    static let isAvailable = kernelSwitchedOn("FOVEA_DIRECT_CONVOLUTION") && fovea_panel_convolution_available() != 0

    /// Nil where `forward` should not pick it (see `init?(anyShape:)` for where it can run at all).
    init?(_ kernel: ConvolutionKernel) {
        // convolution-bench (direct table): against im2col + the small-depth kernel or sgemm it won
        // up to 32 output channels; at 64 and up the panel kernel, which shares each unfolded
        // panel among more output channels, is as fast.
        guard DirectConvolution.isAvailable, kernel.outChannels < PanelConvolution.minimumOutputChannels else { return nil }
        self.init(anyShape: kernel)
    }

    /// Wherever the kernel can run: AVX2 + FMA, no groups, stride 1 along the width, not a 1×1
    /// window without padding (whose column matrix is the image itself), offsets within 32 bits.
    init?(anyShape kernel: ConvolutionKernel) {
        let g = kernel.geometry
        guard PanelConvolution.isAvailable, kernel.groups == 1, g.strideWidth == 1, !g.isPointwise,
              g.channels * (g.height + g.padTop + g.padBottom) * (g.width + g.padLeft + g.padRight) < Int(Int32.max)
        else { return nil }
        self.kernel = kernel
    }

    func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, epilogue: ConvolutionEpilogue,
                 output: UnsafeMutablePointer<Float>) {
        let k = kernel, g = k.geometry
        let paddedHeight = g.height + g.padTop + g.padBottom, paddedWidth = g.width + g.padLeft + g.padRight
        let inputSize = g.channels * k.inPlane, outputSize = k.outChannels * k.outPlane
        // Valid windows are copied too: the kernel's loads run past a row's end, and past the
        // last row into the slack, where the caller's tensor might end.
        let paddedSize = g.channels * paddedHeight * paddedWidth + Int(FOVEA_DIRECT_SLACK)
        let window = fovea_window(g)

        /// Copies image n into `buffer`'s interior; its border stays zero from allocation.
        func pad(image n: Int, into buffer: UnsafeMutablePointer<Float>) {
            let image = input + n * inputSize
            for c in 0..<g.channels {
                for h in 0..<g.height {
                    (buffer + (c * paddedHeight + h + g.padTop) * paddedWidth + g.padLeft)
                        .update(from: image + (c * g.height + h) * g.width, count: g.width)
                }
            }
        }
        func run(image n: Int, rows: Range<Int>, padded: UnsafePointer<Float>) {
            var window = window
            var imageEpilogue = fovea_epilogue(
                bias: epilogue.bias, scale: epilogue.scale, shift: epilogue.shift,
                residual: epilogue.residual.map { $0 + n * outputSize },
                floor: epilogue.activation.floor, ceiling: epilogue.activation.ceiling)
            fovea_direct_convolution(&window, padded, Int32(paddedHeight), Int32(paddedWidth), weight, Int32(k.outChannels),
                                     Int32(rows.lowerBound), Int32(rows.upperBound), output + n * outputSize, &imageEpilogue)
        }

        let threads = ThreadPool.shared.threadCount
        if k.batch >= threads {
            // Four shares per thread: ResNet-20's inference waited 14 % of its time with one (perf).
            let (shareCount, share) = k.shares(perThread: 4)
            ThreadPool.shared.parallelFor(shareCount) { s in
                let buffer = TensorStorage(repeating: 0, count: paddedSize)
                withExtendedLifetime(buffer) {
                    for n in share(s) {
                        pad(image: n, into: buffer.pointer)
                        run(image: n, rows: 0..<g.outputHeight, padded: buffer.pointer)
                    }
                }
            }
        } else {
            // Fewer images than threads: the threads share each image's output rows.
            let buffer = TensorStorage(repeating: 0, count: paddedSize)
            withExtendedLifetime(buffer) {
                for n in 0..<k.batch {
                    pad(image: n, into: buffer.pointer)
                    ThreadPool.shared.parallelRanges(g.outputHeight) { run(image: n, rows: $0, padded: buffer.pointer) }
                }
            }
        }
    }
}

extension ConvolutionKernel {
    /// Whether `forward` runs the direct kernel (`DirectConvolution`).
    public var runsDirectly: Bool { DirectConvolution(self) != nil }
    /// Whether `forwardDirectly` can run here at all (AVX2 + FMA, no groups, stride 1 along the width).
    public var canRunDirectly: Bool { DirectConvolution(anyShape: self) != nil }

    /// The direct kernel, whichever kernel `forward` would pick (tests and benchmarks compare it
    /// with `forwardByUnfolding`), on any shape it can run. Requires `canRunDirectly`.
    public func forwardDirectly(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, epilogue: ConvolutionEpilogue,
                                output: UnsafeMutablePointer<Float>) {
        guard let direct = DirectConvolution(anyShape: self) else { preconditionFailure("forwardDirectly needs canRunDirectly") }
        direct.forward(input: input, weight: weight, epilogue: epilogue, output: output)
    }
}
