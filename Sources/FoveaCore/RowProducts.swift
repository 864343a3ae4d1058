import CKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// C[m × n] += A[m × k] · B[n × k]ᵀ, row-major: a convolution's weight gradient, dW += dY · columnsᵀ.
///
/// Where the product is small and the rows long (few output channels, a short patch, many pixels),
/// Fovea's AVX2 kernel takes it as m·n dot products along the rows (Sources/CKernels/row_products.c):
/// both operands are read where they lie. BLAS's sgemm first copies both into its packed layout
/// and, with m = 6 or 16, does few multiplies per float it copied. convolution-bench, one thread:
/// LeNet-5's two layers 2.7–3.5× and 1.3–1.5×, keras-cifar-cnn's first 1.8–2.0×, ResNet-20's
/// first stage 1.1–1.5×. From 64 × 288 up BLAS's blocked kernel is as fast or faster (0.4–1.0×
/// on ResNet-18 and the seed ResNet), so those stay with it.
public func accumulateProductTransposed(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                                        b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int) {
    if RowProducts.isAvailable && m * n <= RowProducts.largestProduct && k >= RowProducts.shortestRow {
        fovea_accumulate_row_products(Int32(m), a, lda, Int32(n), b, ldb, k, c, ldc)
    } else {
        gemm(transposeB: true, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: 1, c: c, ldc: ldc)
    }
}

enum RowProducts {
    /// The CPU has AVX2 and FMA, and `FOVEA_ROW_PRODUCTS=0` is not set (for A/B runs).
    static let isAvailable: Bool = {
        if let setting = getenv("FOVEA_ROW_PRODUCTS"), String(cString: setting) == "0" { return false }
        return fovea_panel_convolution_available() != 0
    }()
    /// Elements of C up to which the row products beat sgemm (32 × 288 won, 64 × 288 did not).
    static let largestProduct = 1 << 14
    /// Rows shorter than this pay more for the 12 horizontal sums per tile than they save.
    static let shortestRow = 128
}
