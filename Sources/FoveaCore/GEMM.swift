import CKernels
#if canImport(Accelerate)
import Accelerate
#endif

/// C = alpha · op(A) · op(B) + beta · C, row-major, single precision.
///
/// The one matrix multiply of Fovea. It goes to the platform BLAS (OpenBLAS on Linux,
/// Accelerate on Apple), which picks the right kernel for the CPU at run time, except for two
/// shapes BLAS runs badly, which take Fovea's own AVX2 kernels where the CPU has them (see
/// `ProductKernels`). BLAS itself is kept single-threaded: Fovea's own pool parallelises around
/// it (over batch and channels).
public func gemm(transposeA: Bool = false, transposeB: Bool = false,
                 m: Int, n: Int, k: Int,
                 alpha: Float = 1,
                 a: UnsafePointer<Float>, lda: Int,
                 b: UnsafePointer<Float>, ldb: Int,
                 beta: Float = 0,
                 c: UnsafeMutablePointer<Float>, ldc: Int) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        // BLAS leaves C untouched when k = 0 only if beta = 1; make the semantics explicit.
        for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
        return
    }
    BLASLibrary.loadOnce
    // A single output column or row is a matrix-vector product. BLAS's sgemm would first pack the
    // whole matrix into its blocked layout — for a batch-1 forward through ResNet-18's last stage
    // that is copying 9 MB of weights per layer to multiply them by one vector.
    if n == 1 || m == 1, beta == 0 {
        // BLAS's gemv scales y by beta, and 0 · NaN is NaN: clear what may be uninitialised memory.
        for i in 0..<m { for j in 0..<n { c[i * ldc + j] = 0 } }
    }
    // A matrix-vector product reads every weight once and does two flops per read: memory
    // bound, and single-threaded in BLAS as we configure it. From `threadedVectorProduct`
    // elements up, the threads take a share of the output each (keras-cifar-cnn's 2304 → 128
    // dense layer at batch 1 left the second core idle for a seventh of the forward pass).
    let sharedOut = ThreadPool.shared.threadCount > 1 && m * n * k >= threadedVectorProduct
    if n == 1 {
        // c[:, 0] = alpha · op(A) · b[:, 0] + beta · c[:, 0]; b's column has stride ldb (or 1 if transposed).
        func rows(_ r: Range<Int>) {
            sgemv(transpose: transposeA, m: transposeA ? k : r.count, n: transposeA ? r.count : k, alpha: alpha,
                  a: a + (transposeA ? r.lowerBound : r.lowerBound * lda), lda: lda,
                  x: b, incx: transposeB ? 1 : ldb, beta: beta, y: c + r.lowerBound * ldc, incy: ldc)
        }
        if sharedOut { ThreadPool.shared.parallelRanges(m, minimumPerChunk: 16, rows) } else { rows(0..<m) }
        return
    }
    if m == 1 {
        // c[0, :] = alpha · a[0, :] · op(B) + beta · c[0, :], as op(B)ᵀ · aᵀ.
        func columns(_ r: Range<Int>) {
            sgemv(transpose: !transposeB, m: transposeB ? r.count : k, n: transposeB ? k : r.count, alpha: alpha,
                  a: b + (transposeB ? r.lowerBound * ldb : r.lowerBound), lda: ldb,
                  x: a, incx: transposeA ? lda : 1, beta: beta, y: c + r.lowerBound, incy: 1)
        }
        if sharedOut { ThreadPool.shared.parallelRanges(n, minimumPerChunk: 16, columns) } else { columns(0..<n) }
        return
    }
    /// The product of rows `rows` of C with columns `columns` of C.
    func product(rows: Range<Int>, columns: Range<Int>) {
        let (m, n) = (rows.count, columns.count)
        let a = transposeA ? a + rows.lowerBound : a + rows.lowerBound * lda
        let b = transposeB ? b + columns.lowerBound * ldb : b + columns.lowerBound
        let c = c + rows.lowerBound * ldc + columns.lowerBound
        if !transposeB && alpha == 1 && beta == 0 && ProductKernels.takesSmallDepth(m: m, n: n, k: k) {
            return fovea_multiply_small_depth(Int32(m), n, Int32(k), a, transposeA ? 1 : lda, transposeA ? lda : 1, b, ldb, c, ldc)
        }
        if !transposeA && transposeB && alpha == 1 && (beta == 1 || beta == 0) && ProductKernels.takesRowProducts(m: m, n: n, k: k) {
            // The kernel accumulates: C (at most 16 K floats here) is cleared first for beta 0.
            if beta == 0 { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
            return fovea_accumulate_row_products(Int32(m), a, lda, Int32(n), b, ldb, k, c, ldc)
        }
        sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
              beta: beta, c: c, ldc: ldc)
    }
    // BLAS runs single-threaded (see `BLASLibrary`). A large product called from outside the
    // pool's jobs — a dense layer, attention's projections — is split between the threads along
    // C's longer side; inside a job (a convolution already shared out over images) it runs whole.
    let pool = ThreadPool.shared
    if pool.threadCount > 1 && m * n * k >= threadedProduct && !pool.isRunningJob {
        if m >= n {
            pool.parallelRanges(m, minimumPerChunk: 8) { product(rows: $0, columns: 0..<n) }
        } else {
            pool.parallelRanges(n, minimumPerChunk: 16) { product(rows: 0..<m, columns: $0) }
        }
        return
    }
    product(rows: 0..<m, columns: 0..<n)
}

/// Products of at least this many multiply-adds (about 20 µs on one core) are split between threads.
let threadedProduct = 1 << 20

/// BLAS's sgemm itself, whatever the shape (convolution-bench compares Fovea's kernels with it).
public func sgemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
                  a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                  beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    BLASLibrary.loadOnce
    #if canImport(Accelerate)
    cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    #else
    fovea_blas_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb),
                     beta, c, Int32(ldc))
    #endif
}

/// y = alpha · op(A) · x + beta · y, A row-major m × n (op(A) = Aᵀ when `transpose`).
func sgemv(transpose: Bool, m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
           x: UnsafePointer<Float>, incx: Int, beta: Float, y: UnsafeMutablePointer<Float>, incy: Int) {
    #if canImport(Accelerate)
    cblas_sgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), alpha, a, Int32(lda),
                x, Int32(incx), beta, y, Int32(incy))
    #else
    fovea_blas_sgemv(transpose ? 1 : 0, Int32(m), Int32(n), alpha, a, Int32(lda), x, Int32(incx), beta, y, Int32(incy))
    #endif
}

/// Matrix-vector products of at least this many matrix elements (256 KB) are split between threads.
let threadedVectorProduct = 1 << 16

public enum BLASLibrary {
    /// Loads OpenBLAS on Linux (single-threaded: its threads would fight our pool for the cores;
    /// see blas_loader.c for why Fovea loads it itself). Without it nothing can multiply: a fatal
    /// error that says what to install.
    static let loadOnce: Void = {
        #if !canImport(Accelerate)
        if let message = fovea_blas_load() { fatalError(String(cString: message)) }
        #endif
    }()

    /// Why the BLAS cannot be used (OpenBLAS missing, or FOVEA_OPENBLAS naming a file that is not
    /// one), or nil where it can: programs check it first, to stop with that one line instead of
    /// the fatal error at the first product.
    public static var loadError: String? {
        #if canImport(Accelerate)
        return nil
        #else
        return fovea_blas_load().map { String(cString: $0) }
        #endif
    }

    /// The kernel family the BLAS runs (OpenBLAS's name for it; "Accelerate" on Apple).
    public static var core: String {
        #if canImport(Accelerate)
        return "Accelerate"
        #else
        return String(cString: fovea_blas_core())
        #endif
    }
}

/// A naive triple loop, the reference `gemm` is tested against.
public func referenceGEMM(transposeA: Bool = false, transposeB: Bool = false,
                          m: Int, n: Int, k: Int, alpha: Float = 1,
                          a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                          beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    for i in 0..<m {
        for j in 0..<n {
            var sum: Double = 0
            for p in 0..<k {
                let av = transposeA ? a[p * lda + i] : a[i * lda + p]
                let bv = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                sum += Double(av) * Double(bv)
            }
            let previous = beta == 0 ? 0 : beta * c[i * ldc + j]
            c[i * ldc + j] = alpha * Float(sum) + previous
        }
    }
}
