import CKernels

/// Winograd F(4×4, 3×3) with 16 channels in each AVX-512 vector's lanes, one image at a time
/// (Sources/CKernels/channel_lane_winograd.c): the image is transposed once into a padded
/// pixel-major copy, and blocks of 4 or 8 tiles go through the input transform, the 36 products
/// (each weight vector read once for 4 or 8 multiply-adds) and the output transform and
/// epilogue while they are in cache. 36 multiplies per tile and channel pair where the direct
/// kernel does 144. `WinogradKernel`'s F(4×4), with tiles in the lanes, measured even with the
/// direct kernel at 16 channels: 16-deep GEMMs, and V and M through L2 per block.
struct ChannelLaneWinograd {
    let kernel: ConvolutionKernel

    /// AVX-512, and `FOVEA_CHANNEL_LANE_WINOGRAD=0` not set (A/B runs).
    static let isAvailable = kernelSwitchedOn("FOVEA_CHANNEL_LANE_WINOGRAD") && ConvolutionKernel.wideTilesAvailable

    /// Nil where `backward` should not pick it for dW: as for the forward (see `init?(_:)`), with
    /// each thread's dU sums (as large as the transformed weights) at most 2.5 MB. Against the
    /// outer products (convolution-bench lane-winograd-gradients, Zen 4, three runs): 1.6–3.5× from
    /// 16 to 128 channels (ResNet-20's three stages, SimpleCNN's blocks, the seed ResNet's stages 1
    /// and 2); 256 × 256 at 8×8 (the seed's stage 3, 9.4 MB of sums per thread) lost, 0.86–0.96×.
    init?(weightGradientOf kernel: ConvolutionKernel) {
        guard ChannelLaneWinograd.weightGradientEnabled, ChannelLaneWinograd.transformedBytes(kernel) <= 5 << 19 else { return nil }
        self.init(kernel)
    }

    /// `FOVEA_LANE_WINOGRAD_WEIGHT_GRADIENT=0` leaves dW to the outer products (A/B runs).
    static let weightGradientEnabled = kernelSwitchedOn("FOVEA_LANE_WINOGRAD_WEIGHT_GRADIENT")

    /// Nil where `forward` should not pick it (see `init?(anyShape:)`). Where 512-bit units run in
    /// halves (Zen 4) it ran 1.4–2.9× the best other kernel on ResNet-20's, SimpleCNN's, the seed
    /// ResNet's and ResNet-18's 3×3 layers from 16 to 128 channels (convolution-bench
    /// lane-winograd, three runs); 256 × 256 at 8×8 (9 MB of transformed weights) 0.92–1.54×,
    /// kept; larger weights unmeasured. On a full-width Xeon the direct kernel does twice the
    /// multiply-adds per cycle, and this was not measured there: not taken. Fewer images than
    /// threads only with the weight's transforms kept (a layer at inference, `WeightPacks`): one
    /// image 1.6–3.7× (convolution-bench batch-one).
    init?(_ kernel: ConvolutionKernel, weightsKept: Bool = false) {
        guard kernel.batch >= ThreadPool.shared.threadCount || weightsKept, ConvolutionKernel.wideTilesRunInHalves,
              ChannelLaneWinograd.transformedBytes(kernel) <= 36 << 18
        else { return nil }
        self.init(anyShape: kernel)
    }

    /// Bytes of the transformed weights U (36 positions × C × K floats), and of each thread's dU sums.
    static func transformedBytes(_ kernel: ConvolutionKernel) -> Int {
        36 * kernel.geometry.channels * kernel.outChannels * MemoryLayout<Float>.stride
    }

    /// Wherever it can run: AVX-512, 3×3, stride 1, padding 1 ("same"), no dilation or groups,
    /// channels both ways in whole vectors, outputs in whole 4×4 tiles and blocks of 4 tiles.
    init?(anyShape kernel: ConvolutionKernel) {
        let g = kernel.geometry
        guard ChannelLaneWinograd.isAvailable, kernel.groups == 1, g.kernelHeight == 3, g.kernelWidth == 3,
              g.strideHeight == 1, g.strideWidth == 1, g.dilationHeight == 1, g.dilationWidth == 1,
              g.padTop == 1, g.padBottom == 1, g.padLeft == 1, g.padRight == 1,
              g.channels % 16 == 0, kernel.outChannels % 16 == 0, g.height % 4 == 0, g.width % 4 == 0,
              (g.height / 4) * (g.width / 4) % 4 == 0
        else { return nil }
        self.kernel = kernel
    }

    func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, epilogue: ConvolutionEpilogue,
                 output: UnsafeMutablePointer<Float>, packs: WeightPacks? = nil) {
        let k = kernel, g = k.geometry, channels = g.channels, outChannels = k.outChannels
        let inputSize = channels * k.inPlane, outputSize = outChannels * k.outPlane
        let tiles = (g.height / 4) * (g.width / 4)
        let layout = WeightPacks.Layout(reader: .laneWinograd, variant: 0, count: 36 * channels * outChannels)
        let packed = packs.packed(weight, layout: layout) { u in
            ThreadPool.shared.parallelRanges(channels) { range in
                fovea_lane_winograd_pack_weights(weight, Int32(channels), Int32(outChannels), Int32(range.lowerBound),
                                                 Int32(range.upperBound), u)
            }
        }
        let scratchCount = fovea_lane_winograd_scratch_floats(Int32(channels), Int32(outChannels), Int32(g.height), Int32(g.width))
        let buffers = (0..<ThreadPool.shared.threadSlots).map { _ in TensorStorage(uninitializedCount: scratchCount) }
        func run(image n: Int, tiles: Range<Int>, outputs: Range<Int>, thread: Int) {
            var imageEpilogue = epilogue.kernelForm(residualOffset: n * outputSize)
            fovea_lane_winograd_forward_image(input + n * inputSize, Int32(channels), Int32(g.height), Int32(g.width),
                                              packed.pointer, Int32(outChannels), output + n * outputSize, &imageEpilogue,
                                              Int32(tiles.lowerBound), Int32(tiles.upperBound), Int32(outputs.lowerBound),
                                              Int32(outputs.upperBound), buffers[thread].pointer)
        }
        let threads = ThreadPool.shared.threadCount
        withExtendedLifetime((packed, buffers)) {
            if k.batch >= threads {
                ThreadPool.shared.parallelFor(k.batch) { n, thread in run(image: n, tiles: 0..<tiles, outputs: 0..<outChannels, thread: thread) }
                return
            }
            // Fewer images than threads: the threads share each image's blocks of tiles, each padding
            // only the rows its tiles read; where there are fewer blocks than threads (one 8×8
            // plane's four tiles), its 16-channel groups of outputs, each thread transforming the
            // whole input.
            let block = Int(fovea_lane_winograd_block_tiles(Int32(g.height), Int32(g.width)))
            let blocks = tiles / block, groups = outChannels / 16
            let byTiles = blocks >= threads || groups < threads
            let shares = Swift.min(threads, byTiles ? blocks : groups)
            for n in 0..<k.batch {
                ThreadPool.shared.parallelFor(shares) { share, thread in
                    if byTiles {
                        let range = (blocks * share / shares * block)..<(blocks * (share + 1) / shares * block)
                        run(image: n, tiles: range, outputs: 0..<outChannels, thread: thread)
                    } else {
                        let range = (groups * share / shares * 16)..<(groups * (share + 1) / shares * 16)
                        run(image: n, tiles: 0..<tiles, outputs: range, thread: thread)
                    }
                }
            }
        }
    }

    /// Writes dW [K, C, 3, 3] from the input [N, C, H, W] and the (already masked) output gradient
    /// [N, K, H, W]: each thread sums its images' dU in its own buffer, then the threads share the
    /// input channels of dW = Gᵀ (Σ dU) G.
    func weightGradient(input: UnsafePointer<Float>, outputGrad: UnsafePointer<Float>, into weightGrad: UnsafeMutablePointer<Float>) {
        let k = kernel, g = k.geometry, channels = g.channels, outChannels = k.outChannels
        let inputSize = channels * k.inPlane, outputSize = outChannels * k.outPlane
        let scratchCount = fovea_lane_winograd_gradient_scratch_floats(Int32(channels), Int32(outChannels), Int32(g.height), Int32(g.width))
        let slots = ThreadPool.shared.threadSlots
        let sums = ThreadBuffers(slots: slots, count: 36 * channels * outChannels)   // zeros when first taken
        let scratch = (0..<slots).map { _ in TensorStorage(uninitializedCount: scratchCount) }
        withExtendedLifetime(scratch) {
            ThreadPool.shared.parallelFor(k.batch) { n, thread in
                fovea_lane_winograd_weight_gradient_image(input + n * inputSize, Int32(channels), Int32(g.height), Int32(g.width),
                                                          outputGrad + n * outputSize, Int32(outChannels), sums.buffer(thread),
                                                          scratch[thread].pointer)
            }
        }
        let partials = sums.taken
        let pointers: [UnsafePointer<Float>?] = partials.map { UnsafePointer($0.pointer) }
        withExtendedLifetime(partials) {
            pointers.withUnsafeBufferPointer { list in
                ThreadPool.shared.parallelRanges(channels) { range in
                    fovea_lane_winograd_weight_gradient_finish(list.baseAddress, Int32(list.count), Int32(channels), Int32(outChannels),
                                                               Int32(range.lowerBound), Int32(range.upperBound), weightGrad)
                }
            }
        }
    }
}

extension ConvolutionKernel {
    /// Whether `backward` computes dW by channel-lane Winograd.
    public var weightGradientRunsChannelLaneWinograd: Bool { ChannelLaneWinograd(weightGradientOf: self) != nil }

    /// dW (overwritten) from the input and the already masked output gradient by channel-lane
    /// Winograd whichever kernel `backward` would pick (tests and benchmarks). Requires `canRunChannelLaneWinograd`.
    public func weightGradientByChannelLaneWinograd(input: UnsafePointer<Float>, outputGrad: UnsafePointer<Float>,
                                                    into weightGrad: UnsafeMutablePointer<Float>) {
        guard let kernel = ChannelLaneWinograd(anyShape: self) else {
            preconditionFailure("weightGradientByChannelLaneWinograd needs canRunChannelLaneWinograd")
        }
        kernel.weightGradient(input: input, outputGrad: outputGrad, into: weightGrad)
    }

    /// Whether `forward` runs Winograd with channels in the lanes (`ChannelLaneWinograd`).
    public var runsChannelLaneWinograd: Bool { ChannelLaneWinograd(self) != nil }
    /// Whether it does when handed the weight's packs (a layer at inference).
    public var runsChannelLaneWinogradWithWeightsKept: Bool { ChannelLaneWinograd(self, weightsKept: true) != nil }
    /// Whether `forwardByChannelLaneWinograd` can run here at all.
    public var canRunChannelLaneWinograd: Bool { ChannelLaneWinograd(anyShape: self) != nil }

    /// The channel-lane Winograd kernel whichever kernel `forward` would pick (tests and
    /// benchmarks). Requires `canRunChannelLaneWinograd`.
    public func forwardByChannelLaneWinograd(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, epilogue: ConvolutionEpilogue,
                                             output: UnsafeMutablePointer<Float>, packs: WeightPacks? = nil) {
        guard let kernel = ChannelLaneWinograd(anyShape: self) else {
            preconditionFailure("forwardByChannelLaneWinograd needs canRunChannelLaneWinograd")
        }
        kernel.forward(input: input, weight: weight, epilogue: epilogue, output: output, packs: packs)
    }
}
