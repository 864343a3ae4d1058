import CKernels

/// A stride-1 convolution's weight gradient without im2col: dW[o, (c, i, j)] = Σ dY[o, y, x] ·
/// X[c, y + i·dh − pad, x + j·dw − pad] as dot products of two contiguous rows
/// (Sources/CKernels/row_products.c, with row offsets).
///
/// A block of images is copied channel by channel into zero-padded planes P [C, images, Hp, Wp],
/// and dY into planes of the same size D [O, images, Hp, Wp], zero outside the output's
/// Hout × Wout corner. Then for every tap (i, j) the pixels q of D line up with P at q + i·dh·Wp +
/// j·dw across whole rows and whole images, so row (c, i, j) of the column matrix is plane c of
/// P read from that offset: the row-products kernel takes it where it lies. The zeros of D cancel
/// what the shifted rows read past an output row or image (1 − Hout·Wout / (Hp·Wp) of the work is
/// spent on them: 11 % on ResNet-20's first stage); im2col instead writes and reads a column
/// matrix C·kh·kw times the output plane.
struct DirectWeightGradient {
    let kernel: ConvolutionKernel

    /// The CPU has AVX2 and FMA, and `FOVEA_DIRECT_WEIGHT_GRADIENT=0` is not set (for A/B runs).
    static let isAvailable = kernelSwitchedOn("FOVEA_DIRECT_WEIGHT_GRADIENT") && ProductKernels.isAvailable

    /// Nil where `backward` should not pick it: weights over the row-products kernel's limit
    /// (`ProductKernels.takesRowProducts`: from 64 × 288 up sgemm's blocked kernel wins), or where it cannot run.
    init?(_ kernel: ConvolutionKernel) {
        guard DirectWeightGradient.isAvailable, kernel.outChannels * kernel.patch <= 1 << 14 else { return nil }
        self.init(anyShape: kernel)
    }

    /// Wherever it can run: AVX2 + FMA, no groups, stride 1, not a 1×1 window without padding
    /// (whose column matrix is the input itself).
    init?(anyShape kernel: ConvolutionKernel) {
        let g = kernel.geometry
        guard ProductKernels.isAvailable, kernel.groups == 1, g.strideHeight == 1, g.strideWidth == 1, !g.isPointwise
        else { return nil }
        self.kernel = kernel
    }

    var paddedHeight: Int { kernel.geometry.height + kernel.geometry.padTop + kernel.geometry.padBottom }
    var paddedWidth: Int { kernel.geometry.width + kernel.geometry.padLeft + kernel.geometry.padRight }

    /// Images per block: P and D together within 64 K floats (256 KB, half of Zen 3's L2), as im2col's column budget.
    var imagesPerBlock: Int {
        let perImage = (kernel.geometry.channels + kernel.outChannels) * paddedHeight * paddedWidth
        return Swift.max(1, Swift.min(kernel.batch, ConvolutionKernel.columnBudget / perImage))
    }

    /// Writes dW [O, C, kh, kw] from the input [N, C, H, W] and the (already masked) output gradient [N, O, Hout, Wout].
    /// `imagesPerBlock` overrides the block size (tests: blocks that end before the share does).
    func weightGradient(input: UnsafePointer<Float>, outputGrad: UnsafePointer<Float>, into weightGrad: UnsafeMutablePointer<Float>,
                        imagesPerBlock blockSize: Int? = nil) {
        let k = kernel, g = k.geometry, hp = paddedHeight, wp = paddedWidth, plane = hp * wp
        let outH = g.outputHeight, outW = g.outputWidth, outPlane = k.outPlane
        let channels = g.channels, outChannels = k.outChannels, depth = k.patch, weightCount = outChannels * depth
        let block = blockSize ?? imagesPerBlock, channelStride = block * plane
        // Row (c, i, j) of the column matrix: plane c of P, from tap (i, j).
        var offsets: [Int] = []
        offsets.reserveCapacity(depth)
        for c in 0..<channels {
            for i in 0..<g.kernelHeight {
                for j in 0..<g.kernelWidth { offsets.append(c * channelStride + i * g.dilationHeight * wp + j * g.dilationWidth) }
            }
        }
        // The last row of the last channel reads up to (kw − 1)·dw floats past its block.
        let slack = (g.kernelWidth - 1) * g.dilationWidth + Int(FOVEA_DIRECT_SLACK)
        let (shareCount, share) = k.shares(perThread: 4)   // as DirectConvolution's
        let partials = ThreadBuffers(slots: shareCount, count: weightCount)
        // One P and one D per thread, zeroed once: every block writes the same interiors, so the
        // zeros around them stay. (A slot past a short last block keeps an earlier image; what the
        // shifted rows read there meets D's zeros, as a block's next image always did.)
        let slots = ThreadPool.shared.threadSlots
        let paddedPlanes = ThreadBuffers(slots: slots, count: channels * channelStride + slack)
        let gradientPlanes = ThreadBuffers(slots: slots, count: outChannels * channelStride)
        offsets.withUnsafeBufferPointer { offsets in
            ThreadPool.shared.parallelFor(shareCount) { s, thread in
                let padded = paddedPlanes.buffer(thread), gradient = gradientPlanes.buffer(thread), partial = partials.buffer(s)
                withExtendedLifetime((paddedPlanes, gradientPlanes, partials)) {
                    let images = share(s)
                    for first in stride(from: images.lowerBound, to: images.upperBound, by: block) {
                        let count = Swift.min(block, images.upperBound - first)
                        for b in 0..<count {
                            // Each plane into its channel's block, slot b (planes channelStride apart).
                            fovea_copy_planes(input + (first + b) * channels * g.height * g.width, channels, g.height, g.width,
                                              padded + b * plane + g.padTop * wp + g.padLeft, wp, channelStride)
                            fovea_copy_planes(outputGrad + (first + b) * outChannels * outPlane, outChannels, outH, outW,
                                              gradient + b * plane, wp, channelStride)
                        }
                        // The last image's rows past Hout are zero in D: they are left out.
                        let width = (count - 1) * plane + outH * wp
                        fovea_accumulate_offset_row_products(Int32(outChannels), gradient, channelStride, Int32(depth),
                                                             padded, offsets.baseAddress!, width, partial, depth)
                    }
                }
            }
        }
        sumOfPartials(partials.all, count: weightCount, into: weightGrad)
    }
}

extension ConvolutionKernel {
    /// Whether `backward` computes the weight gradient with `DirectWeightGradient`.
    public var weightGradientRunsDirectly: Bool {
        if case .rowProducts = weightGradientPath { true } else { false }
    }
    /// Whether `weightGradientDirectly` can run here at all (AVX2 + FMA, no groups, stride 1).
    public var canComputeWeightGradientDirectly: Bool { DirectWeightGradient(anyShape: self) != nil }

    /// dW from the input and the output gradient (no activation mask: pass dY already masked) by
    /// `DirectWeightGradient`, whichever kernel `backward` would pick (tests and benchmarks
    /// compare it with `backwardByUnfolding`). Requires `canComputeWeightGradientDirectly`.
    public func weightGradientDirectly(input: UnsafePointer<Float>, outputGrad: UnsafePointer<Float>,
                                       into weightGrad: UnsafeMutablePointer<Float>, imagesPerBlock: Int? = nil) {
        guard let direct = DirectWeightGradient(anyShape: self) else {
            preconditionFailure("weightGradientDirectly needs canComputeWeightGradientDirectly")
        }
        direct.weightGradient(input: input, outputGrad: outputGrad, into: weightGrad, imagesPerBlock: imagesPerBlock)
    }
}
