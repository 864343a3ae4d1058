#include "kernels_internal.h"

#ifdef FOVEA_X86
// 6 rows × 16 columns: 12 accumulators, 2 panel loads and 6 broadcasts per step of depth,
// 15 of the 16 AVX2 registers. Zen 3 and Haswell issue 2 FMAs per cycle with 4-5 cycles of
// latency, so 12 independent chains keep both units busy. (A 4 × 24 tile needs all 16
// registers; clang then spilled an accumulator every step.)
//
// The accumulators start at zero and an earlier block's product is added after the loop:
// starting them from either a load or zero made clang rotate all 12 through extra moves.
FOVEA_AVX2 void fovea_tile_multiply(int depth, const float *a, size_t lda, const float *b, float *product, int accumulate) {
    // The weights are read where they lie, six rows at a time, one column per step: six
    // sequential streams, as cheap for the broadcasts as a packed copy (which cost a pass over
    // all weights per call: ResNet-18's last layers at batch 1 spent most of their time there).
    const float *a0 = a, *a1 = a + lda, *a2 = a + 2 * lda, *a3 = a + 3 * lda, *a4 = a + 4 * lda, *a5 = a + 5 * lda;
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(), c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    for (int k = 0; k < depth; k++) {
        const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
        __m256 w = _mm256_broadcast_ss(a0 + k);
        c00 = _mm256_fmadd_ps(w, b0, c00); c01 = _mm256_fmadd_ps(w, b1, c01);
        w = _mm256_broadcast_ss(a1 + k);
        c10 = _mm256_fmadd_ps(w, b0, c10); c11 = _mm256_fmadd_ps(w, b1, c11);
        w = _mm256_broadcast_ss(a2 + k);
        c20 = _mm256_fmadd_ps(w, b0, c20); c21 = _mm256_fmadd_ps(w, b1, c21);
        w = _mm256_broadcast_ss(a3 + k);
        c30 = _mm256_fmadd_ps(w, b0, c30); c31 = _mm256_fmadd_ps(w, b1, c31);
        w = _mm256_broadcast_ss(a4 + k);
        c40 = _mm256_fmadd_ps(w, b0, c40); c41 = _mm256_fmadd_ps(w, b1, c41);
        w = _mm256_broadcast_ss(a5 + k);
        c50 = _mm256_fmadd_ps(w, b0, c50); c51 = _mm256_fmadd_ps(w, b1, c51);
        b += FOVEA_PANEL_COLUMNS;
    }
    if (accumulate) {
        c00 = _mm256_add_ps(c00, _mm256_load_ps(product)), c01 = _mm256_add_ps(c01, _mm256_load_ps(product + 8));
        c10 = _mm256_add_ps(c10, _mm256_load_ps(product + 16)), c11 = _mm256_add_ps(c11, _mm256_load_ps(product + 24));
        c20 = _mm256_add_ps(c20, _mm256_load_ps(product + 32)), c21 = _mm256_add_ps(c21, _mm256_load_ps(product + 40));
        c30 = _mm256_add_ps(c30, _mm256_load_ps(product + 48)), c31 = _mm256_add_ps(c31, _mm256_load_ps(product + 56));
        c40 = _mm256_add_ps(c40, _mm256_load_ps(product + 64)), c41 = _mm256_add_ps(c41, _mm256_load_ps(product + 72));
        c50 = _mm256_add_ps(c50, _mm256_load_ps(product + 80)), c51 = _mm256_add_ps(c51, _mm256_load_ps(product + 88));
    }
    _mm256_store_ps(product, c00); _mm256_store_ps(product + 8, c01);
    _mm256_store_ps(product + 16, c10); _mm256_store_ps(product + 24, c11);
    _mm256_store_ps(product + 32, c20); _mm256_store_ps(product + 40, c21);
    _mm256_store_ps(product + 48, c30); _mm256_store_ps(product + 56, c31);
    _mm256_store_ps(product + 64, c40); _mm256_store_ps(product + 72, c41);
    _mm256_store_ps(product + 80, c50); _mm256_store_ps(product + 88, c51);
}
#endif
