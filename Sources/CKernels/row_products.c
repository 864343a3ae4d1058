#include "kernels_internal.h"

#ifdef FOVEA_X86

/// Rows of b per block, a multiple of the tiles' 3 and 5 rows of b. With the floats of each row
/// taken per pass (WIDTH_BLOCK, per instance below): AVX2 takes 512, so 4 rows of a (8 KB) stay
/// in L1 and a block of b (240 KB) in L2 while every tile of the block reads them, and a pass's 12
/// horizontal sums are paid for by 64 steps of 12 FMAs; AVX-512 takes 1024 (16 KB of a, 480 KB of
/// b: the Xeons with AVX-512 have 48 KB of L1 and 2 MB of L2), 20 sums per 64 steps of 20 FMAs.
enum { B_ROWS_BLOCK = 120 };

static inline __attribute__((always_inline, target("avx2,fma"))) float horizontal_sum(__m256 v) {
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}

/// c[R × Q] += a[R rows] · b[Q rows]ᵀ over `width` floats: whole vectors, then the last
/// `width` % 8 through masked loads (zero in the other lanes). Row j of b starts at b[j].
/// R ≤ 4 and Q ≤ 3 are constants after inlining, so the loops unroll into 12 accumulators,
/// 3 rows of b in registers and one row of a at a time: all 16 AVX2 registers.
static inline __attribute__((always_inline, target("avx2,fma")))
void tile(const int R, const int Q, const float *a, size_t lda, const float *const *b, int width,
          float *c, size_t ldc) {
    __m256 acc[4][3];
    for (int i = 0; i < R; i++) for (int j = 0; j < Q; j++) acc[i][j] = _mm256_setzero_ps();
    const int whole = width & ~7;
    for (int v = 0; v < whole; v += 8) {
        __m256 bv[3];
        for (int j = 0; j < Q; j++) bv[j] = _mm256_loadu_ps(b[j] + v);
        for (int i = 0; i < R; i++) {
            const __m256 av = _mm256_loadu_ps(a + i * lda + v);
            for (int j = 0; j < Q; j++) acc[i][j] = _mm256_fmadd_ps(av, bv[j], acc[i][j]);
        }
    }
    if (whole < width) {
        const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(width - whole), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        __m256 bv[3];
        for (int j = 0; j < Q; j++) bv[j] = _mm256_maskload_ps(b[j] + whole, mask);
        for (int i = 0; i < R; i++) {
            const __m256 av = _mm256_maskload_ps(a + i * lda + whole, mask);
            for (int j = 0; j < Q; j++) acc[i][j] = _mm256_fmadd_ps(av, bv[j], acc[i][j]);
        }
    }
    for (int i = 0; i < R; i++) for (int j = 0; j < Q; j++) c[i * ldc + j] += horizontal_sum(acc[i][j]);
}

/// The passes over a and b for either tile (AVX2's `tile` or AVX-512's `tile_wide`): blocks of
/// WIDTH_BLOCK floats and B_ROWS_BLOCK rows of b; within them all tiles of 4 rows of `a` (then the
/// 1–3 left) by rows of b in threes (then the one or two left). Row j of b starts at
/// b + offsets[j] when `offsets` is given, else at b + j·ldb. One definition, two instances: an
/// always-inline function cannot take the tile as a parameter across the two target attributes.
#define FOVEA_DEFINE_ROW_PRODUCTS(SUFFIX, TARGET, TILE, Q_MAX, WIDTH_BLOCK)                                             \
static inline __attribute__((always_inline, target(TARGET)))                                                             \
void tile_row##SUFFIX(const int R, const float *a, size_t lda, int rows_b, const float *b, size_t ldb,                   \
                      const size_t *offsets, size_t start, int width, float *c, size_t ldc) {                             \
    for (int j = 0; j < rows_b; j += Q_MAX) {                                                                            \
        const float *rows[Q_MAX];                                                                                        \
        for (int q = 0; q < Q_MAX && j + q < rows_b; q++)                                                                \
            rows[q] = b + (offsets ? offsets[j + q] : (size_t)(j + q) * ldb) + start;                                    \
        switch (rows_b - j < Q_MAX ? rows_b - j : Q_MAX) {                                                               \
        case 1: TILE(R, 1, a, lda, rows, width, c + j, ldc); break;                                                      \
        case 2: TILE(R, 2, a, lda, rows, width, c + j, ldc); break;                                                      \
        case 3: TILE(R, 3, a, lda, rows, width, c + j, ldc); break;                                                      \
        case 4: if (Q_MAX >= 4) TILE(R, 4, a, lda, rows, width, c + j, ldc); break;                                      \
        default: if (Q_MAX >= 5) TILE(R, 5, a, lda, rows, width, c + j, ldc); break;                                     \
        }                                                                                                                \
    }                                                                                                                    \
}                                                                                                                        \
static __attribute__((target(TARGET)))                                                                                   \
void accumulate##SUFFIX(int rows_a, const float *a, size_t lda, int rows_b, const float *b, size_t ldb,                 \
                        const size_t *offsets, size_t width, float *c, size_t ldc) {                                      \
    for (size_t start = 0; start < width; start += WIDTH_BLOCK) {                                                        \
        const int block = (int)(width - start < WIDTH_BLOCK ? width - start : WIDTH_BLOCK);                              \
        for (int first_b = 0; first_b < rows_b; first_b += B_ROWS_BLOCK) {                                               \
            const int count_b = rows_b - first_b < B_ROWS_BLOCK ? rows_b - first_b : B_ROWS_BLOCK;                       \
            const float *ab = a + start, *bb = offsets ? b : b + first_b * ldb;                                          \
            const size_t *ob = offsets ? offsets + first_b : NULL;                                                       \
            float *cb = c + first_b;                                                                                     \
            int i = 0;                                                                                                   \
            for (; i + 4 <= rows_a; i += 4)                                                                              \
                tile_row##SUFFIX(4, ab + i * lda, lda, count_b, bb, ldb, ob, start, block, cb + i * ldc, ldc);           \
            switch (rows_a - i) {                                                                                        \
            case 3: tile_row##SUFFIX(3, ab + i * lda, lda, count_b, bb, ldb, ob, start, block, cb + i * ldc, ldc); break; \
            case 2: tile_row##SUFFIX(2, ab + i * lda, lda, count_b, bb, ldb, ob, start, block, cb + i * ldc, ldc); break; \
            case 1: tile_row##SUFFIX(1, ab + i * lda, lda, count_b, bb, ldb, ob, start, block, cb + i * ldc, ldc); break; \
            }                                                                                                            \
        }                                                                                                                \
    }                                                                                                                    \
}

FOVEA_DEFINE_ROW_PRODUCTS(, "avx2,fma", tile, 3, 512)

// The same tiles in 512-bit vectors on AVX-512 CPUs, 16 floats of a row per step (convolution-bench
// direct-weight-gradients on the Xeon: SimpleCNN's block 1 4.9–5.6 → 3.6–4.2 ms), up to 4 × 5: 20
// accumulators, 9 loads per 20 FMAs (4 × 3 took 7 per 12). A 4 × 6 tile first ran 1.5× slower than
// AVX2 because clang, left to itself, did not unroll the loops and kept the sums in memory: the
// loops now unroll by pragma.

static inline __attribute__((always_inline, target("avx512f")))
void tile_wide(const int R, const int Q, const float *a, size_t lda, const float *const *b, int width, float *c, size_t ldc) {
    __m512 acc[4][5];
    #pragma unroll
    for (int i = 0; i < R; i++)
        #pragma unroll
        for (int j = 0; j < Q; j++) acc[i][j] = _mm512_setzero_ps();
    const int whole = width & ~15;
    for (int v = 0; v < whole; v += 16) {
        __m512 bv[5];
        #pragma unroll
        for (int j = 0; j < Q; j++) bv[j] = _mm512_loadu_ps(b[j] + v);
        #pragma unroll
        for (int i = 0; i < R; i++) {
            const __m512 av = _mm512_loadu_ps(a + i * lda + v);
            #pragma unroll
            for (int j = 0; j < Q; j++) acc[i][j] = _mm512_fmadd_ps(av, bv[j], acc[i][j]);
        }
    }
    if (whole < width) {
        const __mmask16 mask = (__mmask16)((1u << (width - whole)) - 1);
        __m512 bv[5];
        #pragma unroll
        for (int j = 0; j < Q; j++) bv[j] = _mm512_maskz_loadu_ps(mask, b[j] + whole);
        #pragma unroll
        for (int i = 0; i < R; i++) {
            const __m512 av = _mm512_maskz_loadu_ps(mask, a + i * lda + whole);
            #pragma unroll
            for (int j = 0; j < Q; j++) acc[i][j] = _mm512_fmadd_ps(av, bv[j], acc[i][j]);
        }
    }
    #pragma unroll
    for (int i = 0; i < R; i++)
        #pragma unroll
        for (int j = 0; j < Q; j++) c[i * ldc + j] += _mm512_reduce_add_ps(acc[i][j]);
}

FOVEA_DEFINE_ROW_PRODUCTS(_wide, "avx512f", tile_wide, 5, 1024)

FOVEA_AVX2 void fovea_accumulate_row_products(int rows_a, const float *a, size_t lda, int rows_b, const float *b, size_t ldb,
                                              size_t width, float *c, size_t ldc) {
    if (fovea_wide_tiles_available()) return accumulate_wide(rows_a, a, lda, rows_b, b, ldb, NULL, width, c, ldc);
    accumulate(rows_a, a, lda, rows_b, b, ldb, NULL, width, c, ldc);
}

FOVEA_AVX2 void fovea_accumulate_offset_row_products(int rows_a, const float *a, size_t lda, int rows_b, const float *b,
                                                     const size_t *b_offsets, size_t width, float *c, size_t ldc) {
    if (fovea_wide_tiles_available()) return accumulate_wide(rows_a, a, lda, rows_b, b, 0, b_offsets, width, c, ldc);
    accumulate(rows_a, a, lda, rows_b, b, 0, b_offsets, width, c, ldc);
}

#else

#include <stdlib.h>

void fovea_accumulate_row_products(int rows_a, const float *a, size_t lda, int rows_b, const float *b, size_t ldb,
                                   size_t width, float *c, size_t ldc) {
    (void)rows_a; (void)a; (void)lda; (void)rows_b; (void)b; (void)ldb; (void)width; (void)c; (void)ldc;
    abort();   // callers check fovea_panel_convolution_available() first
}

void fovea_accumulate_offset_row_products(int rows_a, const float *a, size_t lda, int rows_b, const float *b,
                                          const size_t *b_offsets, size_t width, float *c, size_t ldc) {
    (void)rows_a; (void)a; (void)lda; (void)rows_b; (void)b; (void)b_offsets; (void)width; (void)c; (void)ldc;
    abort();   // callers check fovea_panel_convolution_available() first
}

#endif
