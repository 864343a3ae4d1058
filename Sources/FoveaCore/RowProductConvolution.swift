import CKernels

/// One image whose output plane has only a few pixels (ResNet-18's last stages on 32×32 inputs:
/// 4×4, 2×2 and 1×1 planes), computed as dot products of each filter with each pixel's patch.
///
/// Such a layer is a handful of matrix-vector products over a large weight matrix (512 × 4608
/// floats, 9.4 MB): the time goes into reading the weights, once. BLAS's sgemm first copies them
/// into its packed layout (a second pass over them, and a write), and the panel kernel's 16-pixel
/// panels would run 4–16 times the arithmetic needed. Here each pixel's patch is gathered into
/// one row (a few KB that stay in L1), and `fovea_accumulate_row_products` streams the weights'
/// rows against those rows as they lie; the threads split the output channels. (At inference with
/// AVX-512, where the weight's packs are kept, planes of 2 pixels and more take the channel-vector
/// tiles instead: `ChannelVectorConvolution(oneImage:weightsKept:)`.)
struct RowProductConvolution {
    let kernel: ConvolutionKernel

    /// Planes up to this many output pixels take the row products. convolution-bench small-planes,
    /// 2 threads: 1.2–2.0× faster than the other kernels on 1×1 and 2×2 planes, a tie with the
    /// panels at 3×3, and at 4×4 the panels' arithmetic wins (0.5–0.6× at 256 channels).
    static let maximumPixels = 4

    init?(_ kernel: ConvolutionKernel) {
        guard kernel.batch == 1, kernel.outPlane <= RowProductConvolution.maximumPixels else { return nil }
        self.init(anyShape: kernel)
    }

    /// Wherever it can run (tests, benchmarks): one image, AVX2 + FMA, not depthwise.
    init?(anyShape kernel: ConvolutionKernel) {
        guard ProductKernels.isAvailable, kernel.batch == 1, kernel.depthwise == nil else { return nil }
        self.kernel = kernel
    }

    func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, epilogue: ConvolutionEpilogue,
                 output: UnsafeMutablePointer<Float>) {
        let k = kernel, g = k.geometry, pixels = k.outPlane, patch = k.patch, rows = k.outPerGroup
        // A pointwise window on a single pixel: the image is that pixel's patch, as it lies.
        let inPlace = g.isPointwise && pixels == 1
        let patches = TensorStorage(uninitializedCount: inPlace ? 1 : k.groups * pixels * patch)
        defer { withExtendedLifetime(patches) {} }
        if !inPlace {
            // Split between the threads by input channels (on the caller alone it was 5 % of
            // ResNet-18's batch-1 forward, with the other thread waiting).
            for group in 0..<k.groups {
                let image = input + group * g.channels * k.inPlane, target = patches.pointer + group * pixels * patch
                ThreadPool.shared.parallelRanges(g.channels, minimumPerChunk: 32) { channels in
                    gatherPatches(g, input: image, channels: channels, into: target)
                }
            }
        }
        let patchRows = inPlace ? input : UnsafePointer(patches.pointer)
        ThreadPool.shared.parallelRanges(k.outChannels, minimumPerChunk: 8) { channels in
            output.advanced(by: channels.lowerBound * pixels).update(repeating: 0, count: channels.count * pixels)
            // A chunk may straddle groups: each group's rows multiply that group's patches.
            var first = channels.lowerBound
            while first < channels.upperBound {
                let group = first / rows, end = Swift.min(channels.upperBound, (group + 1) * rows)
                fovea_accumulate_row_products(Int32(end - first), weight + first * patch, patch, Int32(pixels),
                                              patchRows + group * pixels * patch, patch, patch,
                                              output + first * pixels, pixels)
                first = end
            }
            for o in channels {
                epilogue.apply(channel: o, source: output + o * pixels, target: output + o * pixels,
                               residual: epilogue.residual.map { $0 + o * pixels }, count: pixels)
            }
        }
    }

    /// Row p of `patches` is output pixel p's window over the image [C, H, W], in the weights'
    /// (c, i, j) order, with zeros where it reads padding: the part of each row for `channels`.
    /// In C (`fovea_gather_patches`): Swift loops, bounds checked per element, cost 5 % of
    /// ResNet-18's batch-1 forward.
    private func gatherPatches(_ g: WindowGeometry, input: UnsafePointer<Float>, channels: Range<Int>,
                               into patches: UnsafeMutablePointer<Float>) {
        var window = fovea_window(g)
        fovea_gather_patches(&window, input, Int32(channels.lowerBound), Int32(channels.upperBound), patches)
    }
}

extension ConvolutionKernel {
    /// Whether `forward` runs the row products (one image, at most 16 output pixels, AVX2 + FMA).
    public var runsOnRowProducts: Bool { RowProductConvolution(self) != nil }
    /// Whether `forwardByRowProducts` can run here at all (one image, AVX2 + FMA, not depthwise).
    public var canRunOnRowProducts: Bool { RowProductConvolution(anyShape: self) != nil }

    /// The row-product kernel, whichever kernel `forward` would pick (tests and benchmarks compare
    /// it with `forwardByUnfolding`). Requires `canRunOnRowProducts`.
    public func forwardByRowProducts(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, epilogue: ConvolutionEpilogue,
                                     output: UnsafeMutablePointer<Float>) {
        guard let rowProducts = RowProductConvolution(anyShape: self) else {
            preconditionFailure("forwardByRowProducts needs canRunOnRowProducts")
        }
        rowProducts.forward(input: input, weight: weight, epilogue: epilogue, output: output)
    }
}
