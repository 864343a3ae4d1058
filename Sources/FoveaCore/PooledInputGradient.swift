import CKernels

/// The input gradient of a convolution → 2×2 max pool (`conv2dMaxPooled`) from the pooled
/// gradient alone (Sources/CKernels/pooled_input_gradient.c, AVX-512).
///
/// Only a window's winner gets its gradient, so dY is three quarters zeros, more where the ReLU
/// stopped the winner; the transposed convolution over dY (channel vectors or the direct kernel)
/// multiplies them all, and keras-cifar-cnn's conv2d_1 spent a quarter of its training step
/// there. Here each window with a gradient adds it times its output channel's weights (input
/// channels in the vector lanes) to the pixel rows its winner read (dX pixel-major, then moved
/// into its planes): a sixth of the FMAs for conv2d_1. The windows are listed by their winner's
/// cell, and per tap and cell their sum is taken in registers before one load and store of the
/// row; adding one window at a time loaded and stored nine rows per window (SimpleCNN 1.08×
/// slower), and summing each dX pixel over its taps' cells read the weights scattered over L2
/// (0.94–0.97×).
struct PooledInputGradient {
    let kernel: ConvolutionKernel

    /// The CPU has AVX-512, and `FOVEA_POOLED_INPUT_GRADIENT=0` is not set (for A/B runs).
    static let isAvailable = kernelSwitchedOn("FOVEA_POOLED_INPUT_GRADIENT") && ConvolutionKernel.wideTilesAvailable

    /// Where it runs: AVX-512, no groups, 16 input channels or more, 64 output channels or more,
    /// and one image's pixel rows within 256 K floats (1 MB: in L2; VGG's 224 × 224 planes keep
    /// the transposed convolution). A cell wins a quarter of its channels' windows: with fewer
    /// than 64 output channels the per-cell work is mostly overhead. convolution-bench
    /// pooled-gradients, two runs: keras-cifar-cnn's conv2d_1 (64 outputs) 1.96–2.04× the
    /// transposed convolution, SimpleCNN's 64 and 128 channels 1.34–1.73×, its 32 at 32×32
    /// 0.91–0.92×; LeNet-5's second layer (6 → 16, 5×5) trained 0.88× as fast this way.
    init?(_ kernel: ConvolutionKernel) {
        let g = kernel.geometry
        guard PooledInputGradient.isAvailable, kernel.groups == 1, kernel.depthwise == nil, g.channels >= 16, kernel.outChannels >= 64,
              g.outputHeight >= 2, g.outputWidth >= 2, PixelRows(g).fitInL2
        else { return nil }
        self.kernel = kernel
    }

    /// Writes dX [N, C, H, W] (every element) from the pooled gradient [N, O, Hout/2, Wout/2]
    /// (masked by the activation) and its winners' offsets in the output planes.
    func inputGradient(pooled: UnsafePointer<Float>, winners: UnsafePointer<Int32>, weight: UnsafePointer<Float>,
                       into inputGrad: UnsafeMutablePointer<Float>) {
        let k = kernel, g = k.geometry, layout = PixelRows(g), lanes = layout.lanes, taps = g.kernelHeight * g.kernelWidth
        let channels = g.channels, outChannels = k.outChannels
        let pooledPlane = (g.outputHeight / 2) * (g.outputWidth / 2), pooledSize = outChannels * pooledPlane
        // packed[tap][o][c] = W[o][c][tap], zero past the channels.
        // (Shared between the threads, through local pointers: the class property read per element
        // on the caller alone was 1.75 % of SimpleCNN's training step, the worker idle meanwhile.)
        let packed = TensorStorage(repeating: 0, count: outChannels * taps * lanes), target = packed.pointer
        ThreadPool.shared.parallelRanges(outChannels, minimumPerChunk: Swift.max(1, 8192 / (taps * channels))) { range in
            for o in range {
                for c in 0..<channels {
                    let source = weight + (o * channels + c) * taps
                    for t in 0..<taps { target[(t * outChannels + o) * lanes + c] = source[t] }
                }
            }
        }
        let slots = ThreadPool.shared.threadSlots
        let buffers = (0..<slots).map { _ in TensorStorage(uninitializedCount: layout.count) }
        let (shareCount, share) = k.shares(perThread: 4)   // taken in turn: less to wait for when the VM stalls a thread
        let window = fovea_window(g), corners = layout.corners
        let inputSize = channels * g.height * g.width
        withExtendedLifetime((packed, buffers)) {
            ThreadPool.shared.parallelFor(shareCount) { s, thread in
                var geometry = window
                let rows = buffers[thread].pointer
                for n in share(s) {
                    fovea_pooled_input_gradient(&geometry, Int32(layout.height), Int32(layout.width), corners, pooled + n * pooledSize,
                                                winners + n * pooledSize, Int32(outChannels), packed.pointer, rows, Int32(lanes))
                    fovea_pixel_rows_to_planes(rows, &geometry, Int32(layout.width), Int32(lanes), inputGrad + n * inputSize)
                }
            }
        }
    }
}

extension ConvolutionKernel {
    /// Whether `conv2dMaxPooled`'s backward takes dX from the pooled gradient (`PooledInputGradient`).
    public var inputGradientRunsOnPooledWindows: Bool { PooledInputGradient(self) != nil }

    /// dX [N, C, H, W] from a 2×2 max pool's (masked) gradient and its winners' offsets in the
    /// output planes, as `conv2dMaxPooled`'s backward computes it (benchmarks). Requires
    /// `inputGradientRunsOnPooledWindows`.
    public func inputGradientFromPooledWindows(pooledGradient: UnsafePointer<Float>, winners: UnsafePointer<Int32>,
                                               weight: UnsafePointer<Float>, into inputGrad: UnsafeMutablePointer<Float>) {
        guard let kernel = PooledInputGradient(self) else {
            preconditionFailure("inputGradientFromPooledWindows needs inputGradientRunsOnPooledWindows")
        }
        kernel.inputGradient(pooled: pooledGradient, winners: winners, weight: weight, into: inputGrad)
    }
}
