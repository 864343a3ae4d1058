import CKernels

/// A convolution with output channels in the vector lanes (Sources/CKernels/
/// channel_vector_convolution.c): each tile is 16 output channels of up to 6 pixels, anywhere in
/// the plane, and each patch element costs one broadcast input value per pixel and two vectors
/// of packed weights for 12 FMAs (with AVX-512, up to 64 channels × 6 pixels: four weight vectors
/// and six broadcasts for 24 FMAs). The direct kernel puts 16 pixels of one output row in the
/// lanes instead, so rows of 13 (keras-cifar-cnn's second convolution) leave 3 of 16 lanes idle
/// and rows of 8 need a second pass per vector pair; the panel kernel fills its lanes from any
/// rows but must first gather every panel into an unfolded copy. Here the input is read where it
/// lies in a padded copy of the image, as the direct kernel reads it.
struct ChannelVectorConvolution {
    let kernel: ConvolutionKernel

    /// The CPU has AVX2 and FMA, and `FOVEA_CHANNEL_VECTOR_CONVOLUTION=0` is not set (for A/B runs).
    static let isAvailable = kernelSwitchedOn("FOVEA_CHANNEL_VECTOR_CONVOLUTION") && fovea_panel_convolution_available() != 0

    /// Nil where `forward` should not pick it (see `init?(anyShape:)` for where it can run at all).
    init?(_ kernel: ConvolutionKernel) {
        // convolution-bench channel-vectors, 2 threads: it won where output rows are not whole
        // 8-pixel vectors (keras-cifar-cnn's 32 → 64 on 13×13 outputs 1.32–1.33× against the
        // panels, LeNet-5's 6 → 16 on 10×10 1.21–1.79× against the direct kernel), on whole
        // 16-channel groups and patches of 64 and more (at keras-cifar-cnn's 27 the per-tile stores
        // cost more than the lanes save: 0.41–0.85×). On rows of 8, 16 and 32 it tied with the
        // direct and panel kernels (0.95–1.11×), and lost to Winograd (0.8×). One image is shared
        // out by tiles and ran 0.6–0.8× the direct and panel kernels. Planes under 64 pixels leave
        // too few pixels per tile to hide the FMA latency (a 1×1 plane: one sum at a time):
        // ResNet-18 at 3×32×32 (planes 4×4 to 1×1) A/B on the Xeon, off against on, training
        // 429–491 → 460–554 img/s, inference 2,073–2,339 → 2,342–2,856.
        // With AVX-512 a tile takes four channel groups (64 channels) × 6 pixels: 24 sums for 10 loads.
        // convolution-bench channel-vectors, 2 threads, two runs: against the best other kernel,
        // keras-cifar-cnn's 32 → 64 on 13×13 1.71–1.83×, 64 → 64 on 8×8 (ResNet-20 stage 3, ResNet-18
        // layer1) 1.15–1.37×; 32 → 32 on 16×16 tied with the direct kernel (0.93–1.04×), 16 → 16 lost
        // (0.64–0.71×): so with AVX-512, rows of whole vectors too where there are 64 channels or more.
        // (Winograd, picked before this kernel, keeps SimpleCNN's and the seed ResNet's 3×3 layers.)
        // Stride 2 too, on rows under a whole 16-pixel strip (those take the direct kernel), where the
        // panels ran before (the tile's pixels are any of the plane; convolution-bench strided, Zen 4,
        // two runs): ResNet-20's stage 3 entry 1.63–1.67 ms against the panels' 2.07–2.14 at batch
        // 128, 0.78 against 0.91–0.94 at 64; the seed ResNet's stage 3 entry 5.87–5.89 against
        // 6.67–6.73. (Its stage 2 entry, 16×16 outputs, 6.04–6.05 against the direct kernel's
        // 6.29–6.31, but the seed's inference A/B with it lost, 0.945×: left to the direct kernel.
        // Planes under 64 pixels stay with the panels: ResNet-18's layer 3 entry at 4×4, 0.95–0.96 against 0.75.)
        let g = kernel.geometry, threads = ThreadPool.shared.threadCount
        let wholeBlocks = fovea_wide_tiles_available() != 0 && kernel.outChannels >= 64
        guard kernel.outChannels % Int(FOVEA_CHANNEL_GROUP) == 0, kernel.patch >= 64, kernel.batch >= 2 * threads,
              kernel.outPlane >= 64,
              g.strideHeight == g.strideWidth && (g.strideWidth == 1 || (g.strideWidth == 2 && g.outputWidth < 16)),
              !g.isPointwise, g.outputWidth % 8 != 0 || wholeBlocks
        else { return nil }
        self.init(anyShape: kernel)
    }

    /// One image on a small plane (2 to 49 pixels: ResNet-18's 4×4 and 2×2 stages at 3×32×32, its
    /// 7×7 one at 224×224) with the weight's packs kept (inference) and AVX-512: the threads share
    /// the 64-channel blocks where the plane is under two 6-pixel tiles per thread (else its pixel
    /// runs), each tile 4 weight vectors and P broadcasts for 4P FMAs. convolution-bench
    /// small-planes (Zen 4, five runs, min–median): 128 → 128 at 4×4 0.026 ms against the panels'
    /// 0.051–0.052; 256 at 2×2 0.028–0.029 against the row products' 0.031–0.033; 512 at 7×7
    /// 1.13–1.15 against im2col + GEMM's 1.38–1.42; the strided entries even. One pixel stays with
    /// the row products (a matrix-vector product: 0.006 against 0.009).
    /// `FOVEA_ONE_IMAGE_CHANNEL_VECTORS=0` turns it off (A/B runs).
    init?(oneImage kernel: ConvolutionKernel, weightsKept: Bool) {
        guard weightsKept, ChannelVectorConvolution.oneImageEnabled, fovea_wide_tiles_available() != 0,
              kernel.batch < ThreadPool.shared.threadCount, kernel.outChannels >= 128,
              kernel.outChannels % Int(FOVEA_CHANNEL_GROUP) == 0, kernel.patch >= 64, (2...49).contains(kernel.outPlane)
        else { return nil }
        self.init(anyShape: kernel)
    }

    static let oneImageEnabled = kernelSwitchedOn("FOVEA_ONE_IMAGE_CHANNEL_VECTORS")

    /// Wherever the kernel can run: AVX2 + FMA, no groups, offsets within 32 bits.
    init?(anyShape kernel: ConvolutionKernel) {
        let padding = PaddedImage(kernel.geometry)
        guard ChannelVectorConvolution.isAvailable, kernel.groups == 1, padding.count < Int(Int32.max) else { return nil }
        self.kernel = kernel
    }

    func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, epilogue: ConvolutionEpilogue,
                 output: UnsafeMutablePointer<Float>, packs: WeightPacks? = nil) {
        let g = kernel.geometry
        forward(input: input, weight: weight, epilogue: epilogue,
                outputs: ConvolutionImageOutputs(output, channels: kernel.outChannels, height: g.outputHeight, width: g.outputWidth),
                packs: packs)
    }

    /// Whether `forward` takes whole images, one per thread at a time (and so can pool each image's output).
    var runsImageByImage: Bool { kernel.batch >= 2 * ThreadPool.shared.threadCount }

    func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, epilogue: ConvolutionEpilogue,
                 outputs: ConvolutionImageOutputs, packs: WeightPacks? = nil) {
        precondition(!outputs.pooled || runsImageByImage || poolsInRegisters(epilogue: epilogue),
                     "ChannelVectorConvolution: pooled outputs need one image per thread, or the pool in registers")
        let k = kernel, g = k.geometry, depth = k.patch, output = outputs.output, plane = k.outPlane, group = Int(FOVEA_CHANNEL_GROUP)
        let padding = PaddedImage(g)
        let inputSize = g.channels * k.inPlane, outputSize = k.outChannels * plane
        let groups = (k.outChannels + group - 1) / group
        let packed = packs.packed(weight, layout: WeightPacks.Layout(reader: .channelVectors, variant: 0, count: groups * depth * group)) {
            fovea_channel_vector_pack_weights(weight, Int32(k.outChannels), Int32(depth), $0)
        }
        defer { withExtendedLifetime(packed) {} }
        let window = fovea_window(g)
        func run(image n: Int, groups groupRange: Range<Int>, pixels: Range<Int>, padded: UnsafePointer<Float>,
                 into target: UnsafeMutablePointer<Float>) {
            var window = window
            var imageEpilogue = epilogue.kernelForm(residualOffset: n * outputSize)
            fovea_channel_vector_convolution(&window, padded, Int32(padding.height), Int32(padding.width), packed.pointer,
                                             Int32(k.outChannels), Int32(groupRange.lowerBound), Int32(groupRange.upperBound),
                                             Int32(pixels.lowerBound), Int32(pixels.upperBound), target, &imageEpilogue)
        }

        if outputs.pooled && poolsInRegisters(epilogue: epilogue) {
            return forwardPooledInRegisters(input: input, packed: packed.pointer, epilogue: epilogue, output: output,
                                            winners: outputs.winners)
        }
        let threads = ThreadPool.shared.threadCount
        // Every load lands inside the padded planes (no vector runs past a row): without padding
        // the input itself is the padded copy.
        let unpadded = g.padTop == 0 && g.padLeft == 0 && g.padBottom == 0 && g.padRight == 0
        if unpadded && runsImageByImage {
            // Whole images, so that the AVX-512 tile takes four channel groups at once.
            return outputs.keepAlive {
                ThreadPool.shared.parallelFor(k.batch) { n, thread in
                    run(image: n, groups: 0..<groups, pixels: 0..<plane, padded: input + n * inputSize,
                        into: outputs.target(image: n, thread: thread))
                    outputs.finish(image: n, thread: thread)
                }
            }
        }
        // Few images are shared out by runs of 6-pixel tiles and, with AVX2, by channel groups too;
        // AVX-512 tiles take four groups at once, so there each share is a run through all groups
        // (keras-cifar-cnn's 32 → 64 on one image: 0.054–0.075 → 0.045–0.052 ms; the panel kernel,
        // which `forward` picks there, 0.038–0.041).
        let wide = fovea_wide_tiles_available() != 0
        let tiles = (plane + 5) / 6
        // Planes of a few tiles (4×4 and under) leave the pixel runs too few to share: there the
        // AVX-512 threads share the 64-channel blocks, each reading only its blocks' weights once.
        let blocks = (groups + Int(FOVEA_CHANNEL_BLOCK) - 1) / Int(FOVEA_CHANNEL_BLOCK)
        let blockShares = wide && tiles < 2 * threads ? Swift.min(blocks, threads) : 1
        let shareGroups = wide ? blockShares : groups
        let runs = blockShares > 1 ? 1 : Swift.max(1, Swift.min(tiles, wide ? 2 * threads : 4 * threads / Swift.min(groups, 4 * threads)))
        func pixelRun(_ r: Int) -> Range<Int> { Swift.min(plane, 6 * (tiles * r / runs))..<Swift.min(plane, 6 * (tiles * (r + 1) / runs)) }
        func groupRange(_ index: Int) -> Range<Int> {
            guard wide else { return index..<(index + 1) }
            let block = Int(FOVEA_CHANNEL_BLOCK)
            return Swift.min(groups, block * (blocks * index / blockShares))..<Swift.min(groups, block * (blocks * (index + 1) / blockShares))
        }
        if unpadded {
            return ThreadPool.shared.parallelFor(k.batch * shareGroups * runs) { item in
                let n = item / (shareGroups * runs), group = item / runs % shareGroups, r = item % runs
                run(image: n, groups: groupRange(group), pixels: pixelRun(r), padded: input + n * inputSize, into: output + n * outputSize)
            }
        }
        if runsImageByImage {
            // Images taken in turn, each padded into its thread's buffer.
            let buffers = ThreadBuffers(slots: ThreadPool.shared.threadSlots, count: padding.count)
            defer { withExtendedLifetime(buffers) {} }
            outputs.keepAlive {
                ThreadPool.shared.parallelFor(k.batch) { n, thread in
                    let buffer = buffers.buffer(thread)
                    padding.copy(input + n * inputSize, into: buffer)
                    run(image: n, groups: 0..<groups, pixels: 0..<plane, padded: buffer, into: outputs.target(image: n, thread: thread))
                    outputs.finish(image: n, thread: thread)
                }
            }
        } else {
            let buffer = TensorStorage(repeating: 0, count: padding.count)
            defer { withExtendedLifetime(buffer) {} }
            for n in 0..<k.batch {
                padding.copy(input + n * inputSize, into: buffer.pointer)
                ThreadPool.shared.parallelFor(shareGroups * runs) { item in
                    run(image: n, groups: groupRange(item / runs), pixels: pixelRun(item % runs), padded: buffer.pointer,
                        into: output + n * outputSize)
                }
            }
        }
    }
}

extension ChannelVectorConvolution {
    /// Whether a pooled `forward` pools in the tiles' registers (AVX-512, stride 1, no residual),
    /// winners and all: its outputs then need no buffers.
    func poolsInRegisters(epilogue: ConvolutionEpilogue) -> Bool {
        let g = kernel.geometry
        return epilogue.residual == nil && fovea_wide_tiles_available() != 0 && g.strideHeight == 1 && g.strideWidth == 1
    }

    /// Through a 2×2 max pool with AVX-512: each image's pooled output (and winners, training)
    /// straight from the tile's registers (`fovea_channel_vector_convolution_pooled`), whole images one per thread at
    /// a time; fewer images than twice the threads share each image's pooled rows (the caller
    /// pads it once). The full-size activation is never stored, and the pixels the pool drops
    /// (the last row and column of an odd plane: 25 of keras-cifar-cnn's 169) are never computed.
    private func forwardPooledInRegisters(input: UnsafePointer<Float>, packed: UnsafePointer<Float>, epilogue: ConvolutionEpilogue,
                                          output: UnsafeMutablePointer<Float>, winners: UnsafeMutablePointer<Int32>?) {
        let k = kernel, g = k.geometry, padding = PaddedImage(g), window = fovea_window(g)
        precondition(g.strideHeight == 1 && g.strideWidth == 1, "ChannelVectorConvolution: the pooled tiles take stride 1 only")
        let inputSize = g.channels * k.inPlane, pooledHeight = g.outputHeight / 2
        let pooledSize = k.outChannels * pooledHeight * (g.outputWidth / 2)
        let unpadded = g.padTop == 0 && g.padLeft == 0 && g.padBottom == 0 && g.padRight == 0
        let byImage = runsImageByImage
        let buffers = unpadded ? [] : (0..<(byImage ? ThreadPool.shared.threadSlots : 1)).map { _ in
            TensorStorage(repeating: 0, count: padding.count)
        }
        func run(image n: Int, rows: Range<Int>, padded: UnsafePointer<Float>) {
            var window = window
            var imageEpilogue = epilogue.kernelForm(residualOffset: nil)
            fovea_channel_vector_convolution_pooled(&window, padded, Int32(padding.height), Int32(padding.width), packed,
                                                    Int32(k.outChannels), Int32(rows.lowerBound), Int32(rows.upperBound),
                                                    output + n * pooledSize, winners.map { $0 + n * pooledSize }, &imageEpilogue)
        }
        withExtendedLifetime(buffers) {
            if byImage {
                return ThreadPool.shared.parallelFor(k.batch) { n, thread in
                    guard !unpadded else { return run(image: n, rows: 0..<pooledHeight, padded: input + n * inputSize) }
                    padding.copy(input + n * inputSize, into: buffers[thread].pointer)
                    run(image: n, rows: 0..<pooledHeight, padded: buffers[thread].pointer)
                }
            }
            let chunks = Swift.min(ThreadPool.shared.threadCount, pooledHeight)
            for n in 0..<k.batch {
                var padded = input + n * inputSize
                if !unpadded {
                    padding.copy(padded, into: buffers[0].pointer)
                    padded = UnsafePointer(buffers[0].pointer)
                }
                ThreadPool.shared.parallelFor(chunks) { chunk in
                    run(image: n, rows: (pooledHeight * chunk / chunks)..<(pooledHeight * (chunk + 1) / chunks), padded: padded)
                }
            }
        }
    }
}

extension ConvolutionKernel {
    /// Whether `forward` runs the channel-vector kernel (`ChannelVectorConvolution`).
    public var runsOnChannelVectors: Bool { ChannelVectorConvolution(self) != nil }
    /// Whether `forwardByChannelVectors` can run here at all (AVX2 + FMA, no groups).
    public var canRunOnChannelVectors: Bool { ChannelVectorConvolution(anyShape: self) != nil }

    /// The channel-vector kernel, whichever kernel `forward` would pick (tests and benchmarks
    /// compare it with `forwardByUnfolding`), on any shape it can run. Requires `canRunOnChannelVectors`.
    /// `packs`: the weight's packs kept between calls, as a layer at inference keeps them.
    public func forwardByChannelVectors(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, epilogue: ConvolutionEpilogue,
                                        output: UnsafeMutablePointer<Float>, packs: WeightPacks? = nil) {
        guard let kernel = ChannelVectorConvolution(anyShape: self) else {
            preconditionFailure("forwardByChannelVectors needs canRunOnChannelVectors")
        }
        kernel.forward(input: input, weight: weight, epilogue: epilogue, output: output, packs: packs)
    }
}
