import CKernels

/// A convolution computed straight from the input (Sources/CKernels/direct_convolution.c): each
/// image is copied once into zero-padded planes (valid ones too), and the AVX2 kernel reads patch
/// element (c, i, j) of 16 neighbouring output pixels as 16 neighbouring floats of padded plane c,
/// at a fixed offset from the output row. With a horizontal stride s > 1 the copy splits every
/// padded row into its s column phases (columns 0, s, 2s, … then 1, s + 1, …), so the 16 pixels'
/// elements are neighbours again; the stride-2 layers of ResNets took im2col + GEMM or the
/// panels' gathered unfold before, at 20–60 GFLOP/s (convolution-bench strided). im2col writes
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
        // panel among more output channels, is as fast. Strided (the strided table): it wins
        // wherever output rows are 16 pixels or more (whole strips; the stems of ResNet-18,
        // MobileNetV2 and AlexNet, ResNet-20's stage 2 entry, 1.2–1.7×) whatever the channels,
        // against the panels' gathered unfold; on 8×8 outputs and less the panels win.
        // Fewer images than threads share each image's rows: on planes of 101–256 outputs (12×12 to
        // 16×16 measured) the panels, which share pixels, won (convolution-bench direct, one image, 2 threads, two runs:
        // ResNet-20's stage 2 0.030–0.041 against 0.042–0.045 ms, 16 channels at 16×16 0.011 against
        // 0.015–0.017, 32 at 12×12 0.019–0.045 against 0.034–0.037); LeNet-5's 10×10 tied, and from
        // 20×20 up they split (16 channels at 24×24 0.030 against 0.025, 32 at 32×32 0.12 against 0.10).
        // Since each thread packs and pads for its own rows (eighteenth session), rows of whole
        // strips went to the direct kernel whatever the channels (batch-one table, 2 threads, three
        // runs: ResNet-20's stage 2 0.031–0.038 against the panels' 0.036–0.048, SimpleCNN's 32 → 64
        // and 64 → 64 at 16×16 0.045–0.074 and 0.12–0.19 against 0.065–0.13 and 0.15–0.20, 128 at
        // 28×28 1.0–1.6 against 1.4–1.6, 256 at 16×16 1.9 against 2.4); narrower rows, and strided
        // ones (ResNet-20's stage 2 entry 0.032–0.035 against 0.030), as before.
        let g = kernel.geometry, sharesRows = kernel.batch < ThreadPool.shared.threadCount, wholeStrips = g.outputWidth >= 16
        let wins = g.strideWidth == 1 ? kernel.outChannels < PanelConvolution.minimumOutputChannels || (sharesRows && wholeStrips)
            : wholeStrips
        let sharesSmallPlanes = sharesRows && (!wholeStrips || g.strideWidth > 1) && (101...256).contains(kernel.outPlane)
            && PanelConvolution(kernel) != nil
        guard DirectConvolution.isAvailable, wins, !sharesSmallPlanes else { return nil }
        self.init(anyShape: kernel)
    }

    /// Wherever the kernel can run: AVX2 + FMA, no groups, a horizontal stride of at most
    /// `FOVEA_DIRECT_MAXIMUM_STRIDE`, not a 1×1 window without padding (whose column matrix is the
    /// image itself), offsets within 32 bits.
    init?(anyShape kernel: ConvolutionKernel) {
        let g = kernel.geometry
        guard PanelConvolution.isAvailable, kernel.groups == 1, g.strideWidth <= Int(FOVEA_DIRECT_MAXIMUM_STRIDE), !g.isPointwise,
              g.channels * (g.height + g.padTop + g.padBottom) * (g.width + g.padLeft + g.padRight) < Int(Int32.max)
        else { return nil }
        self.kernel = kernel
    }

    func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, epilogue: ConvolutionEpilogue,
                 output: UnsafeMutablePointer<Float>, packs: WeightPacks? = nil) {
        let g = kernel.geometry
        forward(input: input, weight: weight, epilogue: epilogue,
                outputs: ConvolutionImageOutputs(output, channels: kernel.outChannels, height: g.outputHeight, width: g.outputWidth),
                packs: packs)
    }

    /// Whether `forward` takes whole images, one per thread at a time (else the threads share each image's rows).
    var runsImageByImage: Bool { kernel.batch >= ThreadPool.shared.threadCount }

    func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, epilogue: ConvolutionEpilogue,
                 outputs: ConvolutionImageOutputs, packs: WeightPacks? = nil) {
        let k = kernel, g = k.geometry
        let padding = PaddedImage(g, columnPhases: g.strideWidth)
        let paddedHeight = padding.height, paddedWidth = padding.width, paddedSize = padding.count
        let inputSize = g.channels * k.inPlane, outputSize = k.outChannels * k.outPlane
        let window = fovea_window(g), packedSize = k.outChannels * k.patch
        func pack(into packed: UnsafeMutablePointer<Float>) {
            var window = window
            fovea_direct_pack_weights(&window, weight, Int32(k.outChannels), packed)
        }
        // Narrow and wide strips (over 8 output columns, with AVX-512) read different packs.
        let layout = WeightPacks.Layout(reader: .direct, variant: g.outputWidth > 8 ? 1 : 0, count: packedSize)
        func pad(image n: Int, into buffer: UnsafeMutablePointer<Float>) { padding.copy(input + n * inputSize, into: buffer) }
        func run(image n: Int, rows: Range<Int>, padded: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                 into target: UnsafeMutablePointer<Float>) {
            var window = window
            var imageEpilogue = epilogue.kernelForm(residualOffset: n * outputSize)
            fovea_direct_convolution(&window, padded, Int32(paddedHeight), Int32(paddedWidth), weight, Int32(k.outChannels),
                                     Int32(rows.lowerBound), Int32(rows.upperBound), target, &imageEpilogue)
        }

        // Through a 2×2 max pool: the tiles pool their row pairs in registers, straight into the
        // pooled output, with the winners where training keeps them (no per-thread buffer, no pool
        // pass; pixels the pool drops are never computed). keras-cifar-cnn's first convolution:
        // its pool pass was 8.6 % of the batch-64 forward.
        let poolsInRegisters = outputs.pooled && poolsInRegisters(epilogue: epilogue)
        let pooledSize = k.outChannels * (g.outputHeight / 2) * (g.outputWidth / 2)
        func runPooled(image n: Int, pairs: Range<Int>, padded: UnsafePointer<Float>, weight: UnsafePointer<Float>) {
            var window = window
            var imageEpilogue = epilogue.kernelForm(residualOffset: nil)
            fovea_direct_convolution_pooled(&window, padded, Int32(paddedHeight), Int32(paddedWidth), weight, Int32(k.outChannels),
                                            Int32(pairs.lowerBound), Int32(pairs.upperBound), outputs.output + n * pooledSize,
                                            outputs.winners.map { $0 + n * pooledSize }, &imageEpilogue)
        }

        if runsImageByImage {
            // Images taken one at a time from the shared counter, each padded into its thread's
            // buffer: the threads finish within one image of each other. (One share of images per
            // thread left ResNet-20's inference waiting 14 % of its time; four per thread, each with
            // its own zeroed buffer, still 12 % in the workers' and 3.6 % in the caller's wait.)
            let packed = packs.packed(weight, layout: layout, pack: pack)
            let buffers = ThreadBuffers(slots: ThreadPool.shared.threadSlots, count: paddedSize)
            withExtendedLifetime((packed, buffers)) {
                outputs.keepAlive {
                    ThreadPool.shared.parallelFor(k.batch) { n, thread in
                        let buffer = buffers.buffer(thread)
                        pad(image: n, into: buffer)
                        if poolsInRegisters {
                            return runPooled(image: n, pairs: 0..<(g.outputHeight / 2), padded: buffer, weight: packed.pointer)
                        }
                        run(image: n, rows: 0..<g.outputHeight, padded: buffer, weight: packed.pointer,
                            into: outputs.target(image: n, thread: thread))
                        outputs.finish(image: n, thread: thread)
                    }
                }
            }
        } else {
            // Fewer images than threads: the threads share each image's output rows (when pooled,
            // pairs of rows, each thread pooling its own), each packing the weights and padding the
            // input rows its own rows read into its own buffers. (The caller packing and padding
            // once left the worker waiting for both and then reading them from the caller's cache:
            // ResNet-20's 16-channel layers on one image ran no faster on two threads than on one.)
            // Packs kept from an earlier call are read where they lie.
            let kept = packs?.kept(weight, layout: layout, pack: pack)
            let packedAt = (paddedSize + 15) / 16 * 16   // the packed weights from a cache line on
            let bufferSize = packedAt + (kept == nil ? packedSize : 0)
            let buffers = (0..<ThreadPool.shared.threadSlots).map { _ in TensorStorage(uninitializedCount: bufferSize) }
            #if DEBUG
            // Debug builds (the tests) fill them with NaN: a row a share reads but did not write shows in the output.
            for buffer in buffers { buffer.pointer.update(repeating: .nan, count: bufferSize) }
            #endif
            let shares = outputs.pooled ? g.outputHeight / 2 : g.outputHeight
            let chunks = Swift.min(ThreadPool.shared.threadCount, shares)
            withExtendedLifetime((buffers, kept)) {
                outputs.keepAlive {
                    for n in 0..<k.batch {
                        ThreadPool.shared.parallelFor(chunks) { chunk, thread in
                            let share = (shares * chunk / chunks)..<(shares * (chunk + 1) / chunks)
                            let rows = outputs.pooled ? outputs.rows(forPooledRows: share) : share
                            guard !rows.isEmpty else { return }
                            let buffer = buffers[thread].pointer
                            let packed = kept.map { UnsafePointer($0.pointer) } ?? {
                                pack(into: buffer + packedAt)
                                return UnsafePointer(buffer + packedAt)
                            }()
                            padding.copy(input + n * inputSize, paddedRows: paddedRows(read: rows, padding: padding), into: buffer)
                            if poolsInRegisters { return runPooled(image: n, pairs: share, padded: buffer, weight: packed) }
                            run(image: n, rows: rows, padded: buffer, weight: packed, into: outputs.sharedTarget(image: n))
                            if outputs.pooled { outputs.finish(image: n, pooledRows: share) }
                        }
                    }
                }
            }
        }
    }

    /// Whether a pooled `forward` pools in the tiles' registers (AVX-512 strips, no residual),
    /// winners and all: its outputs then need no buffers.
    func poolsInRegisters(epilogue: ConvolutionEpilogue) -> Bool {
        var window = fovea_window(kernel.geometry)
        return epilogue.residual == nil && fovea_direct_pools_in_registers(&window) != 0
    }

    /// The padded rows output rows `rows` load: their windows' rows, and the rows a load running
    /// past the last one's end reaches.
    private func paddedRows(read rows: Range<Int>, padding: PaddedImage) -> Range<Int> {
        let g = kernel.geometry
        let last = (rows.upperBound - 1) * g.strideHeight + (g.kernelHeight - 1) * g.dilationHeight
        return (rows.lowerBound * g.strideHeight)..<(last + 1 + padding.rowsReadPast)
    }
}

extension ConvolutionKernel {
    /// Whether `forward` runs the direct kernel (`DirectConvolution`).
    public var runsDirectly: Bool { DirectConvolution(self) != nil }
    /// Whether `forwardDirectly` can run here at all (AVX2 + FMA, no groups, horizontal stride ≤ 4).
    public var canRunDirectly: Bool { DirectConvolution(anyShape: self) != nil }

    /// The direct kernel, whichever kernel `forward` would pick (tests and benchmarks compare it
    /// with `forwardByUnfolding`), on any shape it can run. Requires `canRunDirectly`.
    public func forwardDirectly(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, epilogue: ConvolutionEpilogue,
                                output: UnsafeMutablePointer<Float>) {
        guard let direct = DirectConvolution(anyShape: self) else { preconditionFailure("forwardDirectly needs canRunDirectly") }
        direct.forward(input: input, weight: weight, epilogue: epilogue, output: output)
    }
}
