import CKernels

/// The weight gradient of a 3×3 convolution → 2×2 max pool (`conv2dMaxPooled`) from the pooled
/// gradient alone (Sources/CKernels/pooled_weight_gradient.c, AVX-512).
///
/// dW[o, c, tap] sums dY[o, cell] · X[c, cell's tap] over the cells, and only a window's winner
/// has a gradient: the outer products over every cell (`OuterProductWeightGradient`) multiply
/// three quarters zeros. Here each image is moved into pixel rows (its channels side by side),
/// and each output channel keeps its 9 taps × up to two vectors of input channels in registers
/// over the image's windows: per window with a gradient one broadcast, 9 loads and 9 FMAs a
/// vector. Few input channels leave most lanes empty (3 of 16 for an RGB input), where the
/// outer products, whose lanes are the output channels, stay.
struct PooledWeightGradient {
    let kernel: ConvolutionKernel

    /// The CPU has AVX-512, and `FOVEA_POOLED_WEIGHT_GRADIENT=0` is not set (for A/B runs).
    static let isAvailable = kernelSwitchedOn("FOVEA_POOLED_WEIGHT_GRADIENT") && ConvolutionKernel.wideTilesAvailable

    /// Where it runs: AVX-512, a 3×3 window without groups, 16 input channels or more, and one
    /// image's pixel rows within 256 K floats (1 MB: in L2).
    init?(_ kernel: ConvolutionKernel) {
        let g = kernel.geometry
        guard PooledWeightGradient.isAvailable, kernel.groups == 1, kernel.depthwise == nil, g.kernelHeight == 3, g.kernelWidth == 3,
              g.channels >= 16, g.outputHeight >= 2, g.outputWidth >= 2, PixelRows(g).fitInL2
        else { return nil }
        self.kernel = kernel
    }

    /// Writes dW [O, C, 3, 3] from the input [N, C, H, W], the pooled gradient [N, O, Hout/2,
    /// Wout/2] (masked by the activation) and its winners' offsets in the output planes.
    func weightGradient(input: UnsafePointer<Float>, pooled: UnsafePointer<Float>, winners: UnsafePointer<Int32>,
                        into weightGrad: UnsafeMutablePointer<Float>) {
        let k = kernel, g = k.geometry, layout = PixelRows(g), lanes = layout.lanes, channels = g.channels, outChannels = k.outChannels
        let width = layout.width, height = layout.height, inputSize = channels * g.height * g.width
        let pooledSize = outChannels * (g.outputHeight / 2) * (g.outputWidth / 2), accumulatedCount = outChannels * 9 * lanes
        let corners = layout.corners
        // A partial per share (a fixed order whichever thread runs it), four shares per thread
        // taken in turn where the partials are small, as the outer products do.
        let (shareCount, share) = k.shares(perThread: accumulatedCount <= 1 << 15 ? 4 : 1)
        let partials = ThreadBuffers(slots: shareCount, count: accumulatedCount)
        let buffers = (0..<ThreadPool.shared.threadSlots).map { _ in TensorStorage(uninitializedCount: layout.count) }
        let window = fovea_window(g)
        withExtendedLifetime(buffers) {
            ThreadPool.shared.parallelFor(shareCount) { s, thread in
                var geometry = window
                let rows = buffers[thread].pointer, partial = partials.buffer(s)
                for n in share(s) {
                    fovea_planes_to_pixel_rows(input + n * inputSize, &geometry, Int32(height), Int32(width), rows, Int32(lanes))
                    fovea_pooled_weight_gradient(&geometry, Int32(width), rows, pooled + n * pooledSize, winners + n * pooledSize,
                                                 Int32(outChannels), corners, partial, Int32(lanes))
                }
            }
        }
        // Σ of the partials, [O × 9 × lanes], then into dW [O × C × 9].
        let sum = TensorStorage(uninitializedCount: accumulatedCount)
        sumOfPartials(partials.all, count: accumulatedCount, into: sum.pointer)
        withExtendedLifetime(sum) {
            let summed = sum.pointer   // (read once: the class property per element ran on the caller alone)
            ThreadPool.shared.parallelRanges(outChannels, minimumPerChunk: Swift.max(1, 8192 / (9 * channels))) { range in
                for o in range {
                    for c in 0..<channels {
                        for t in 0..<9 { weightGrad[(o * channels + c) * 9 + t] = summed[(o * 9 + t) * lanes + c] }
                    }
                }
            }
        }
    }
}

extension ConvolutionKernel {
    /// Whether `conv2dMaxPooled`'s backward takes dW from the pooled gradient (`PooledWeightGradient`).
    public var weightGradientRunsOnPooledWindows: Bool { PooledWeightGradient(self) != nil }

    /// dW [O, C, 3, 3] from the input, a 2×2 max pool's (masked) gradient and its winners' offsets
    /// in the output planes, as `conv2dMaxPooled`'s backward computes it (benchmarks). Requires
    /// `weightGradientRunsOnPooledWindows`.
    public func weightGradientFromPooledWindows(input: UnsafePointer<Float>, pooledGradient: UnsafePointer<Float>,
                                                winners: UnsafePointer<Int32>, into weightGrad: UnsafeMutablePointer<Float>) {
        guard let kernel = PooledWeightGradient(self) else {
            preconditionFailure("weightGradientFromPooledWindows needs weightGradientRunsOnPooledWindows")
        }
        kernel.weightGradient(input: input, pooled: pooledGradient, winners: winners, into: weightGrad)
    }
}
