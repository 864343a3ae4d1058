#include "kernels_internal.h"

#ifdef FOVEA_X86

/// c[R × 8V] = a[R × k] · b[k × 8V] (a's element (r, d) at a + r·ars + d·ads, so a may be read transposed) for R ≤ 6 and V ≤ 2 (constants after inlining): 12
/// accumulators at most, 6 broadcasts and 2 loads of b per step of depth. b and c are read and
/// written where they lie, with their own row strides; with `masked` the last vector of each row
/// moves only the lanes set in `mask` (a partial block of columns at the right edge).
static inline __attribute__((always_inline, target("avx2,fma")))
void tile(const int R, const int V, const int masked, __m256i mask, int k, const float *a, size_t ars, size_t ads,
          const float *b, size_t ldb, float *c, size_t ldc) {
    __m256 acc[6][2];
    for (int r = 0; r < R; r++) for (int v = 0; v < V; v++) acc[r][v] = _mm256_setzero_ps();
    for (int d = 0; d < k; d++) {
        __m256 bv[2];
        for (int v = 0; v < V; v++)
            bv[v] = masked && v == V - 1 ? _mm256_maskload_ps(b + d * ldb + 8 * v, mask) : _mm256_loadu_ps(b + d * ldb + 8 * v);
        for (int r = 0; r < R; r++) {
            const __m256 w = _mm256_broadcast_ss(a + r * ars + d * ads);
            for (int v = 0; v < V; v++) acc[r][v] = _mm256_fmadd_ps(w, bv[v], acc[r][v]);
        }
    }
    for (int r = 0; r < R; r++) {
        for (int v = 0; v < V; v++) {
            if (masked && v == V - 1) _mm256_maskstore_ps(c + r * ldc + 8 * v, mask, acc[r][v]);
            else _mm256_storeu_ps(c + r * ldc + 8 * v, acc[r][v]);
        }
    }
}

/// One tile of R rows, for whichever of the four column cases `columns` (1–16) is.
static inline __attribute__((always_inline, target("avx2,fma")))
void tile_rows(const int R, int columns, int k, const float *a, size_t ars, size_t ads, const float *b, size_t ldb, float *c, size_t ldc) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    if (columns == 16) tile(R, 2, 0, lanes, k, a, ars, ads, b, ldb, c, ldc);
    else if (columns > 8) tile(R, 2, 1, _mm256_cmpgt_epi32(_mm256_set1_epi32(columns - 8), lanes), k, a, ars, ads, b, ldb, c, ldc);
    else if (columns == 8) tile(R, 1, 0, lanes, k, a, ars, ads, b, ldb, c, ldc);
    else tile(R, 1, 1, _mm256_cmpgt_epi32(_mm256_set1_epi32(columns), lanes), k, a, ars, ads, b, ldb, c, ldc);
}

/// The AVX-512 tile: R ≤ 12 rows × 16 columns in one 512-bit vector each, the right edge under a
/// mask (one broadcast per row and one load of b per step of depth).
static inline __attribute__((always_inline, target("avx512f")))
void tile_wide(const int R, __mmask16 mask, int k, const float *a, size_t ars, size_t ads, const float *b, size_t ldb,
               float *c, size_t ldc) {
    __m512 acc[12];
    for (int r = 0; r < R; r++) acc[r] = _mm512_setzero_ps();
    for (int d = 0; d < k; d++) {
        const __m512 bv = _mm512_maskz_loadu_ps(mask, b + d * ldb);
        for (int r = 0; r < R; r++) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(a[r * ars + d * ads]), bv, acc[r]);
    }
    for (int r = 0; r < R; r++) _mm512_mask_storeu_ps(c + r * ldc, mask, acc[r]);
}

/// Every row of a 16-column block in AVX-512 tiles of at most 12 rows, shared evenly.
static __attribute__((target("avx512f")))
void multiply_small_depth_wide(int m, size_t n, int k, const float *a, size_t ars, size_t ads, const float *b, size_t ldb,
                               float *c, size_t ldc) {
    const int tiles = (m + 11) / 12;
    for (size_t j = 0; j < n; j += 16) {
        const int columns = (int)(n - j < 16 ? n - j : 16);
        const __mmask16 mask = (__mmask16)((1u << columns) - 1);
        for (int t = 0, i = 0; t < tiles; t++) {
            const int rows = fovea_even_share(m - i, tiles - t);
            const float *ai = a + i * ars;
            float *ci = c + i * ldc + j;
#define FOVEA_WIDE_CASE(R) case R: tile_wide(R, mask, k, ai, ars, ads, b + j, ldb, ci, ldc); break;
            switch (rows) {
            FOVEA_WIDE_CASE(12) FOVEA_WIDE_CASE(11) FOVEA_WIDE_CASE(10) FOVEA_WIDE_CASE(9) FOVEA_WIDE_CASE(8)
            FOVEA_WIDE_CASE(7) FOVEA_WIDE_CASE(6) FOVEA_WIDE_CASE(5) FOVEA_WIDE_CASE(4) FOVEA_WIDE_CASE(3)
            FOVEA_WIDE_CASE(2)
            default: tile_wide(1, mask, k, ai, ars, ads, b + j, ldb, ci, ldc); break;
            }
#undef FOVEA_WIDE_CASE
            i += rows;
        }
    }
}

FOVEA_AVX2 void fovea_multiply_small_depth(int m, size_t n, int k, const float *a, size_t a_row_stride, size_t a_depth_stride,
                                           const float *b, size_t ldb, float *c, size_t ldc) {
    const size_t ars = a_row_stride, ads = a_depth_stride;
    if (fovea_wide_tiles_available()) return multiply_small_depth_wide(m, n, k, a, ars, ads, b, ldb, c, ldc);
    // A block of 16 columns of b (k × 64 bytes) stays in L1 while every row tile reads it.
    for (size_t j = 0; j < n; j += 16) {
        const int columns = (int)(n - j < 16 ? n - j : 16);
        int i = 0;
        for (; i + 6 <= m; i += 6) tile_rows(6, columns, k, a + i * ars, ars, ads, b + j, ldb, c + i * ldc + j, ldc);
        const float *ai = a + i * ars;
        float *ci = c + i * ldc + j;
        switch (m - i) {
        case 5: tile_rows(5, columns, k, ai, ars, ads, b + j, ldb, ci, ldc); break;
        case 4: tile_rows(4, columns, k, ai, ars, ads, b + j, ldb, ci, ldc); break;
        case 3: tile_rows(3, columns, k, ai, ars, ads, b + j, ldb, ci, ldc); break;
        case 2: tile_rows(2, columns, k, ai, ars, ads, b + j, ldb, ci, ldc); break;
        case 1: tile_rows(1, columns, k, ai, ars, ads, b + j, ldb, ci, ldc); break;
        }
    }
}

#else

#include <stdlib.h>

void fovea_multiply_small_depth(int m, size_t n, int k, const float *a, size_t a_row_stride, size_t a_depth_stride,
                                const float *b, size_t ldb, float *c, size_t ldc) {
    (void)m; (void)n; (void)k; (void)a; (void)a_row_stride; (void)a_depth_stride; (void)b; (void)ldb; (void)c; (void)ldc;
    abort();   // callers check fovea_panel_convolution_available() first
}

#endif
