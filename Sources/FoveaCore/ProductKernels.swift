import CKernels

/// Fovea's own AVX2 kernels for the matrix products sgemm runs badly: those with so little work
/// per element that packing both operands into BLAS's blocked layout, and clearing C first,
/// cost as much as the multiply. `gemm` routes them here; convolution-bench measured the limits
/// (one thread, against OpenBLAS 0.3.21 on Zen 3).
enum ProductKernels {
    /// The CPU has AVX2 and FMA, and `FOVEA_PRODUCT_KERNELS=0` is not set (for A/B runs).
    static let isAvailable = kernelSwitchedOn("FOVEA_PRODUCT_KERNELS") && fovea_panel_convolution_available() != 0

    /// C += A · Bᵀ as m·n dot products along the rows (Sources/CKernels/row_products.c), both
    /// operands read where they lie: a convolution's weight gradient dW += dY · columnsᵀ, few
    /// output channels and a short patch against many pixels. LeNet-5's two layers ran 2.7–3.5×
    /// and 1.3–1.5× faster than sgemm, keras-cifar-cnn's first 1.8–2.0×, ResNet-20's first stage
    /// 1.1–1.5×. From 64 × 288 up sgemm's blocked kernel is as fast or faster (0.4–1.0× on
    /// ResNet-18 and the seed ResNet), and rows under 128 floats pay more for each tile's 12
    /// horizontal sums than they save.
    static func takesRowProducts(m: Int, n: Int, k: Int) -> Bool {
        isAvailable && m * n <= 1 << 14 && k >= 128
    }

    /// C = A · B (A possibly transposed) with 6 × 16 tiles straight from the operands
    /// (Sources/CKernels/small_depth_multiply.c): a convolution over few input channels or into
    /// few output channels (LeNet-5's 6 × 25 2.5×, 16 × 150 1.4×, ResNet-20's stem 1.5×), and the
    /// column gradient Wᵀ · dY over up to 64 output channels (LeNet-5's 150 × 16 1.9×,
    /// keras-cifar-cnn's 288 × 64 1.3×), at the widths training runs them (one column buffer).
    /// Over 2048–4096 columns a 32 × 144 product lost (0.85–0.96×): deeper products stay with sgemm.
    static func takesSmallDepth(m: Int, n: Int, k: Int) -> Bool {
        isAvailable && n >= 16 && (k <= 64 || (m <= 16 && k <= 256))
    }
}
