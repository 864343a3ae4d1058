// Shared by the kernel files; not part of the module's interface.
#ifndef FOVEA_KERNELS_INTERNAL_H
#define FOVEA_KERNELS_INTERNAL_H

#include "fovea_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)
#define FOVEA_X86 1
#include <immintrin.h>
// Compiles one function for AVX2 + FMA whatever the target flags; only called after the
// run-time check in fovea_panel_convolution_available().
#define FOVEA_AVX2 __attribute__((target("avx2,fma")))
#endif

/// Depth (K) per block of the multiply: a 256 × 16 panel block is 16 KB, within L1 with the weights it meets.
enum { FOVEA_DEPTH_BLOCK = 256 };

#ifdef FOVEA_X86
/// product[6 × 16] (row stride 16) = (accumulate ? product : 0) + a[6 × depth] · b[depth × 16],
/// with row r of `a` at a + r·lda.
FOVEA_AVX2 void fovea_tile_multiply(int depth, const float *a, size_t lda, const float *b, float *product, int accumulate);

/// Writes the panel of output columns [first, first + count) as a depth-major [K × 16] matrix:
/// the im2col of those pixels, zero in padding and in columns past `count`.
FOVEA_AVX2 void fovea_unfold_panel(const fovea_window *g, const float *input, size_t input_image_stride,
                                   size_t first, int count, float *panel);
#endif

#endif
