import CKernels

/// 3×3 stride-1 convolutions by Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray, "Fast
/// Algorithms for Convolutional Neural Networks", 2016).
///
/// Each 2×2 block of outputs ("tile") is computed from the 4×4 input patch under it as
///
///     Y = Aᵀ [ Σ_c (G g_kc Gᵀ) ⊙ (Bᵀ d_c B) ] A
///
/// The elementwise products summed over input channels are 16 independent matrix products, one per
/// position ξ of the 4×4 transformed patch: M_ξ[K × tiles] = U_ξ[K × C] · V_ξ[C × tiles]. That is
/// 16 multiplies per tile and channel pair where im2col + GEMM does 36 (2.25× fewer FLOPs), and
/// V holds 4 floats per input pixel where im2col's column matrix holds 9. The transforms are adds
/// and halvings only, so the result stays within float rounding of the direct sum.
///
/// With `outputTile` 4 the tiles are 4×4 outputs from 6×6 patches, F(4×4, 3×3): 36 products,
/// 36 multiplies per tile and channel pair where im2col + GEMM does 144 (4× fewer FLOPs), and V
/// holds 2.25 floats per input pixel. Its transform constants (up to 8 and 1/24) cost rounding:
/// over 256-channel sums its peak error relative to the largest output was 3–6 · 10⁻⁶ in float
/// against 0.5–1.5 · 10⁻⁶ for F(2×2, 3×3) (NumPy, float64 reference). Its transforms run in C
/// (`winograd4.c`) on AVX2 machines only.
///
/// Tiles are numbered over the whole batch (image, tile row, tile column) and cut into blocks
/// small enough that V and M stay in cache between the transforms and the GEMMs; the threads take
/// the blocks in turn, each into its own V and M.
public struct WinogradKernel: Sendable {
    public let geometry: WindowGeometry
    public let batch: Int, outChannels: Int
    /// Floats of V and M together per block of tiles.
    public let blockBudget: Int
    /// Outputs per tile side: 2 for F(2×2, 3×3), 4 for F(4×4, 3×3) (forward only).
    public let outputTile: Int
    /// Whether `forward` runs the products position by position across the blocks (see
    /// `takesProductsByPosition`); nil: where the rule says it pays.
    public let splittingPositions: Bool?

    /// nil where Winograd does not apply (not 3×3, strided or dilated). `WinogradKernel(_:)` also
    /// refuses where it does not pay.
    public init?(geometry g: WindowGeometry, batch: Int, outChannels: Int, blockBudget: Int = WinogradKernel.defaultBlockBudget,
                 outputTile: Int = 2, splittingPositions: Bool? = nil) {
        guard g.kernelHeight == 3, g.kernelWidth == 3, g.strideHeight == 1, g.strideWidth == 1,
              g.dilationHeight == 1, g.dilationWidth == 1, outputTile == 2 || (outputTile == 4 && PanelConvolution.isAvailable)
        else { return nil }
        geometry = g; self.batch = batch; self.outChannels = outChannels; self.blockBudget = blockBudget
        self.outputTile = outputTile; self.splittingPositions = splittingPositions
    }

    /// The kernel `ConvolutionKernel.forward` uses, where it was measured to beat im2col + GEMM on
    /// the 2-core benchmark machine (BENCHMARKS.md): ≥ 64 channels each way, so the 16 GEMMs
    /// (K = input channels) run near OpenBLAS's small-matrix speed and save more than the transforms
    /// cost (at 16 or 32 channels Winograd was 0.5–0.8× im2col), and at least two images, so the
    /// weight transform is shared (one image of 8×8 at 256 channels ran 0.7×), and even output
    /// sizes, so that every tile is full: an 11×11 or 13×13 output computes up to 30 % of its tiles'
    /// outputs for nothing and ran 0.75–0.9×; a 1×1 output fills a quarter of its tile and ran 0.5×.
    ///
    /// Where the AVX2 panel kernel runs, it beats Winograd unless the weights outgrow the 512 KB L2
    /// (the panel kernel streams them once per 16 pixels: 128 × 128 channels and up) or the plane
    /// is 16×16 or larger, and on planes under 8×8 whatever the weights (convolution-bench).
    ///
    /// Since gemm runs products of depth ≤ 64 on Fovea's own small-depth kernel (no packing), 32
    /// channels pay on 32×32 planes (SimpleCNN's first block 1.11–1.41× against im2col + GEMM in
    /// three runs; ResNet-20's 32-channel 16×16 layer still 0.96×), and 64 channels on 16×16 planes
    /// beat the panels (SimpleCNN's second block 1.18–1.42× against 1.05–1.12×).
    ///
    /// With the weight's transforms kept from earlier calls (`weightsKept`: a layer at inference,
    /// see `WeightPacks`) one image no longer pays for them, and where the weights outgrow 512 KB
    /// (128 × 128 channels and up) Winograd beat the direct kernel and the panels on one image
    /// (convolution-bench batch-one, kept columns, six runs in a noisy hour: the seed ResNet's
    /// stage 2, 128 at 16×16, F(4×4) 0.255–0.38 ms against the direct kernel's 0.28–0.58; stage 3,
    /// 256 at 8×8, F(2×2) 0.38–0.42 against the panels' 0.52–0.83; SimpleCNN's block 3, 128 at 8×8,
    /// 0.078–0.13 against 0.081–0.20). At 64 channels on 16×16 the direct kernel kept its lead
    /// (SimpleCNN's block 2: 0.064 against 0.081–0.090).
    init?(_ kernel: ConvolutionKernel, weightsKept: Bool = false) {
        let channels = Swift.min(kernel.geometry.channels, kernel.outChannels)
        let weightBytes = kernel.outChannels * kernel.patch * MemoryLayout<Float>.stride
        let keptAndLarge = weightsKept && channels >= WinogradKernel.minimumChannels && weightBytes > 1 << 19
        // One image: the weight transform is not shared between images, and it lost 2× at 8×8;
        // on 32×32 planes with ≥ 64 channels it still won (convolution-bench direct table, the seed
        // ResNet's stage 1: 0.53–0.60 ms against the panels' 0.65–0.76 in three runs, 1.26–1.37× in
        // an earlier session); at 32 channels it tied the direct kernel, at 16×16 the panels.
        // 32 channels on 32×32 planes, two images and more: without AVX-512, and where its tiles
        // run in halves (Zen 4). There F(4×4) ran SimpleCNN's first block in 1.69–1.73 ms against
        // the direct kernel's 2.79–2.88 (convolution-bench winograd-tiles, three runs), and
        // SimpleCNN trained 1.05–1.11× faster (paired A/B, six rounds: its forward and its
        // transposed dX both take it). On a Xeon's full-width units the direct kernel had won,
        // 2.44–2.54 ms against 2.72–3.91 (an earlier session, F(4×4)'s older input transform). At 16
        // channels (ResNet-20's stage 1) the Zen 4 measured training 0.99–1.01× and inference
        // 0.95–0.99×: not taken.
        guard kernel.groups == 1,
              kernel.batch >= 2 || (channels >= WinogradKernel.minimumChannels && kernel.outPlane >= 1024) || keptAndLarge,
              channels >= WinogradKernel.minimumChannels
                || (channels >= 32 && kernel.outPlane >= 1024
                    && (!ConvolutionKernel.wideTilesAvailable || ConvolutionKernel.wideTilesRunInHalves)),
              kernel.geometry.outputHeight % 2 == 0, kernel.geometry.outputWidth % 2 == 0
        else { return nil }
        if PanelConvolution.isAvailable {
            guard kernel.outPlane >= 64, weightBytes > 1 << 19 || kernel.outPlane >= 256 else { return nil }
        }
        let tile = WinogradKernel.fourByFourPays(kernel) ? 4 : 2
        self.init(geometry: kernel.geometry, batch: kernel.batch, outChannels: kernel.outChannels,
                  blockBudget: WinogradKernel.blockBudget(kernel, outputTile: tile), outputTile: tile)
    }

    /// Twice the default where F(4×4)'s GEMMs are at most 64 deep and 64 wide (Fovea's small-depth
    /// kernel, which packs nothing): each of the 36 products then runs on twice the tiles, and the
    /// seed ResNet's stage 1 (64 at 32×32) ran in 4.8 ms against 5.8–6.2, ResNet-18's layer1 at
    /// 224×224 in 3.6–4.1 against 4.2–4.8 (convolution-bench winograd-tiles, five runs, Zen 4);
    /// SimpleCNN's 32-channel block was even. At 128 channels (OpenBLAS's GEMMs) the larger block
    /// lost: the seed's stage 2 6.4–6.7 ms against 5.1–5.4.
    static func blockBudget(_ kernel: ConvolutionKernel, outputTile: Int) -> Int {
        outputTile == 4 && Swift.max(kernel.geometry.channels, kernel.outChannels) <= 64 ? 2 * defaultBlockBudget : defaultBlockBudget
    }

    /// Where F(4×4, 3×3) replaces F(2×2, 3×3): outputs in whole 4×4 tiles, on rows of at least
    /// 16 outputs. Its transforms hold eight tiles of one tile row per vector, so an 8-wide row
    /// (two tiles) fills a quarter of each: on 8×8 planes it ran 0.75–0.95× F(2×2) at 128 and 256
    /// channels, on 16×16 1.02–1.9×, on 28×28 to 56×56 1.26–1.7× (convolution-bench
    /// `winograd-tiles`, three runs).
    static func fourByFourPays(_ kernel: ConvolutionKernel) -> Bool {
        let g = kernel.geometry
        return fourByFourEnabled && PanelConvolution.isAvailable && g.outputHeight % 4 == 0 && g.outputWidth % 4 == 0
            && g.outputWidth >= 16
    }

    /// `FOVEA_WINOGRAD_4X4=0` keeps every layer on F(2×2, 3×3) (A/B runs).
    static let fourByFourEnabled = kernelSwitchedOn("FOVEA_WINOGRAD_4X4")

    public static let minimumChannels = 64
    /// 1 MB: V and M stay in L2 from the transforms to the GEMMs and back.
    public static let defaultBlockBudget = 1 << 18

    var tileRows: Int { (geometry.outputHeight + outputTile - 1) / outputTile }
    var tileColumns: Int { (geometry.outputWidth + outputTile - 1) / outputTile }
    /// Positions ξ of a transformed tile: the number of products.
    var positions: Int { (outputTile + 2) * (outputTile + 2) }

    /// input [N, C, H, W], weight [K, C, 3, 3] → output [N, K, Hout, Wout], every element written.
    /// `packs`: the transformed weights kept between calls (inference; see `WeightPacks`).
    public func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, epilogue: ConvolutionEpilogue = ConvolutionEpilogue(),
                        output: UnsafeMutablePointer<Float>, packs: WeightPacks? = nil) {
        let channels = geometry.channels, outChannels = outChannels, geometry = geometry
        let inPlane = geometry.height * geometry.width, outputSize = outChannels * geometry.outputHeight * geometry.outputWidth
        let pairs = outChannels * channels, positions = positions, wide = outputTile == 4
        let layout = WeightPacks.Layout(reader: .winograd, variant: outputTile, count: positions * pairs)
        let transformed = packs.packed(weight, layout: layout) { u in
            // (Runs of 512 pairs: at 4096, SimpleCNN's 32- and 64-channel layers transformed theirs on
            // the caller alone, 0.55 % of its training step with the worker idle.)
            ThreadPool.shared.parallelRanges(pairs, minimumPerChunk: 512) { range in
                if wide {
                    fovea_winograd4_transform_weights(weight, range.lowerBound, range.upperBound, pairs, u)
                } else {
                    transformWeights(weight, pairs: range, into: u)
                }
            }
        }
        defer { withExtendedLifetime(transformed) {} }   // read only through `u` below (see TensorStorage)
        let tilesPerImage = tileRows * tileColumns, tiles = batch * tilesPerImage
        let (capacity, blocks) = blocking
        // F(4×4)'s input transform stores whole groups of eight tiles: its rows of V end in 8 spare floats.
        let vStride = wide ? capacity + 8 : capacity
        let u = UnsafePointer(transformed.pointer)
        let scratchFloats = wide ? fovea_winograd4_scratch_floats(Int32(tileColumns)) : WinogradKernel.scratchFloats(tileColumns)
        func blockTiles(_ b: Int) -> Range<Int> { (b * capacity)..<Swift.min(tiles, (b + 1) * capacity) }
        func transformInput(block: Range<Int>, into v: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
            forEachSegment(of: block, tilesPerImage: tilesPerImage) { image, row, columns, column in
                if wide {
                    fovea_winograd4_transform_input(input + image * channels * inPlane, Int32(channels), Int32(geometry.height),
                                                    Int32(geometry.width), Int32(geometry.padTop), Int32(geometry.padLeft),
                                                    Int32(row), Int32(columns.lowerBound), Int32(columns.count),
                                                    v + column, vStride, scratch)
                } else {
                    self.transformInput(input, image: image, tileRow: row, tileColumns: columns,
                                        into: v + column, stride: capacity, scratch: scratch)
                }
            }
        }
        func multiply(position xi: Int, count: Int, v: UnsafePointer<Float>, into m: UnsafeMutablePointer<Float>) {
            gemm(m: outChannels, n: count, k: channels, a: u + xi * outChannels * channels, lda: channels,
                 b: v + xi * channels * vStride, ldb: vStride, c: m + xi * outChannels * capacity, ldc: capacity)
        }
        func transformOutput(block: Range<Int>, from m: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
            forEachSegment(of: block, tilesPerImage: tilesPerImage) { image, row, columns, column in
                if wide {
                    var imageEpilogue = epilogue.kernelForm(residualOffset: image * outputSize)
                    fovea_winograd4_transform_output(m + column, capacity, Int32(outChannels), Int32(geometry.outputHeight),
                                                     Int32(geometry.outputWidth), Int32(row), Int32(columns.lowerBound),
                                                     Int32(columns.count), output + image * outputSize, &imageEpilogue,
                                                     scratch)
                } else {
                    self.transformOutput(m + column, stride: capacity, image: image, tileRow: row, tileColumns: columns,
                                         epilogue: epilogue, output: output, scratch: scratch)
                }
            }
        }
        func buffers(_ count: Int) -> [(v: TensorStorage, m: TensorStorage)] {
            // The output transforms read up to 3 (F(2×2)) or 7 (F(4×4)) floats past a run (lanes they then drop).
            (0..<count).map { _ in (TensorStorage(uninitializedCount: positions * channels * vStride),
                                    TensorStorage(uninitializedCount: positions * outChannels * capacity + 8)) }
        }
        // Each thread's transform scratch (F(2×2): the input transform's four combined rows; two
        // output rows, + 8 slack, for the output transform).
        let scratches = (0..<Swift.min(ThreadPool.shared.threadSlots, blocks)).map { _ in
            TensorStorage(repeating: 0, count: scratchFloats)
        }
        defer { withExtendedLifetime(scratches) {} }

        if takesProductsByPosition {
            // Every block's V and M at once, the threads sharing out the positions: U_ξ is read
            // once for all the blocks, where block by block each thread read all of U per block.
            let perBlock = buffers(blocks)
            defer { withExtendedLifetime(perBlock) {} }
            ThreadPool.shared.parallelFor(blocks) { b, thread in
                transformInput(block: blockTiles(b), into: perBlock[b].v.pointer, scratch: scratches[thread].pointer)
            }
            ThreadPool.shared.parallelRanges(positions) { range in
                for xi in range {
                    for b in 0..<blocks {
                        multiply(position: xi, count: blockTiles(b).count, v: perBlock[b].v.pointer, into: perBlock[b].m.pointer)
                    }
                }
            }
            ThreadPool.shared.parallelFor(blocks) { b, thread in
                transformOutput(block: blockTiles(b), from: perBlock[b].m.pointer, scratch: scratches[thread].pointer)
            }
            return
        }
        // Each thread's transformed inputs and products, reused from block to block.
        let perThread = buffers(scratches.count)
        defer { withExtendedLifetime(perThread) {} }
        ThreadPool.shared.parallelFor(blocks) { b, thread in
            let (v, m) = perThread[thread], block = blockTiles(b)
            transformInput(block: block, into: v.pointer, scratch: scratches[thread].pointer)
            for xi in 0..<positions { multiply(position: xi, count: block.count, v: v.pointer, into: m.pointer) }
            transformOutput(block: block, from: m.pointer, scratch: scratches[thread].pointer)
        }
    }

    /// Tiles per block and blocks: blocks taken in turn, at least four per thread when there are
    /// enough tiles (of 8 or more), so a thread the VM stalls hands its later blocks to the other.
    var blocking: (capacity: Int, blocks: Int) {
        let tiles = batch * tileRows * tileColumns, threads = ThreadPool.shared.threadCount
        let budgetBlock = Swift.max(1, blockBudget / (positions * (geometry.channels + outChannels)))
        let capacity = Swift.max(1, Swift.min(budgetBlock, tiles, Swift.max(8, (tiles + 4 * threads - 1) / (4 * threads))))
        return (capacity, (tiles + capacity - 1) / capacity)
    }

    /// Whether `forward` takes the products position by position across all the blocks, rather
    /// than block by block on each thread: where the transformed weights U outgrow L2 (1 MB) and
    /// there are few tiles against the channels (one image or a few), so that every V and M
    /// together hold no more floats than U. Block by block, each block read all of U from memory
    /// again: the seed ResNet at batch 1 (U of 2.4 MB at 128 channels, 4.2 MB at 256, two blocks
    /// per layer) spent 63 % of its forward pass in the products, at a third of their speed with U
    /// in cache. `splittingPositions` overrides the rule (tests); `FOVEA_WINOGRAD_POSITIONS=0`
    /// turns it off (A/B runs).
    public var takesProductsByPosition: Bool {
        let channels = geometry.channels, tiles = batch * tileRows * tileColumns, blocks = blocking.blocks
        if let splittingPositions { return splittingPositions && blocks >= 2 }
        return WinogradKernel.positionSplitEnabled && blocks >= 2
            && positions * channels * outChannels * MemoryLayout<Float>.stride > 1 << 20
            && tiles * (channels + outChannels) <= channels * outChannels
    }

    static let positionSplitEnabled = kernelSwitchedOn("FOVEA_WINOGRAD_POSITIONS")

    /// Splits a block of tile numbers into runs along one tile row of one image:
    /// `body(image, tile row, tile columns, column of the first tile within the block)`.
    func forEachSegment(of block: Range<Int>, tilesPerImage: Int, _ body: (Int, Int, Range<Int>, Int) -> Void) {
        var t = block.lowerBound
        while t < block.upperBound {
            let image = t / tilesPerImage, within = t % tilesPerImage
            let row = within / tileColumns, first = within % tileColumns
            let last = Swift.min(tileColumns, first + (block.upperBound - t))
            body(image, row, first..<last, t - block.lowerBound)
            t += last - first
        }
    }

    /// U_ξ[o, c] = (G g Gᵀ)_ξ with G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]. Pairs (o, c) are transformed
    /// 64 at a time into a small buffer, then copied out as 16 contiguous runs (writing each pair's
    /// 16 values straight to 16 matrices costs a cache miss per value on large layers).
    private func transformWeights(_ weight: UnsafePointer<Float>, pairs range: Range<Int>, into u: UnsafeMutablePointer<Float>) {
        let pairs = outChannels * geometry.channels, blockSize = 64
        let buffer = TensorStorage(uninitializedCount: 16 * blockSize)
        defer { withExtendedLifetime(buffer) {} }
        let b = buffer.pointer
        for start in stride(from: range.lowerBound, to: range.upperBound, by: blockSize) {
            let count = Swift.min(blockSize, range.upperBound - start)
            for k in 0..<count {
                let g = weight + (start + k) * 9
                // G g, one SIMD4 per column of the 3×3 kernel (its four rows as lanes).
                @inline(__always) func column(_ j: Int) -> SIMD4<Float> {
                    let g0 = g[j], g1 = g[3 + j], g2 = g[6 + j]
                    return SIMD4(g0, 0.5 * (g0 + g1 + g2), 0.5 * (g0 - g1 + g2), g2)
                }
                let c0 = column(0), c1 = column(1), c2 = column(2)
                // (G g) Gᵀ: the same combination across the three columns; lane i is row i.
                let t1 = 0.5 * (c0 + c1 + c2), t2 = 0.5 * (c0 - c1 + c2)
                for i in 0..<4 {
                    b[(i * 4) * blockSize + k] = c0[i]
                    b[(i * 4 + 1) * blockSize + k] = t1[i]
                    b[(i * 4 + 2) * blockSize + k] = t2[i]
                    b[(i * 4 + 3) * blockSize + k] = c2[i]
                }
            }
            for xi in 0..<16 { (u + xi * pairs + start).update(from: b + xi * blockSize, count: count) }
        }
    }

    /// V = Bᵀ d B for the tiles `columns` of one tile row of one image, every input channel, into
    /// v + (ξ·C + c)·stride + q (C: `fovea_winograd2_transform_input`, 16 tiles a vector with AVX-512;
    /// in Swift it was 5 % of SimpleCNN's training step at four).
    func transformInput(_ input: UnsafePointer<Float>, image: Int, tileRow: Int, tileColumns columns: Range<Int>,
                        into v: UnsafeMutablePointer<Float>, stride: Int, scratch: UnsafeMutablePointer<Float>) {
        let g = geometry
        fovea_winograd2_transform_input(input + image * g.channels * g.height * g.width, Int32(g.channels), Int32(g.height),
                                        Int32(g.width), Int32(g.padTop), Int32(g.padLeft), Int32(tileRow),
                                        Int32(columns.lowerBound), Int32(columns.count), v, stride, scratch)
    }

    /// Floats of scratch the F(2×2) transforms need for rows of `tileColumns` tiles: the input
    /// transform's four combined rows (the larger), or the output transform's two.
    static func scratchFloats(_ tileColumns: Int) -> Int {
        Swift.max(fovea_winograd2_scratch_floats(Int32(tileColumns)), 2 * (2 * tileColumns + 8))
    }

    /// Y = Aᵀ M A with Aᵀ = [1 1 1 0; 0 1 −1 −1] for the tiles `columns` of one tile row, every
    /// output channel; the two output rows are assembled in `scratch`, then the epilogue moves them
    /// into the output (a tile may hang over an odd-sized edge: that column or row is dropped).
    /// `m` must be readable 4 floats past the last tile of the last row.
    private func transformOutput(_ m: UnsafePointer<Float>, stride: Int, image: Int, tileRow: Int, tileColumns columns: Range<Int>,
                                 epilogue: ConvolutionEpilogue, output: UnsafeMutablePointer<Float>,
                                 scratch: UnsafeMutablePointer<Float>) {
        let outH = geometry.outputHeight, outW = geometry.outputWidth, count = columns.count
        let xiStride = outChannels * stride, outPlane = outH * outW
        let top = scratch, bottom = scratch + 2 * count + 8
        let firstColumn = 2 * columns.lowerBound, width = Swift.min(outW, 2 * columns.upperBound) - firstColumn
        let y = 2 * tileRow
        for o in 0..<outChannels {
            let p = m + o * stride
            var q = 0
            while q < count {
                let s = p + q
                // Column transform inside each of the four rows, then the row transform; four tiles at once.
                let m1 = load(s + xiStride), m2 = load(s + 2 * xiStride)
                let m5 = load(s + 5 * xiStride), m6 = load(s + 6 * xiStride)
                let m9 = load(s + 9 * xiStride), m10 = load(s + 10 * xiStride)
                let r00 = load(s) + m1 + m2, r01 = m1 - m2 - load(s + 3 * xiStride)
                let r10 = load(s + 4 * xiStride) + m5 + m6, r11 = m5 - m6 - load(s + 7 * xiStride)
                let r20 = load(s + 8 * xiStride) + m9 + m10, r21 = m9 - m10 - load(s + 11 * xiStride)
                let m13 = load(s + 13 * xiStride), m14 = load(s + 14 * xiStride)
                let r30 = load(s + 12 * xiStride) + m13 + m14, r31 = m13 - m14 - load(s + 15 * xiStride)
                storeInterleaved(r00 + r10 + r20, r01 + r11 + r21, top + 2 * q)
                storeInterleaved(r10 - r20 - r30, r11 - r21 - r31, bottom + 2 * q)
                q += 4
            }
            let base = (image * outChannels + o) * outPlane + y * outW + firstColumn
            epilogue.apply(channel: o, source: top, target: output + base, residual: epilogue.residual.map { $0 + base },
                           count: width)
            if y + 1 < outH {
                epilogue.apply(channel: o, source: bottom, target: output + base + outW,
                               residual: epilogue.residual.map { $0 + base + outW }, count: width)
            }
        }
    }
}

@inline(__always) func load(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
}

@inline(__always) func load(_ p: UnsafeMutablePointer<Float>) -> SIMD4<Float> { load(UnsafePointer(p)) }

@inline(__always) func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

/// Stores the first `lanes` lanes of `value`.
@inline(__always) func store(_ value: SIMD4<Float>, _ p: UnsafeMutablePointer<Float>, _ lanes: Int) {
    if lanes == 4 {
        UnsafeMutableRawPointer(p).storeBytes(of: value, as: SIMD4<Float>.self)
    } else {
        for i in 0..<lanes { p[i] = value[i] }
    }
}

/// p[0…7] = even₀ odd₀ even₁ odd₁ …
@inline(__always) private func storeInterleaved(_ even: SIMD4<Float>, _ odd: SIMD4<Float>, _ p: UnsafeMutablePointer<Float>) {
    let pairs = SIMD8(even[0], odd[0], even[1], odd[1], even[2], odd[2], even[3], odd[3])
    UnsafeMutableRawPointer(p).storeBytes(of: pairs, as: SIMD8<Float>.self)
}
