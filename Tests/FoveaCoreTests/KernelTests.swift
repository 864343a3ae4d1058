import CKernels
import Foundation
import FoveaCore
import FoveaTestSupport
import Testing

/// Each optimised kernel against a naive reference (llm.c style).
@Suite struct KernelTests {
    /// Square-ish shapes go to sgemm; a single output column or row to sgemv. Leading dimensions
    /// wider than the matrices, and beta 0 over NaN garbage (which must not leak), are covered too;
    /// 300×300 matrix-vector products are large enough to be split between threads, and so are
    /// products of 2²⁰ multiply-adds and more (by rows where C is taller, by columns where wider).
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func gemmMatchesTripleLoop(transpose: (Bool, Bool)) {
        for (m, n, k) in [(7, 5, 9), (7, 1, 9), (1, 5, 9), (1, 1, 9), (300, 1, 300), (1, 300, 300), (121, 90, 100), (37, 301, 97)] {
            let lda = (transpose.0 ? m : k) + 2, ldb = (transpose.1 ? k : n) + 3, ldc = n + 1
            let a = randomTensor([(transpose.0 ? k : m) * lda], seed: 1), b = randomTensor([(transpose.1 ? n : k) * ldb], seed: 2)
            for beta: Float in [2, 0] {
                let fast = Tensor(repeating: beta == 0 ? .nan : 0.5, shape: [m * ldc])
                let slow = Tensor(repeating: beta == 0 ? .nan : 0.5, shape: [m * ldc])
                gemm(transposeA: transpose.0, transposeB: transpose.1, m: m, n: n, k: k, alpha: 0.7, a: a.pointer, lda: lda,
                     b: b.pointer, ldb: ldb, beta: beta, c: fast.pointer, ldc: ldc)
                referenceGEMM(transposeA: transpose.0, transposeB: transpose.1, m: m, n: n, k: k, alpha: 0.7, a: a.pointer, lda: lda,
                              b: b.pointer, ldb: ldb, beta: beta, c: slow.pointer, ldc: ldc)
                let used = (0..<m).flatMap { i in (0..<n).map { i * ldc + $0 } }
                // Against C's scale: k = 100 random products summed in another order differ by
                // ~1e-4 of an element that happens to cancel to nearly 0.
                #expect(peakRelativeError(used.map { fast[flat: $0] }, used.map { Double(slow[flat: $0]) }) < 1e-5,
                        "\(m)×\(n)×\(k), beta \(beta)")
            }
        }
    }

    /// Fovea loads OpenBLAS itself so it can name the kernels: on a CPU with AVX-512 and no
    /// OPENBLAS_CORETYPE, SkylakeX (Debian's 0.3.21 falls back to Prescott's SSE3 kernels on Xeons
    /// newer than it); a core the user named is kept.
    @Test func openBLASRunsTheKernelsThisCPUCanRun() throws {
        let one = Tensor(repeating: 1, shape: [4])
        var out: [Float] = [0]
        gemm(m: 1, n: 1, k: 4, a: one.pointer, lda: 4, b: one.pointer, ldb: 1, c: &out, ldc: 1)
        #expect(out == [4])
        let core = BLASLibrary.core
        #expect(core != "none" && !core.isEmpty)
        #if os(Linux)
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
            .first { $0.hasPrefix("flags") }.map { Set($0.split(separator: " ").map(String.init)) } ?? []
        if let named = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] {
            #expect(core.lowercased() == named.lowercased())
        } else if ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"].allSatisfy(flags.contains) {
            #expect(core == "SkylakeX")
        }
        #endif
    }

    /// The element-wise kernels run the widest vectors the CPU has (AVX-512 unless FOVEA_AVX512=0,
    /// then AVX2 + FMA, else plain C), capped by FOVEA_VECTOR_LANES.
    /// ReLU's C kernels against the scalar rule, float for float, over a length with a tail and one
    /// split between the threads: NaN passes forward; the gradient is dy where x > 0, else 0 (as
    /// PyTorch's threshold_backward and the fused ReLUs), so an infinite dy where x ≤ 0 gives 0,
    /// and −0, 0 and NaN inputs pass nothing.
    @Test(arguments: [37, 70_001]) func reluMatchesTheScalarRule(count: Int) throws {
        var xs = randomTensor([count], seed: 61).scalars, dys = randomTensor([count], seed: 62).scalars
        xs[0] = .nan; xs[1] = -0.0; xs[2] = 0; xs[3] = .infinity; xs[4] = -.infinity; xs[count - 1] = .nan
        dys[5] = .infinity; xs[5] = -1; dys[6] = .nan; xs[6] = 2; dys[7] = .nan; xs[7] = -3
        let x = try Tensor(xs, shape: [count]).requiringGrad()
        let y = x.relu()
        (y * (try Tensor(dys, shape: [count]))).sum().backward()
        for i in 0..<count {
            let expected = Swift.max(xs[i], 0), got = y.scalars[i]
            #expect(got == expected || (got.isNaN && expected.isNaN), "relu(\(xs[i]))")
            let expectedGrad: Float = xs[i] > 0 ? dys[i] : 0, grad = x.grad!.scalars[i]
            #expect(grad == expectedGrad || (grad.isNaN && expectedGrad.isNaN), "gradient at \(xs[i]), dy \(dys[i])")
        }
    }

    /// Global average pooling's plane means (`fovea_plane_means` in lanes, the planes shared between
    /// the threads) against a sum in Double: planes shorter than a vector, with tails, and exactly
    /// whole vectors; 1 100 planes of 64 to split the work.
    @Test(arguments: [(3, 1), (5, 7), (2, 16), (4, 17), (1_100, 64), (6, 49)])
    func planeMeansMatchTheDefinition(planes: Int, plane: Int) {
        let x = randomTensor([1, planes, 1, plane], seed: 63)
        let means = x.globalAvgPool2d()
        #expect(means.shape == [1, planes])
        for p in 0..<planes {
            let expected = (0..<plane).reduce(0.0) { $0 + Double(x.pointer[p * plane + $1]) } / Double(plane)
            #expect(abs(Double(means.pointer[p]) - expected) < 1e-5, "plane \(p) of \(plane)")
        }
    }

    @Test func elementwiseKernelsRunTheWidestVectorsAllowed() throws {
        #if os(Linux) && arch(x86_64)
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
            .first { $0.hasPrefix("flags") }.map { Set($0.split(separator: " ").map(String.init)) } ?? []
        let environment = ProcessInfo.processInfo.environment
        var expected = flags.contains("avx512f") && environment["FOVEA_AVX512"] != "0" ? 16
            : (flags.contains("avx2") && flags.contains("fma") ? 8 : 1)
        if let cap = environment["FOVEA_VECTOR_LANES"].flatMap(Int.init), [1, 8, 16].contains(cap) { expected = Swift.min(expected, cap) }
        #expect(kernelVectorLanes == expected)
        #endif
    }

    /// AVX-512 in 256-bit halves is read from CPUID as AMD family 19h with AVX-512 (Zen 4): the same
    /// answer /proc/cpuinfo's vendor, family and flags give.
    @Test func avx512HalvesMatchTheCPUInfo() throws {
        #if os(Linux) && arch(x86_64)
        let lines = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n") ?? []
        func field(_ name: String) -> String? {
            lines.first { $0.hasPrefix(name) }?.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let flags = Set((field("flags") ?? "").split(separator: " ").map(String.init))
        let zen4 = field("vendor_id") == "AuthenticAMD" && field("cpu family") == "25" && flags.contains("avx512f")
        #expect((fovea_avx512_in_halves() != 0) == zen4)
        #expect(ConvolutionKernel.wideTilesRunInHalves == (zen4 && ConvolutionKernel.wideTilesAvailable))
        #endif
    }

    /// C += A · Bᵀ (the weight gradient's product) on shapes that take the row products (where
    /// the CPU has AVX2; AVX-512 tiles where it has that) and sgemm: every remainder of the 4 × 3
    /// and 4 × 5 tiles, rows across the 512- and 1024-float width blocks and the 120-row blocks of
    /// B, 1–15 float tails, strides wider than k. With beta 1 (accumulate) and 0 (C's old values,
    /// 0.5, gone; the row products clear C first).
    @Test(arguments: [Float(1), 0]) func productTransposedMatchesTripleLoop(beta: Float) {
        for (m, n, k) in [(7, 5, 9), (5, 7, 131), (6, 125, 1037), (3, 2, 200), (1, 1, 129), (64, 256, 128), (65, 256, 130),
                          (5, 9, 45), (40, 203, 160)] {   // the last split by columns between threads
            let lda = k + 3, ldb = k + 5, ldc = n + 1
            let a = randomTensor([m * lda], seed: 3), b = randomTensor([n * ldb], seed: 4)
            let fast = Tensor(repeating: 0.5, shape: [m * ldc]), slow = Tensor(repeating: 0.5, shape: [m * ldc])
            gemm(transposeB: true, m: m, n: n, k: k, a: a.pointer, lda: lda, b: b.pointer, ldb: ldb, beta: beta, c: fast.pointer, ldc: ldc)
            referenceGEMM(transposeA: false, transposeB: true, m: m, n: n, k: k, alpha: 1, a: a.pointer, lda: lda,
                          b: b.pointer, ldb: ldb, beta: beta, c: slow.pointer, ldc: ldc)
            // Every element, padding columns included: those must keep their 0.5. Against the peak:
            // with beta 0 some sums land near zero, where the two summation orders differ relatively most.
            #expect(peakRelativeError((0..<m * ldc).map { fast[flat: $0] }, (0..<m * ldc).map { Double(slow[flat: $0]) }) < 1e-5,
                    "\(m)×\(n)×\(k)")
        }
    }

    /// C = op(A) · B with a small depth (a convolution over few channels, the column gradient):
    /// shapes that take the AVX2 6 × 16 tiles where the CPU has them, with every row remainder,
    /// a whole 8-column block, partial blocks of 5 and 13 columns, and A read both ways. C starts
    /// as NaN (every element must be written) and its padding columns must stay NaN.
    @Test(arguments: [false, true]) func smallDepthProductMatchesTripleLoop(transposeA: Bool) {
        for (m, n, k) in [(6, 37, 25), (7, 24, 32), (13, 29, 150), (1, 16, 1), (17, 40, 3), (20, 1203, 48)] {  // the last split
            let lda = (transposeA ? m : k) + 2, ldb = n + 3, ldc = n + 1
            let a = randomTensor([(transposeA ? k : m) * lda], seed: 5), b = randomTensor([k * ldb], seed: 6)
            let fast = Tensor(repeating: .nan, shape: [m * ldc]), slow = Tensor(repeating: .nan, shape: [m * ldc])
            gemm(transposeA: transposeA, m: m, n: n, k: k, a: a.pointer, lda: lda, b: b.pointer, ldb: ldb, c: fast.pointer, ldc: ldc)
            referenceGEMM(transposeA: transposeA, m: m, n: n, k: k, a: a.pointer, lda: lda, b: b.pointer, ldb: ldb,
                          c: slow.pointer, ldc: ldc)
            let used = (0..<m).flatMap { i in (0..<n).map { i * ldc + $0 } }
            #expect(relativeError(used.map { fast[flat: $0] }, used.map { Double(slow[flat: $0]) }) < 1e-4, "\(m)×\(n)×\(k)")
            #expect((0..<m).allSatisfy { fast[flat: $0 * ldc + n].isNaN }, "\(m)×\(n)×\(k) wrote past its columns")
        }
    }

    /// Sums over consecutive axes run as vector loops over an [outer, length, inner] view, shared
    /// out by `outer`, or by columns where `outer` is 1; other axis sets take the general loop.
    /// Every case against float64 sums, with sizes past the threads' threshold.
    @Test func sumsOverAxesMatchTheDefinition() {
        for (shape, axes) in [([3, 50, 700], [1]), ([300, 403], [0]), ([300, 403], [1]), ([5, 7, 9], [0, 1, 2]),
                              ([4, 5, 6, 7], [1, 2]), ([4, 5, 6, 7], [0, 2]), ([2, 70000], [1]), ([131], [0])] {
            let x = randomTensor(shape, seed: 11)
            var expected = [Double](repeating: 0, count: x.count / axes.reduce(1) { $0 * shape[$1] })
            var kept = shape
            for axis in axes { kept[axis] = 1 }
            for flat in 0..<x.count {
                var rest = flat, target = 0, scale = 1
                var index = [Int](repeating: 0, count: shape.count)
                for axis in (0..<shape.count).reversed() { index[axis] = rest % shape[axis]; rest /= shape[axis] }
                for axis in (0..<shape.count).reversed() {
                    target += (axes.contains(axis) ? 0 : index[axis]) * scale
                    scale *= kept[axis]
                }
                expected[target] += Double(x[flat: flat])
            }
            let sum = x.sum(axes: axes)
            #expect(sum.shape == shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element))
            #expect(peakRelativeError(sum.scalars, expected) < 1e-5, "\(shape) over \(axes)")
        }
    }

    /// Direct 7-loop convolution, the definition conv2d is checked against.
    func naiveConvolution(_ x: Tensor, _ w: Tensor, stride: Int, pad: Int, dilation: Int, groups: Int) -> [Float] {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        let oh = (h + 2 * pad - dilation * (kh - 1) - 1) / stride + 1, ow = (wd + 2 * pad - dilation * (kw - 1) - 1) / stride + 1
        var out = [Float](repeating: 0, count: n * o * oh * ow)
        for b in 0..<n { for oc in 0..<o { for y in 0..<oh { for xx in 0..<ow {
            var sum: Float = 0
            let group = oc / (o / groups)
            for ic in 0..<cg { for i in 0..<kh { for j in 0..<kw {
                let iy = y * stride - pad + i * dilation, ix = xx * stride - pad + j * dilation
                if iy >= 0 && iy < h && ix >= 0 && ix < wd {
                    sum += x[flat: ((b * c + group * cg + ic) * h + iy) * wd + ix] * w[flat: ((oc * cg + ic) * kh + i) * kw + j]
                }
            } } }
            out[((b * o + oc) * oh + y) * ow + xx] = sum
        } } } }
        return out
    }

    @Test(arguments: [(1, 0, 1, 1), (2, 1, 1, 1), (1, 2, 2, 1), (2, 1, 1, 3), (3, 2, 1, 1), (1, 0, 1, 6), (2, 2, 2, 6), (3, 1, 1, 6)])
    func convolutionMatchesDirectLoops(config: (stride: Int, pad: Int, dilation: Int, groups: Int)) {
        // Batch 3 splits images over threads; batch 1 splits channels (the single-image path).
        for batch in [3, 1] {
            let x = randomTensor([batch, 6, 9, 8], seed: 3), w = randomTensor([6, 6 / config.groups, 3, 3], seed: 4)
            let fast = x.conv2d(weight: w, bias: nil, stride: (config.stride, config.stride),
                                padding: (config.pad, config.pad, config.pad, config.pad),
                                dilation: (config.dilation, config.dilation), groups: config.groups)
            let slow = naiveConvolution(x, w, stride: config.stride, pad: config.pad, dilation: config.dilation, groups: config.groups)
            #expect(relativeError(fast.scalars, slow.map(Double.init)) < 1e-4, "batch \(batch)")
        }
    }

    /// im2col (its shifted-plane path for stride-1 "same" rows and its row-by-row path) against
    /// the definition, with several images side by side (row stride wider than one image).
    @Test func im2colMatchesTheDefinition() {
        let cases: [(kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int, Int, Int), dilation: (Int, Int))] = [
            ((3, 3), (1, 1), (1, 1, 1, 1), (1, 1)), ((5, 5), (1, 1), (2, 2, 2, 2), (1, 1)), ((3, 3), (1, 1), (2, 2, 2, 2), (2, 2)),
            ((2, 2), (1, 1), (0, 0, 1, 1), (1, 1)), ((3, 1), (1, 1), (1, 0, 1, 0), (1, 1)), ((3, 3), (1, 1), (0, 0, 0, 0), (1, 1)),
            ((3, 3), (2, 2), (1, 1, 1, 1), (1, 1)), ((1, 1), (1, 1), (0, 0, 0, 0), (1, 1)), ((3, 3), (1, 1), (3, 1, 0, 1), (1, 1)),
            // Whole-row copies (every column inside the image) with rows in the vertical padding.
            ((3, 3), (2, 1), (1, 0, 1, 0), (1, 1)), ((3, 2), (1, 1), (2, 0, 1, 0), (2, 1)),
            // Stride 1, rows narrower than the input and cut by the left padding (masked loads at both ends).
            ((3, 3), (1, 1), (1, 1, 0, 0), (1, 1)), ((5, 5), (1, 1), (1, 1, 1, 1), (1, 1)),
        ]
        // Maps smaller than the kernel's reach too (ResNet-18's last stage at 32×32 inputs is 1×1).
        // (4, 13): valid rows of 11 and 12 floats; (3, 37): rows of two whole 16-float vectors and a masked third.
        let sizes = [(5, 6), (1, 1), (2, 2), (1, 3), (4, 13), (3, 37)]
        for (height, width) in sizes {
          let x = randomTensor([2, height, width], seed: 60)
          for (kernel, stride, padding, dilation) in cases {
            let g = WindowGeometry(channels: 2, height: height, width: width, kernel: kernel, stride: stride, padding: padding, dilation: dilation)
            guard g.isValid else { continue }
            let plane = g.outputHeight * g.outputWidth, rowStride = plane + 3
            let columns = Tensor(repeating: .nan, shape: [2 * kernel.0 * kernel.1 * rowStride])
            im2col(g, input: x.pointer, columns: columns.pointer, rowStride: rowStride)
            var mismatches = 0
            for c in 0..<2 {
                for ki in 0..<kernel.0 {
                    for kj in 0..<kernel.1 {
                        for oh in 0..<g.outputHeight {
                            for ow in 0..<g.outputWidth {
                                let ih = oh * stride.0 - padding.0 + ki * dilation.0, iw = ow * stride.1 - padding.1 + kj * dilation.1
                                let expected: Float = ih >= 0 && ih < height && iw >= 0 && iw < width
                                    ? x[flat: (c * height + ih) * width + iw] : 0
                                let r = (c * kernel.0 + ki) * kernel.1 + kj
                                if columns[flat: r * rowStride + oh * g.outputWidth + ow] != expected { mismatches += 1 }
                            }
                        }
                    }
                }
            }
            #expect(mismatches == 0, "\(height)×\(width), kernel \(kernel), stride \(stride), padding \(padding), dilation \(dilation)")
            // The cells between rows (another image's, when several are unfolded side by side) are not written.
            let gapsWritten = (0..<(2 * kernel.0 * kernel.1)).filter { r in (plane..<rowStride).contains { !columns[flat: r * rowStride + $0].isNaN } }
            #expect(gapsWritten.isEmpty, "\(height)×\(width), kernel \(kernel): rows \(gapsWritten) written past their plane")
            // col2im is im2col's adjoint: ⟨im2col(x), r⟩ = ⟨x, col2im(r)⟩ for any r (the cells between
            // rows, past each plane, are not read).
            let r = randomTensor([2 * kernel.0 * kernel.1 * rowStride], seed: 61), back = Tensor(zeros: [2, height, width])
            col2im(g, columns: r.pointer, output: back.pointer, rowStride: rowStride)
            var unfolded: Double = 0, folded: Double = 0
            for row in 0..<(2 * kernel.0 * kernel.1) {
                for p in 0..<plane { unfolded += Double(columns[flat: row * rowStride + p]) * Double(r[flat: row * rowStride + p]) }
            }
            for i in 0..<x.count { folded += Double(x[flat: i]) * Double(back[flat: i]) }
            #expect(Swift.abs(unfolded - folded) <= 1e-4 * Swift.max(1, Swift.abs(unfolded)),
                    "col2im, \(height)×\(width), kernel \(kernel), stride \(stride), padding \(padding), dilation \(dilation)")
          }
        }
    }

    /// Planes of 2²⁴ cells and more, past what the C lanes' float offsets hold exactly, take the
    /// Swift loops: im2col with stride 2 and a 3×3/2 max pool with padding on a 4100 × 4100 plane
    /// (offsets up to 16.8 M), a sample of outputs against the definitions (ties and a NaN among
    /// them), half of it from the last rows, where float offsets would be off.
    @Test func planesPastTheLanesRangeTakeTheSwiftLoops() {
        let side = 4100, plane = side * side
        let x = Tensor(uninitializedShape: [1, 1, side, side])
        for i in 0..<plane { x.pointer[i] = Float((i &* 2_654_435_761) % 1000) / 10 }
        x.pointer[2 * side + 5] = .nan
        let g = WindowGeometry(channels: 1, height: side, width: side, kernel: (1, 2), stride: (2, 2))
        let outW = g.outputWidth, count = g.outputHeight * outW
        let columns = Tensor(uninitializedShape: [2 * count])
        im2col(g, input: x.pointer, columns: columns.pointer)
        var generator = SeededGenerator(seed: 77)
        var mismatches = 0
        for k in 0..<2000 {
            let o = Int.random(in: (k % 2 == 0 ? 0 : count - 4 * outW)..<count, using: &generator), j = Int.random(in: 0..<2, using: &generator)
            let expected = x.pointer[(o / outW) * 2 * side + (o % outW) * 2 + j], actual = columns.pointer[j * count + o]
            if !(actual == expected || actual.isNaN && expected.isNaN) { mismatches += 1 }
        }
        #expect(mismatches == 0, "im2col")
        let pooled = x.maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1))
        let pooledW = pooled.shape[3]
        mismatches = 0
        for k in 0..<2000 {
            let rows = k % 2 == 0 ? 0..<pooled.shape[2] : (pooled.shape[2] - 4)..<pooled.shape[2]
            let (oh, ow) = k == 0 ? (1, 2) : (Int.random(in: rows, using: &generator), Int.random(in: 0..<pooledW, using: &generator))
            var best: Float? = nil
            for h in (2 * oh - 1)...(2 * oh + 1) where (0..<side).contains(h) {
                for w in (2 * ow - 1)...(2 * ow + 1) where (0..<side).contains(w) {
                    let v = x.pointer[h * side + w]
                    if let b = best, b.isNaN || !(v > b || v.isNaN) { continue }
                    best = v
                }
            }
            let actual = pooled.pointer[oh * pooledW + ow]
            if !(actual == best! || actual.isNaN && best!.isNaN) { mismatches += 1 }
        }
        #expect(mismatches == 0, "max pool")
        // The 2×2 pool's gradient too (its C kernel keeps float winners): each sampled window's
        // first maximum gets the gradient, and only it.
        let xg = x.detached().requiringGrad()
        xg.maxPool2d(kernel: (2, 2)).sum().backward()
        let grad = xg.grad!
        mismatches = 0
        for k in 0..<2000 {
            let rows = k % 2 == 0 ? 0..<(side / 2) : (side / 2 - 4)..<(side / 2)
            let (oh, ow) = k == 0 ? (1, 2) : (Int.random(in: rows, using: &generator), Int.random(in: 0..<(side / 2), using: &generator))
            let cells = [(0, 0), (0, 1), (1, 0), (1, 1)].map { (2 * oh + $0.0) * side + 2 * ow + $0.1 }
            var best = cells[0]
            for cell in cells.dropFirst() where !x.pointer[best].isNaN && (x.pointer[cell] > x.pointer[best] || x.pointer[cell].isNaN) {
                best = cell
            }
            if cells.contains(where: { grad.pointer[$0] != ($0 == best ? 1 : 0) }) { mismatches += 1 }
        }
        #expect(mismatches == 0, "2×2 max pool's gradient")
    }

    /// im2col of a run of output pixels (where each column row is the plane shifted) against the
    /// same pixels of the whole unfolding: runs that start and end inside a row and a 16-float vector.
    @Test func im2colOfAPixelRunMatchesTheWholeUnfolding() {
        let g = WindowGeometry(channels: 3, height: 9, width: 13, kernel: (3, 3), padding: (1, 1, 1, 1))
        #expect(g.unfoldsByShifting)
        let x = randomTensor([3, 9, 13], seed: 62), plane = 9 * 13, rows = 27
        let whole = Tensor(zeros: [rows * plane])
        im2col(g, input: x.pointer, columns: whole.pointer)
        for pixels in [0..<plane, 5..<40, 17..<18, 100..<plane] {
            let stride = pixels.count + 2, run = Tensor(repeating: .nan, shape: [rows * stride])
            im2colPixels(g, input: x.pointer, pixels: pixels, columns: run.pointer, rowStride: stride)
            var mismatches = 0, written = 0
            for r in 0..<rows {
                for (i, p) in pixels.enumerated() where run[flat: r * stride + i] != whole[flat: r * plane + p] { mismatches += 1 }
                for i in pixels.count..<stride where !run[flat: r * stride + i].isNaN { written += 1 }
            }
            #expect(mismatches == 0 && written == 0, "pixels \(pixels)")
        }
    }

    /// Depthwise convolution's two forward paths: per plane (planes over 256 pixels) and
    /// channels-last (small planes), with stride, dilation and the fused ReLU6 clamp. 37 channels
    /// fill two 16-lane vectors and part of a third; 9×11 planes move between layouts in 8 × 8
    /// blocks with edges left over; a 1×1 plane sees only its centre tap.
    @Test(arguments: [(20, 18, 5), (5, 5, 5), (3, 4, 37), (9, 11, 37), (1, 1, 21)])
    func depthwiseBothPathsMatchDirectLoops(height: Int, width: Int, channels: Int) {
        let x = randomTensor([2, channels, height, width], seed: 90, scale: 4), w = randomTensor([channels, 1, 3, 3], seed: 91, scale: 2)
        // Stride 2 without padding leaves the last column of an even width unread (3×4): the
        // channels-last copy then holds part of each row.
        let unpadded = height >= 3 && width >= 3 ? [(2, 0, 1)] : []
        for (stride, pad, dilation) in [(1, 1, 1), (2, 1, 1), (1, 2, 2)] + unpadded {
            let fast = x.conv2d(weight: w, bias: nil, stride: (stride, stride), padding: (pad, pad, pad, pad),
                                dilation: (dilation, dilation), groups: channels, activation: .relu6)
            let slow = naiveConvolution(x, w, stride: stride, pad: pad, dilation: dilation, groups: channels)
                .map { Swift.min(Swift.max($0, 0), 6) }
            // Against the peak: sums of nine terms up to ~30 that cancel near zero differ by ~1e-6 with FMA.
            #expect(peakRelativeError(fast.scalars, slow.map(Double.init)) < 1e-5, "\(height)×\(width), stride \(stride), dilation \(dilation)")
        }
    }

    /// A 1×1 convolution on planes of ≥ 256 pixels multiplies each image as it lies (no im2col):
    /// forward with the fused ReLU, and dX, dW, bias gradient against their closed forms.
    @Test func pointwiseConvolutionOnLargePlanesReadsTheInputDirectly() {
        let (batch, channels, out, height, width) = (3, 4, 5, 16, 17)
        let plane = height * width
        let x = randomTensor([batch, channels, height, width], seed: 96).requiringGrad()
        let w = randomTensor([out, channels, 1, 1], seed: 97).requiringGrad(), b = randomTensor([out], seed: 98).requiringGrad()
        let kernel = ConvolutionKernel(geometry: WindowGeometry(channels: channels, height: height, width: width, kernel: (1, 1)),
                                       batch: batch, outChannels: out, groups: 1)
        #expect(kernel.readsInputAsColumns)
        let y = x.conv2d(weight: w, bias: b, activation: .relu)
        let linear = naiveConvolution(x, w, stride: 1, pad: 0, dilation: 1, groups: 1)
        let expected = (0..<y.count).map { i in Double(Swift.max(linear[i] + b.scalars[(i / plane) % out], 0)) }
        #expect(relativeError(y.scalars, expected) < 1e-4)
        let seed = randomTensor(y.shape, seed: 99)
        y.backward(seed: seed)
        // g = seed where the ReLU passed; dX = Wᵀg, dW = g·xᵀ, db = Σg.
        let g = (0..<y.count).map { y.scalars[$0] > 0 ? Double(seed.scalars[$0]) : 0 }
        var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: w.count), db = [Double](repeating: 0, count: out)
        for n in 0..<batch {
            for o in 0..<out {
                for p in 0..<plane {
                    let gradient = g[(n * out + o) * plane + p]
                    db[o] += gradient
                    for c in 0..<channels {
                        dx[(n * channels + c) * plane + p] += Double(w.scalars[o * channels + c]) * gradient
                        dw[o * channels + c] += gradient * Double(x.scalars[(n * channels + c) * plane + p])
                    }
                }
            }
        }
        #expect(relativeError(x.grad!.scalars, dx) < 1e-4)
        #expect(relativeError(w.grad!.scalars, dw) < 1e-4)
        #expect(relativeError(b.grad!.scalars, db) < 1e-4)
        // One image takes the single-image path, which reads a pointwise input directly too.
        let single = randomTensor([1, channels, 3, 5], seed: 100)
        let reference = naiveConvolution(single, w, stride: 1, pad: 0, dilation: 1, groups: 1)
        #expect(relativeError(single.conv2d(weight: w, bias: nil).scalars, reference.map(Double.init)) < 1e-4)
    }

    /// Depthwise convolution's two backward paths (per plane, channels-last) against each channel
    /// run on its own as a one-channel convolution through the GEMM kernel: dX, dW and the bias
    /// gradient, through the fused ReLU6's mask.
    @Test(arguments: [(20, 18, 5), (5, 5, 5), (3, 4, 37), (9, 11, 37), (1, 1, 21)])
    func depthwiseBothBackwardPathsMatchOneChannelConvolutions(height: Int, width: Int, channels: Int) {
        let batch = 3
        let x = randomTensor([batch, channels, height, width], seed: 92, scale: 3)
        let w = randomTensor([channels, 1, 3, 3], seed: 93), b = randomTensor([channels], seed: 94)
        // Stride 2 without padding leaves the last column of an even width unread (3×4): the
        // channels-last copy then holds part of each row.
        let unpadded = height >= 3 && width >= 3 ? [(2, 0, 1)] : []
        for (stride, pad, dilation) in [(1, 1, 1), (2, 1, 1), (1, 2, 2)] + unpadded {
            let (xi, wi, bi) = (x.copy().requiringGrad(), w.copy().requiringGrad(), b.copy().requiringGrad())
            let y = xi.conv2d(weight: wi, bias: bi, stride: (stride, stride), padding: (pad, pad, pad, pad),
                              dilation: (dilation, dilation), groups: channels, activation: .relu6)
            let seed = randomTensor(y.shape, seed: 95)
            y.backward(seed: seed)
            let inPlane = height * width, outPlane = y.shape[2] * y.shape[3]
            var dx = [Double](repeating: 0, count: x.count), dw = [Double](), db = [Double]()
            for c in 0..<channels {
                func plane(_ t: Tensor, _ size: Int) -> Tensor {
                    let scalars = t.scalars
                    var values: [Float] = []
                    for n in 0..<batch {
                        let start = (n * channels + c) * size
                        values += scalars[start..<(start + size)]
                    }
                    return try! Tensor(values, shape: [batch, 1, t.shape[2], t.shape[3]])
                }
                let xc = plane(x, inPlane).requiringGrad()
                let wc = try! Tensor(Array(w.scalars[(c * 9)..<((c + 1) * 9)]), shape: [1, 1, 3, 3]).requiringGrad()
                let bc = try! Tensor([b.scalars[c]], shape: [1]).requiringGrad()
                let yc = xc.conv2d(weight: wc, bias: bc, stride: (stride, stride), padding: (pad, pad, pad, pad),
                                   dilation: (dilation, dilation), activation: .relu6)
                yc.backward(seed: plane(seed, outPlane))
                for n in 0..<batch {
                    for p in 0..<inPlane { dx[(n * channels + c) * inPlane + p] = Double(xc.grad!.scalars[n * inPlane + p]) }
                }
                dw += wc.grad!.scalars.map(Double.init)
                db.append(Double(bc.grad!.scalars[0]))
            }
            let context = "\(height)×\(width), stride \(stride), dilation \(dilation)"
            #expect(relativeError(xi.grad!.scalars, dx) < 1e-4, "dX, \(context)")
            #expect(relativeError(wi.grad!.scalars, dw) < 1e-4, "dW, \(context)")
            #expect(relativeError(bi.grad!.scalars, db) < 1e-4, "bias, \(context)")
        }
    }

    @Test func im2colThenCol2imCountsWindowCoverage() {
        // col2im(im2col(1)) counts how many windows cover each pixel: corners of a 3×3 "same" conv see 4.
        let g = WindowGeometry(channels: 1, height: 4, width: 4, kernel: (3, 3), padding: (1, 1, 1, 1))
        let ones = Tensor(ones: [1, 4, 4]), columns = Tensor(zeros: [9, 16]), back = Tensor(zeros: [1, 4, 4])
        im2col(g, input: ones.pointer, columns: columns.pointer)
        col2im(g, columns: columns.pointer, output: back.pointer)
        #expect(back.scalars == [4, 6, 6, 4, 6, 9, 9, 6, 6, 9, 9, 6, 4, 6, 6, 4])
    }
}

@Suite struct ThreadPoolTests {
    @Test func everyIndexRunsExactlyOnce() {
        let pool = ThreadPool(threads: 3)
        for count in [1, 2, 5, 64, 1000] {
            let hits = UnsafeMutablePointer<Int>.allocate(capacity: count)
            hits.initialize(repeating: 0, count: count)
            pool.parallelFor(count) { hits[$0] += 1 }
            #expect((0..<count).allSatisfy { hits[$0] == 1 }, "count \(count)")
            hits.deallocate()
        }
    }

    @Test func manySmallJobsInARowFinish() {
        let pool = ThreadPool(threads: 2)
        var total = 0
        for _ in 0..<20_000 {
            let sums = UnsafeMutablePointer<Int>.allocate(capacity: 2)
            sums.initialize(repeating: 0, count: 2)
            pool.parallelFor(2) { sums[$0] = $0 + 1 }
            total += sums[0] + sums[1]
            sums.deallocate()
        }
        #expect(total == 60_000)
    }

    @Test func nestedParallelForRunsSeriallyInside() {
        let pool = ThreadPool(threads: 2)
        let cells = UnsafeMutablePointer<Int>.allocate(capacity: 16)
        cells.initialize(repeating: 0, count: 16)
        pool.parallelFor(4) { outer in pool.parallelFor(4) { inner in cells[outer * 4 + inner] += 1 } }
        #expect((0..<16).allSatisfy { cells[$0] == 1 })
        cells.deallocate()
    }

    @Test func rangesCoverTheWholeInterval() {
        let pool = ThreadPool(threads: 2)
        let marks = UnsafeMutablePointer<Int>.allocate(capacity: 101)
        marks.initialize(repeating: 0, count: 101)
        pool.parallelRanges(101) { range in for i in range { marks[i] += 1 } }
        pool.parallelRanges(101, chunksPerThread: 8) { range in for i in range { marks[i] += 1 } }
        #expect((0..<101).allSatisfy { marks[$0] == 2 })
        marks.deallocate()
    }

    /// Iterations that name the same thread never overlap, so they may share that thread's scratch.
    @Test func threadIndexedIterationsOwnTheirThreadsScratch() {
        let pool = ThreadPool(threads: 3)
        let count = 600
        let hits = UnsafeMutablePointer<Int>.allocate(capacity: count), owners = UnsafeMutablePointer<Int>.allocate(capacity: count)
        let inUse = UnsafeMutablePointer<Int>.allocate(capacity: 3), scratch = UnsafeMutablePointer<Int>.allocate(capacity: 3)
        hits.initialize(repeating: 0, count: count); owners.initialize(repeating: -1, count: count)
        inUse.initialize(repeating: 0, count: 3); scratch.initialize(repeating: 0, count: 3)
        pool.parallelFor(count) { i, thread in
            guard (0..<3).contains(thread) else { return }
            inUse[thread] += 1
            owners[i] = inUse[thread]   // 1 unless another iteration holds this thread's scratch
            // Work on the scratch long enough for an overlapping iteration to show.
            scratch[thread] = i
            for _ in 0..<200 where scratch[thread] != i { owners[i] = 0 }
            hits[i] += 1
            inUse[thread] -= 1
        }
        #expect((0..<count).allSatisfy { hits[$0] == 1 && owners[$0] == 1 })
        for p in [hits, owners, inUse, scratch] { p.deallocate() }
    }

    /// `threadSlots` bounds every thread index, whatever the thread count is set to after the
    /// threads started (per-thread buffers are sized by it: a concurrent raise of the count
    /// would otherwise index past buffers sized at the lower count).
    @Test func threadSlotsBoundTheThreadIndicesAfterTheCountIsLowered() {
        let pool = ThreadPool(threads: 3)
        pool.setThreadCount(1)
        #expect(pool.threadCount == 1 && pool.threadSlots == 3)
        pool.setThreadCount(3)
        let seen = UnsafeMutablePointer<Int>.allocate(capacity: 64)
        seen.initialize(repeating: -1, count: 64)
        pool.parallelFor(64) { i, thread in seen[i] = thread }
        #expect((0..<64).allSatisfy { (0..<pool.threadSlots).contains(seen[$0]) })
        #expect(pool.threadSlots == 3)
        seen.deallocate()
    }
}

@Suite struct FusedActivationTests {
    /// Both the GEMM kernel and the depthwise one (groups = channels).
    @Test(arguments: [1, 3]) func fusedReLUEqualsConvolutionThenReLUBothWays(groups: Int) {
        let out = groups == 1 ? 4 : 3
        let x = randomTensor([5, 3, 7, 7], seed: 40), w = randomTensor([out, 3 / groups, 3, 3], seed: 41), b = randomTensor([out], seed: 42)
        let seed = randomTensor([5, out, 7, 7], seed: 43)
        func run(_ fused: Bool) -> [[Float]] {
            let (xi, wi, bi) = (x.copy().requiringGrad(), w.copy().requiringGrad(), b.copy().requiringGrad())
            let y = fused
                ? xi.conv2d(weight: wi, bias: bi, padding: (1, 1, 1, 1), groups: groups, activation: .relu)
                : xi.conv2d(weight: wi, bias: bi, padding: (1, 1, 1, 1), groups: groups).relu()
            y.backward(seed: seed)
            return [y.scalars, xi.grad!.scalars, wi.grad!.scalars, bi.grad!.scalars]
        }
        let (fused, separate) = (run(true), run(false))
        for (a, b) in zip(fused, separate) { #expect(relativeError(a, b.map(Double.init)) < 1e-5) }
    }

    /// One image through a depthwise layer on a small plane (MobileNetV2's stages at batch 1): the
    /// threads split the channels from 32 up (130: 65 each, the batch norm folding 8 channels at a
    /// time with 2 left over; 37: 18 and 19, the second share starting inside a vector; 32: one
    /// vector each); against the separate ops.
    @Test(arguments: [130, 37, 32])
    func depthwiseBatchNormFoldedForOneImageSplitByChannels(channels: Int) {
        let x = randomTensor([1, channels, 3, 3], seed: 60), w = randomTensor([channels, 1, 3, 3], seed: 61)
        let gamma = randomTensor([channels], seed: 62), beta = randomTensor([channels], seed: 63)
        let mean = randomTensor([channels], seed: 64), variance = randomTensor([channels], seed: 65).mapValues { $0 * $0 + 0.1 }
        let residual = randomTensor([1, channels, 3, 3], seed: 66)
        let folded = x.conv2dBatchNormInference(weight: w, bias: nil, padding: (1, 1, 1, 1), groups: channels,
                                                normWeight: gamma, normBias: beta, runningMean: mean, runningVariance: variance,
                                                epsilon: 1e-5, adding: residual, activation: .relu6)
        let separate = (x.conv2d(weight: w, bias: nil, padding: (1, 1, 1, 1), groups: channels)
            .batchNorm2d(weight: gamma, bias: beta, runningMean: mean, runningVariance: variance, training: false) + residual).relu6()
        #expect(peakRelativeError(folded.scalars, separate.scalars.map(Double.init)) < 1e-5)
        let naive = KernelTests().naiveConvolution(x, w, stride: 1, pad: 1, dilation: 1, groups: channels)
        #expect(relativeError(x.conv2d(weight: w, bias: nil, padding: (1, 1, 1, 1), groups: channels).scalars, naive.map(Double.init)) < 1e-4)
    }

    /// Inference-time batch norm, residual and ReLU folded into the convolution's output pass,
    /// against the separate ops; GEMM kernel (groups 1, 2) and depthwise kernel (groups = channels).
    /// Batch 1 takes the single-image path (threads split channels), batch 3 the batch-share path.
    @Test(arguments: [(1, 3), (2, 3), (4, 3), (1, 1)]) func batchNormFoldedIntoTheConvolutionEqualsTheSeparateOps(groups: Int, batch: Int) {
        let x = randomTensor([batch, 4, 6, 6], seed: 50), w = randomTensor([4, 4 / groups, 3, 3], seed: 51)
        let b = randomTensor([4], seed: 52), gamma = randomTensor([4], seed: 53), beta = randomTensor([4], seed: 54)
        let mean = randomTensor([4], seed: 55), variance = randomTensor([4], seed: 56).mapValues { $0 * $0 + 0.1 }
        let residual = randomTensor([batch, 4, 3, 3], seed: 57)
        for (useResidual, activation) in [(false, FusedActivation.none), (false, .relu), (true, .none), (true, .relu), (false, .relu6), (true, .relu6)] {
            let folded = x.conv2dBatchNormInference(weight: w, bias: b, stride: (2, 2), padding: (1, 1, 1, 1), groups: groups,
                                                    normWeight: gamma, normBias: beta, runningMean: mean, runningVariance: variance,
                                                    epsilon: 1e-5, adding: useResidual ? residual : nil, activation: activation)
            var separate = x.conv2d(weight: w, bias: b, stride: (2, 2), padding: (1, 1, 1, 1), groups: groups)
                .batchNorm2d(weight: gamma, bias: beta, runningMean: mean, runningVariance: variance, training: false)
            if useResidual { separate = separate + residual }
            if activation == .relu { separate = separate.relu() }
            if activation == .relu6 { separate = separate.relu6() }
            #expect(folded.shape == separate.shape)
            // Relative to the output's scale: (acc + b)·s + t cancels near zero, and the AVX2 kernel's
            // epilogue may round it as one fused multiply-add where the separate ops round twice.
            #expect(peakRelativeError(folded.scalars, separate.scalars.map(Double.init)) < 1e-5,
                    "groups \(groups), residual \(useResidual), \(activation)")
        }
    }

    /// The 2×2 fast path keeps the general loop's rules: the first maximum takes the gradient, NaN wins.
    @Test func halvingMaxPoolPicksTheFirstMaximumAndPropagatesNaN() {
        let x = try! Tensor([1, 3, 3, 0,   2, 5, 1, 1,
                             .nan, 0, 4, 4,  1, 2, 4, 4], shape: [1, 1, 4, 4]).requiringGrad()
        let y = x.maxPool2d(kernel: (2, 2))
        #expect(y[flat: 0] == 5 && y[flat: 1] == 3 && y[flat: 2].isNaN && y[flat: 3] == 4)
        y.sum().backward()
        let expected: [Float] = [0, 0, 1, 0,  0, 1, 0, 0,  1, 0, 1, 0,  0, 0, 0, 0]
        #expect(x.grad!.scalars == expected)
        // Without a gradient to record, no indices are kept and the values are the same.
        let inference = withoutGradients { x.maxPool2d(kernel: (2, 2)) }
        #expect(inference[flat: 0] == 5 && inference[flat: 2].isNaN && inference[flat: 3] == 4)
    }

    /// The vectorised 2×2 path, forward and backward, with many ties and a few NaNs, against the
    /// rule: rows of 19 (9 outputs: one short vector; the 19th column unused), 45 (22: a whole
    /// 16-output vector and a short one) and 32 (16: whole vectors only, at 16 and at 8 lanes).
    @Test(arguments: [19, 45, 32]) func halvingMaxPoolMatchesTheRuleOnWideRows(width: Int) {
        let (height, outW) = (7, width / 2), plane = 7 * width   // the 7th row, like the last column, in no window
        var values = randomTensor([2, 3, height, width], seed: 70, scale: 2).scalars.map { Float(Int($0)) }   // small integers: ties
        values[5] = .nan; values[width * 2 + 8] = .nan; values[300] = -.infinity; values[plane + 40] = .infinity
        let x = try! Tensor(values, shape: [2, 3, height, width]).requiringGrad()
        let y = x.maxPool2d(kernel: (2, 2))
        y.backward(seed: Tensor(ones: y.shape))
        var expectedGrad = [Float](repeating: 0, count: values.count), mismatches = 0
        for p in 0..<6 {
            for oh in 0..<3 {
                for ow in 0..<outW {
                    let cells = [(2 * oh, 2 * ow), (2 * oh, 2 * ow + 1), (2 * oh + 1, 2 * ow), (2 * oh + 1, 2 * ow + 1)]
                        .map { p * plane + $0.0 * width + $0.1 }
                    var best = cells[0]
                    for cell in cells.dropFirst() where !values[best].isNaN && (values[cell] > values[best] || values[cell].isNaN) {
                        best = cell
                    }
                    expectedGrad[best] += 1
                    let actual = y[flat: p * 3 * outW + oh * outW + ow]
                    if !(actual == values[best] || actual.isNaN && values[best].isNaN) { mismatches += 1 }
                }
            }
        }
        #expect(mismatches == 0)
        #expect(x.grad!.scalars == expectedGrad)
        let inference = withoutGradients { x.maxPool2d(kernel: (2, 2)) }
        #expect(zip(inference.scalars, y.scalars).allSatisfy { $0 == $1 || $0.isNaN && $1.isNaN })
        // Output rows [0, 1) and [1, 3) by `fovea_max_pool_halving_rows` (threads sharing one image's
        // rows): the same values, and winners still counted within the whole plane.
        let values2 = Tensor(repeating: .nan, shape: y.shape), winners = [Int32](unsafeUninitializedCapacity: y.count) { _, n in n = y.count }
        var rowWinners = winners, wholeWinners = winners
        for rows in [0..<1, 1..<3] {
            fovea_max_pool_halving_rows(x.pointer, Int32(height), Int32(width), 0, 6, Int32(rows.lowerBound), Int32(rows.upperBound),
                                        values2.pointer, &rowWinners)
        }
        fovea_max_pool_halving(x.pointer, Int32(height), Int32(width), 0, 6, y.pointer, &wholeWinners)
        #expect(zip(values2.scalars, y.scalars).allSatisfy { $0 == $1 || $0.isNaN && $1.isNaN })
        #expect(rowWinners == wholeWinners)
    }

    /// Every other window (`fovea_max_pool_gathered`), forward and backward, with ties, NaNs and a
    /// row of −∞ (a window of −∞ alone gives its first cell the gradient), against the rule over
    /// each window's cells in order; 7 × 19 planes give whole and short vectors of outputs.
    @Test(arguments: [((3, 3), (2, 2), (1, 1), false), ((3, 3), (1, 1), (1, 1), false), ((2, 3), (1, 2), (1, 1), false),
                      ((3, 3), (2, 2), (0, 0), true), ((5, 5), (3, 3), (2, 2), false)])
    func generalMaxPoolMatchesTheRule(kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), ceilMode: Bool) {
        let (height, width) = (7, 19), plane = 7 * 19
        var values = randomTensor([2, 3, height, width], seed: 71, scale: 2).scalars.map { Float(Int($0)) }   // small integers: ties
        values[5] = .nan; values[width * 2 + 8] = .nan; values[plane + 40] = .infinity
        for c in 0..<width { values[2 * plane + 3 * width + c] = -.infinity }
        let x = try! Tensor(values, shape: [2, 3, height, width]).requiringGrad()
        let y = x.maxPool2d(kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode)
        y.backward(seed: Tensor(ones: y.shape))
        let (outH, outW) = (y.shape[2], y.shape[3])
        var expectedGrad = [Float](repeating: 0, count: values.count), mismatches = 0
        for p in 0..<6 {
            for oh in 0..<outH {
                for ow in 0..<outW {
                    var best: Int? = nil
                    for i in 0..<kernel.0 {
                        for j in 0..<kernel.1 {
                            let (h, w) = (oh * stride.0 - padding.0 + i, ow * stride.1 - padding.1 + j)
                            guard (0..<height).contains(h), (0..<width).contains(w) else { continue }
                            let cell = p * plane + h * width + w
                            if let b = best, values[b].isNaN || !(values[cell] > values[b] || values[cell].isNaN) { continue }
                            best = cell
                        }
                    }
                    expectedGrad[best!] += 1
                    let actual = y[flat: (p * outH + oh) * outW + ow]
                    if !(actual == values[best!] || actual.isNaN && values[best!].isNaN) { mismatches += 1 }
                }
            }
        }
        #expect(mismatches == 0)
        #expect(x.grad!.scalars == expectedGrad)
        let inference = withoutGradients { x.maxPool2d(kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode) }
        #expect(zip(inference.scalars, y.scalars).allSatisfy { $0 == $1 || $0.isNaN && $1.isNaN })
    }

    /// The im2col + GEMM backward against the float64 definition where each thread's share of the
    /// batch takes several GEMMs (the first writes its partial dW, the next add to it): large
    /// windows on a 20×20 plane (one image per GEMM, two groups), and 2×2 planes with many output
    /// channels (more images per GEMM than the column budget alone gives, and still several).
    @Test(arguments: [(batch: 5, channels: 32, out: 6, size: 20, kernel: 5, groups: 2),
                      (batch: 40, channels: 128, out: 64, size: 2, kernel: 3, groups: 1)])
    func unfoldingBackwardSumsSeveralProductsPerShare(c: (batch: Int, channels: Int, out: Int, size: Int, kernel: Int, groups: Int)) {
        let pad = c.kernel / 2, inPerGroup = c.channels / c.groups, outPerGroup = c.out / c.groups
        let g = WindowGeometry(channels: inPerGroup, height: c.size, width: c.size, kernel: (c.kernel, c.kernel),
                               padding: (pad, pad, pad, pad))
        let kernel = ConvolutionKernel(geometry: g, batch: c.batch, outChannels: c.out, groups: c.groups)
        let patch = inPerGroup * c.kernel * c.kernel
        // Images per GEMM: 64 K floats of columns / (patch · plane) = 0 → 1 in the first case (shares of 2
        // and 3 images); 14 in the second, raised to 64 / 4 = 16 by the dW rule (shares of 20).
        let x = randomTensor([c.batch, c.channels, c.size, c.size], seed: 74), w = randomTensor([c.out, inPerGroup, c.kernel, c.kernel], seed: 75)
        let dy = randomTensor([c.batch, c.out, c.size, c.size], seed: 76)
        let dx = Tensor(zeros: x.shape), dw = Tensor(repeating: .nan, shape: w.shape), db = Tensor(repeating: .nan, shape: [c.out])
        kernel.backwardByUnfolding(input: x.pointer, weight: w.pointer, output: dy.pointer, outputGrad: dy.pointer,
                                   inputGrad: dx.pointer, weightGrad: dw.pointer, biasGrad: db.pointer)
        var expectedX = [Double](repeating: 0, count: x.count), expectedW = [Double](repeating: 0, count: w.count)
        var expectedB = [Double](repeating: 0, count: c.out)
        let (xs, ws, dys) = (x.scalars, w.scalars, dy.scalars)
        for n in 0..<c.batch {
            for o in 0..<c.out {
                let group = o / outPerGroup
                for i in 0..<c.size {
                    for j in 0..<c.size {
                        let d = Double(dys[((n * c.out + o) * c.size + i) * c.size + j])
                        expectedB[o] += d
                        for k in 0..<inPerGroup {
                            for u in 0..<c.kernel {
                                for v in 0..<c.kernel {
                                    let (row, column) = (i + u - pad, j + v - pad)
                                    guard (0..<c.size).contains(row), (0..<c.size).contains(column) else { continue }
                                    let xIndex = ((n * c.channels + group * inPerGroup + k) * c.size + row) * c.size + column
                                    let wIndex = ((o * inPerGroup + k) * c.kernel + u) * c.kernel + v
                                    expectedW[wIndex] += d * Double(xs[xIndex])
                                    expectedX[xIndex] += d * Double(ws[wIndex])
                                }
                            }
                        }
                    }
                }
            }
        }
        #expect(patch * c.out == w.count)
        #expect(peakRelativeError(dw.scalars, expectedW) < 1e-5)
        #expect(peakRelativeError(dx.scalars, expectedX) < 1e-5)
        #expect(peakRelativeError(db.scalars, expectedB) < 1e-5)
        // dW alone: in the first case each image's 160 K floats of columns are unfolded and
        // multiplied in runs of 160 output pixels (400 = 160 + 160 + 80), within the column budget.
        let alone = Tensor(repeating: .nan, shape: w.shape)
        kernel.backwardByUnfolding(input: x.pointer, weight: w.pointer, output: dy.pointer, outputGrad: dy.pointer,
                                   inputGrad: nil, weightGrad: alone.pointer, biasGrad: nil)
        #expect(peakRelativeError(alone.scalars, expectedW) < 1e-5)
    }
}
