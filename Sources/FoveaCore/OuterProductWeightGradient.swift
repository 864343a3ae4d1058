import CKernels

/// A 3×3 convolution's weight gradient as outer products (Sources/CKernels/outer_product_weight_gradient.c,
/// AVX-512): dW[o, c, i, j] = Σ dY[o, y, x] · X[c, y·sh + i − pad, x·sw + j − pad].
///
/// A block of images is copied into zero-padded planes, and its output gradient transposed to
/// pixel-major rows (each pixel's output channels side by side, 16 to a vector). Then for every
/// output pixel one tile loads up to three vectors of output channels and broadcasts the 9 taps
/// of one to three input channels, one fused multiply-add per pair: up to 27 vectors of dW stay
/// in registers over the whole block, with no horizontal sums and no zeros multiplied. With one
/// or two vectors and stride 1 it takes two neighbouring pixels a step, whose windows share two
/// of each row's four input columns (four broadcasts for six FMAs a vector). The row
/// products (`DirectWeightGradient`) sum dot products of shifted rows instead: a horizontal sum
/// per 64 steps, and a fifth to a third of their work on the padded planes' zeros at 16×16 to
/// 8×8; they ran ResNet-20's and keras-cifar-cnn's weight gradients at 115–165 GFLOP/s, im2col +
/// sgemm at about as much, where the forward kernels reach 230–290.
struct OuterProductWeightGradient {
    let kernel: ConvolutionKernel

    /// The CPU has AVX-512, and `FOVEA_OUTER_PRODUCT_WEIGHT_GRADIENT=0` is not set (for A/B runs).
    static let isAvailable = kernelSwitchedOn("FOVEA_OUTER_PRODUCT_WEIGHT_GRADIENT") && ConvolutionKernel.wideTilesAvailable

    /// Nil where `backward` should not pick it, or where it cannot run. convolution-bench
    /// outer-product-weight-gradients (Xeon, 2 threads, two runs): against the best of im2col +
    /// sgemm, the row products and Winograd it won 1.14–1.90× on every layer of ResNet-20,
    /// keras-cifar-cnn and SimpleCNN (ResNet-20's 3-channel stem tied), the seed ResNet's stages 1
    /// and 2 (64 at 32×32 1.45–1.64×, 128 at 16×16 0.97–1.59×) and ResNet-18's layer 1 at 32×32
    /// (64 at 8×8, 1.20–1.79×). It tied or lost where the weights outgrow 128 × 128 channels (the
    /// seed's 256 at 8×8: 0.75–0.85× against Winograd and sgemm, whose blocking pays there) and
    /// on planes under 8×8 (ResNet-18's layer 2, 128 at 4×4: 0.92–0.99×): those keep their kernels.
    init?(_ kernel: ConvolutionKernel) {
        guard kernel.outChannels * kernel.patch <= 128 * 128 * 9, kernel.outPlane >= 64 else { return nil }
        self.init(anyShape: kernel)
    }

    /// Wherever it can run: AVX-512, no groups, a 3×3 window without dilation, any stride and
    /// padding, offsets within 32 bits.
    init?(anyShape kernel: ConvolutionKernel) {
        let g = kernel.geometry
        guard OuterProductWeightGradient.isAvailable, kernel.groups == 1, g.kernelHeight == 3, g.kernelWidth == 3,
              g.dilationHeight == 1, g.dilationWidth == 1,
              PaddedImage(g).count < Int(Int32.max), kernel.outPlane * ((kernel.outChannels + 15) / 16 * 16) < Int(Int32.max)
        else { return nil }
        self.kernel = kernel
    }

    /// Output channels rounded up to whole vectors: the floats of one pixel's transposed gradient.
    var lanes: Int { (kernel.outChannels + 15) / 16 * 16 }

    /// Images per block: their padded planes and transposed gradient together within 128 K floats
    /// (512 KB, a quarter of the Xeon's L2), so that every tile's pass over the block reads them from L2.
    var imagesPerBlock: Int {
        let perImage = PaddedImage(kernel.geometry).count + kernel.outPlane * lanes
        return Swift.max(1, Swift.min(kernel.batch, OuterProductWeightGradient.blockBudget / perImage))
    }

    static let blockBudget = 1 << 17

    /// Output rows per pass where one image alone outgrows the block budget (VGG's 64 channels at
    /// 224×224: 13 MB padded and 13 MB transposed): every tile then passes over a band of rows
    /// whose padded input rows and gradient fit the budget, not over the whole image from memory.
    var rowsPerBand: Int {
        let g = kernel.geometry, padding = PaddedImage(g)
        guard padding.count + kernel.outPlane * lanes > OuterProductWeightGradient.blockBudget else { return g.outputHeight }
        let perRow = g.channels * g.strideHeight * padding.width + g.outputWidth * lanes
        return Swift.max(1, Swift.min(g.outputHeight, OuterProductWeightGradient.blockBudget / perRow))
    }

    /// The (already masked) output gradient, as the kernel reads it.
    enum OutputGradient {
        /// Its planes, [N, O, Hout, Wout].
        case planes(UnsafePointer<Float>)
        /// A 2×2 max pool's gradient [N, O, Hout/2, Wout/2] and its winners' offsets in the planes
        /// (`conv2dMaxPooled`): scattered straight into the pixel-major rows, so that the planes,
        /// three quarters zeros, are never written nor read.
        case pooled(UnsafePointer<Float>, winners: UnsafePointer<Int32>)
    }

    /// Writes dW [O, C, 3, 3] from the input [N, C, H, W] and the (already masked) output gradient
    /// [N, O, Hout, Wout]. `imagesPerBlock` and `rowsPerBand` override the block size and, for
    /// blocks of one image, the band (tests: blocks that end before the share does, bands that end
    /// before the image does).
    func weightGradient(input: UnsafePointer<Float>, outputGrad: UnsafePointer<Float>, into weightGrad: UnsafeMutablePointer<Float>,
                        imagesPerBlock blockSize: Int? = nil, rowsPerBand bandSize: Int? = nil) {
        weightGradient(input: input, outputGrad: .planes(outputGrad), into: weightGrad, imagesPerBlock: blockSize, rowsPerBand: bandSize)
    }

    func weightGradient(input: UnsafePointer<Float>, outputGrad: OutputGradient, into weightGrad: UnsafeMutablePointer<Float>,
                        imagesPerBlock blockSize: Int? = nil, rowsPerBand bandSize: Int? = nil) {
        let k = kernel, g = k.geometry, padding = PaddedImage(g), lanes = lanes
        let inputSize = g.channels * k.inPlane, outputSize = k.outChannels * k.outPlane, pixelRows = k.outPlane * lanes
        let pooledPlane = (g.outputHeight / 2) * (g.outputWidth / 2), pooledSize = k.outChannels * pooledPlane
        let patch = k.patch, accumulatedCount = patch * lanes
        let block = blockSize ?? imagesPerBlock, band = Swift.max(1, bandSize ?? rowsPerBand)
        // Each share sums into its own [patch × lanes] partial (a fixed order whichever thread runs
        // it). Four shares per thread, taken in turn, leave less to wait for when the VM stalls a
        // thread, but each share zeroes, fills and adds its partial: over 32 K floats of them (128
        // × 128 channels and up) one share per thread.
        let (shareCount, share) = k.shares(perThread: accumulatedCount <= 1 << 15 ? 4 : 1)
        let partials = ThreadBuffers(slots: shareCount, count: accumulatedCount)
        // One padded block per thread, zeroed once: every block writes the same interiors.
        let slots = ThreadPool.shared.threadSlots
        let paddedBlocks = ThreadBuffers(slots: slots, count: block * padding.count)
        let gradientBlocks = (0..<slots).map { _ in TensorStorage(uninitializedCount: block * pixelRows) }
        let window = fovea_window(g)
        withExtendedLifetime((paddedBlocks, gradientBlocks)) {
            ThreadPool.shared.parallelFor(shareCount) { s, thread in
                let padded = paddedBlocks.buffer(thread), gradient = gradientBlocks[thread].pointer, partial = partials.buffer(s)
                let images = share(s)
                for first in stride(from: images.lowerBound, to: images.upperBound, by: block) {
                    let count = Swift.min(block, images.upperBound - first)
                    for b in 0..<count {
                        padding.copy(input + (first + b) * inputSize, into: padded + b * padding.count)
                        let n = first + b
                        switch outputGrad {
                        case let .planes(planes):
                            fovea_transpose_to_pixel_major(planes + n * outputSize, Int32(k.outChannels), Int32(k.outPlane),
                                                           gradient + b * pixelRows, Int32(lanes))
                        case let .pooled(pooled, winners):
                            fovea_pooled_gradient_to_pixel_major(pooled + n * pooledSize, winners + n * pooledSize, Int32(k.outChannels),
                                                                 Int32(g.outputHeight), Int32(g.outputWidth),
                                                                 gradient + b * pixelRows, Int32(lanes))
                        }
                    }
                    if count > 1 || band >= g.outputHeight {
                        var whole = window
                        fovea_outer_product_weight_gradient(&whole, padded, padding.count, padding.height * padding.width,
                                                            Int32(padding.width), Int32(count), gradient, Int32(lanes), partial)
                        continue
                    }
                    // One image in bands of output rows: the kernel sees a shorter image starting at the band.
                    for top in stride(from: 0, to: g.outputHeight, by: band) {
                        var part = window
                        part.output_height = Int32(Swift.min(band, g.outputHeight - top))
                        fovea_outer_product_weight_gradient(&part, padded + top * g.strideHeight * padding.width, padding.count,
                                                            padding.height * padding.width, Int32(padding.width), 1,
                                                            gradient + top * g.outputWidth * lanes, Int32(lanes), partial)
                    }
                }
            }
        }
        // Σ of the partials, [patch × lanes], then transposed into dW [O × patch].
        let sum = TensorStorage(uninitializedCount: accumulatedCount)
        sumOfPartials(partials.all, count: accumulatedCount, into: sum.pointer)
        withExtendedLifetime(sum) {
            let summed = sum.pointer   // (read once: the class property per element ran on the caller alone)
            ThreadPool.shared.parallelRanges(k.outChannels, minimumPerChunk: Swift.max(1, 8192 / patch)) { range in
                for o in range {
                    for r in 0..<patch { weightGrad[o * patch + r] = summed[r * lanes + o] }
                }
            }
        }
    }
}

extension ConvolutionKernel {
    /// Whether `backward` computes the weight gradient with `OuterProductWeightGradient`.
    public var weightGradientRunsOnOuterProducts: Bool {
        if case .outerProducts = weightGradientPath { true } else { false }
    }
    /// Output rows per pass of `OuterProductWeightGradient` over one image (all of them unless the image outgrows its block budget).
    public var outerProductRowsPerBand: Int { OuterProductWeightGradient(anyShape: self)?.rowsPerBand ?? geometry.outputHeight }
    /// Whether `weightGradientByOuterProducts` can run here at all (AVX-512, 3×3, no groups or dilation).
    public var canComputeWeightGradientByOuterProducts: Bool { OuterProductWeightGradient(anyShape: self) != nil }

    /// dW from the input and the output gradient (no activation mask: pass dY already masked) by
    /// `OuterProductWeightGradient`, whichever kernel `backward` would pick (tests and benchmarks).
    /// Requires `canComputeWeightGradientByOuterProducts`.
    public func weightGradientByOuterProducts(input: UnsafePointer<Float>, outputGrad: UnsafePointer<Float>,
                                              into weightGrad: UnsafeMutablePointer<Float>, imagesPerBlock: Int? = nil,
                                              rowsPerBand: Int? = nil) {
        guard let outer = OuterProductWeightGradient(anyShape: self) else {
            preconditionFailure("weightGradientByOuterProducts needs canComputeWeightGradientByOuterProducts")
        }
        outer.weightGradient(input: input, outputGrad: outputGrad, into: weightGrad, imagesPerBlock: imagesPerBlock, rowsPerBand: rowsPerBand)
    }

    /// The same from a 2×2 max pool's (masked) gradient [N, O, Hout/2, Wout/2] and its winners'
    /// offsets in the output planes, as `conv2dMaxPooled`'s backward passes them (tests).
    /// Requires `canComputeWeightGradientByOuterProducts`.
    public func weightGradientByOuterProducts(input: UnsafePointer<Float>, pooledGradient: UnsafePointer<Float>,
                                              winners: UnsafePointer<Int32>, into weightGrad: UnsafeMutablePointer<Float>,
                                              imagesPerBlock: Int? = nil) {
        guard let outer = OuterProductWeightGradient(anyShape: self) else {
            preconditionFailure("weightGradientByOuterProducts needs canComputeWeightGradientByOuterProducts")
        }
        outer.weightGradient(input: input, outputGrad: .pooled(pooledGradient, winners: winners), into: weightGrad,
                             imagesPerBlock: imagesPerBlock)
    }
}
