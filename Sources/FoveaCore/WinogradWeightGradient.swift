/// The weight gradient of a 3×3 stride-1 convolution in Winograd's domain (the backward pass of
/// `WinogradKernel.forward`). Forward computes, per tile, Y = Aᵀ [Σ_c U_kc ⊙ V_c] A with U = G g Gᵀ;
/// differentiating that for the weights gives
///
///     dM = A dY Aᵀ   (per tile and output channel: 2×2 → 4×4)
///     dU_ξ[K × C] = Σ_tiles dM_ξ[K × tile] · V_ξ[C × tile]ᵀ   (16 products, one per position ξ)
///     dW = Gᵀ dU G   (per channel pair: 4×4 → 3×3)
///
/// The 16 products multiply 16 floats per tile and channel pair where im2col's dW += dY · colsᵀ
/// multiplies 36 (2.25× fewer FLOPs), and V holds 4 floats per input pixel where the column matrix
/// holds 9. The products are deep (one term per tile), the shape sgemm runs best.
extension WinogradKernel {
    /// Floats of V and dM together per chunk of tiles (2 MB; at least 128 tiles): deep enough
    /// products, buffers that stay in the shared cache (16 MB chunks ran 10–40 % slower).
    static let weightGradientChunkBudget = 1 << 19

    /// Where `ConvolutionKernel.backward` takes this path: ≥ 128 channels each way on planes of
    /// 8×8 and up, with even output sizes (every tile whole). convolution-bench, four runs: the
    /// seed ResNet's 256-channel 8×8 layer 1.14–1.31× faster than im2col + GEMM, SimpleCNN's
    /// 128-channel 8×8 layer 0.86–1.16×, the seed ResNet's 128-channel 16×16 layer 0.87–1.30×;
    /// at 64 channels (0.6–1.1×) and on ResNet-18's 2×2 and 4×4 planes (0.9×) the transforms,
    /// which write and read V and dM through memory, cost more than the products save. With
    /// AVX-512 `OuterProductWeightGradient` comes first and leaves this only weights over 128 × 128
    /// channels (the seed ResNet's 256 at 8×8).
    init?(weightGradientOf kernel: ConvolutionKernel) {
        let g = kernel.geometry
        guard WinogradKernel.weightGradientEnabled, kernel.groups == 1,
              g.channels >= 128, kernel.outChannels >= 128, kernel.outPlane >= 64,
              g.outputHeight % 2 == 0, g.outputWidth % 2 == 0
        else { return nil }
        self.init(geometry: g, batch: kernel.batch, outChannels: kernel.outChannels)
    }

    /// `FOVEA_WINOGRAD_WEIGHT_GRADIENT=0` turns the path off (A/B runs).
    static let weightGradientEnabled = kernelSwitchedOn("FOVEA_WINOGRAD_WEIGHT_GRADIENT")

    /// weightGrad[K, C, 3, 3] (overwritten) from input [N, C, H, W] and the output's gradient
    /// [N, K, Hout, Wout], already masked by any fused activation. Any output size: the rows and
    /// columns of a tile that hang over the edge count as zero gradient. `tilesPerChunk` overrides
    /// the chunk size (tests: chunks that end mid-row).
    public func weightGradient(input: UnsafePointer<Float>, outputGrad: UnsafePointer<Float>,
                               into weightGrad: UnsafeMutablePointer<Float>, tilesPerChunk: Int? = nil) {
        let channels = geometry.channels, outChannels = outChannels, pairs = channels * outChannels
        let tilesPerImage = tileRows * tileColumns, tiles = batch * tilesPerImage
        let chunk = tilesPerChunk ?? Swift.max(128, WinogradKernel.weightGradientChunkBudget / (16 * (channels + outChannels)))
        let capacity = Swift.max(1, Swift.min(tiles, chunk))
        let v = TensorStorage(uninitializedCount: 16 * channels * capacity)
        let dm = TensorStorage(uninitializedCount: 16 * outChannels * capacity)
        let du = TensorStorage(uninitializedCount: 16 * pairs)   // each position zeroed by its thread, below
        if tiles == 0 { du.pointer.update(repeating: 0, count: 16 * pairs) }
        defer { withExtendedLifetime((v, dm, du)) {} }
        for start in stride(from: 0, to: tiles, by: capacity) {
            let count = Swift.min(capacity, tiles - start)
            ThreadPool.shared.parallelRanges(count, minimumPerChunk: 8) { part in
                let scratch = TensorStorage(repeating: 0, count: WinogradKernel.scratchFloats(tileColumns))
                defer { withExtendedLifetime(scratch) {} }
                forEachSegment(of: (start + part.lowerBound)..<(start + part.upperBound), tilesPerImage: tilesPerImage) {
                    image, row, columns, column in
                    transformInput(input, image: image, tileRow: row, tileColumns: columns,
                                   into: v.pointer + part.lowerBound + column, stride: capacity, scratch: scratch.pointer)
                    transformOutputGradient(outputGrad, image: image, tileRow: row, tileColumns: columns,
                                            into: dm.pointer + part.lowerBound + column, stride: capacity, scratch: scratch.pointer)
                }
            }
            // dU_ξ += dM_ξ · V_ξᵀ, the 16 positions shared between the threads.
            ThreadPool.shared.parallelRanges(16) { positions in
                for xi in positions {
                    if start == 0 { (du.pointer + xi * pairs).update(repeating: 0, count: pairs) }
                    gemm(transposeB: true, m: outChannels, n: channels, k: count,
                         a: dm.pointer + xi * outChannels * capacity, lda: capacity,
                         b: v.pointer + xi * channels * capacity, ldb: capacity, beta: 1,
                         c: du.pointer + xi * pairs, ldc: channels)
                }
            }
        }
        ThreadPool.shared.parallelRanges(pairs, minimumPerChunk: 1024) { range in
            for pair in range { transformWeightGradient(du.pointer + pair, stride: pairs, into: weightGrad + pair * 9) }
        }
    }

    /// dM_ξ[k, tile] = (A dY Aᵀ)_ξ for the tiles `columns` of one tile row, every output channel,
    /// with A = [1 0; 1 1; 1 −1; 0 −1]: rows (y0, y0 + y1, y0 − y1, −y1), then the same across
    /// each row's two columns. The two gradient rows are copied (zero past the edge) into
    /// `scratch`; one 8-wide load gives four tiles' left columns as its even lanes and right
    /// columns as its odd lanes.
    func transformOutputGradient(_ outputGrad: UnsafePointer<Float>, image: Int, tileRow: Int, tileColumns columns: Range<Int>,
                                 into dm: UnsafeMutablePointer<Float>, stride: Int, scratch: UnsafeMutablePointer<Float>) {
        let outH = geometry.outputHeight, outW = geometry.outputWidth, outPlane = outH * outW, count = columns.count
        let rowLength = 2 * count + 8
        let firstColumn = 2 * columns.lowerBound, width = Swift.min(outW, 2 * columns.upperBound) - firstColumn
        let y = 2 * tileRow, hasSecondRow = y + 1 < outH
        let xiStride = outChannels * stride
        let top = scratch, bottom = scratch + rowLength
        top.update(repeating: 0, count: 2 * rowLength)
        for k in 0..<outChannels {
            let row = outputGrad + (image * outChannels + k) * outPlane + y * outW + firstColumn
            top.update(from: row, count: width)
            if hasSecondRow { bottom.update(from: row + outW, count: width) }
            let target = dm + k * stride
            var q = 0
            while q < count {
                let lanes = Swift.min(4, count - q)
                // Row a of A dY, then across its two columns into ξ = 4a … 4a + 3.
                @inline(__always) func emit(_ r: SIMD8<Float>, row a: Int) {
                    let left = r.evenHalf, right = r.oddHalf, t = target + 4 * a * xiStride + q
                    store(left, t, lanes); store(left + right, t + xiStride, lanes)
                    store(left - right, t + 2 * xiStride, lanes); store(-right, t + 3 * xiStride, lanes)
                }
                let y0 = load8(UnsafePointer(top + 2 * q)), y1 = load8(UnsafePointer(bottom + 2 * q))
                emit(y0, row: 0); emit(y0 + y1, row: 1); emit(y0 - y1, row: 2); emit(-y1, row: 3)
                q += 4
            }
        }
    }

    /// dW[p, q] = (Gᵀ dU G)[p, q] for one channel pair, dU_ξ at `du + ξ · stride`;
    /// Gᵀ combines rows (or columns) i as (r0 + ½r1 + ½r2, ½r1 − ½r2, ½r1 + ½r2 + r3).
    @inline(__always)
    func transformWeightGradient(_ du: UnsafePointer<Float>, stride: Int, into dw: UnsafeMutablePointer<Float>) {
        // Rows of dU as SIMD4 (lane j = column j), combined down, then across.
        @inline(__always) func row(_ i: Int) -> SIMD4<Float> {
            SIMD4(du[(4 * i) * stride], du[(4 * i + 1) * stride], du[(4 * i + 2) * stride], du[(4 * i + 3) * stride])
        }
        let r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3)
        let half: Float = 0.5
        @inline(__always) func across(_ x: SIMD4<Float>, into p: Int) {
            dw[3 * p] = x[0] + half * (x[1] + x[2])
            dw[3 * p + 1] = half * (x[1] - x[2])
            dw[3 * p + 2] = half * (x[1] + x[2]) + x[3]
        }
        across(r0 + half * (r1 + r2), into: 0)
        across(half * (r1 - r2), into: 1)
        across(half * (r1 + r2) + r3, into: 2)
    }
}

extension ConvolutionKernel {
    /// Whether `backward` computes the weight gradient in Winograd's domain.
    public var weightGradientUsesWinograd: Bool {
        if case .winograd = weightGradientPath { true } else { false }
    }
}
