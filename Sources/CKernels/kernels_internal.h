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
// The same for AVX-512 (foundation only), after fovea_wide_tiles_available().
#define FOVEA_AVX512 __attribute__((target("avx512f")))

/// max(a, b) where a NaN in either wins, as the max pool's rule has it (max_ps alone gives b
/// then): the in-register pools of the direct and channel-vector kernels.
static inline __attribute__((always_inline, target("avx512f"))) __m512 fovea_max_or_nan(__m512 a, __m512 b) {
    return _mm512_mask_mov_ps(_mm512_max_ps(a, b), _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q), a);
}

/// Transposes a 16 × 16 block held as 16 row vectors, in registers (four rounds of shuffles).
static inline __attribute__((always_inline, target("avx512f"))) void fovea_transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        const __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
        const __m512d c = _mm512_castps_pd(t[4 * i + 2]), d = _mm512_castps_pd(t[4 * i + 3]);
        r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
        r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
    // Rows 4i..4i+3 now hold, in each 128-bit lane k, the 4 × 4 block (rows 4i.., columns 4k..).
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd);
        t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xdd);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 4] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
        r[i + 12] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0xdd);
    }
}

/// Packs `rows` ≤ 16 rows of a row-major [rows × depth] matrix as [depth × 16 lanes]: patch
/// element d's `rows` values in one gather, stored at `target + d · stride`. With `whole_vectors`
/// each store is a whole vector, zeros past `rows` (the channel-vector layout, 16 lanes a group);
/// else only the `rows` lanes (the direct kernel's tiles, packed `rows` apart). One float at a
/// time, the packs took 6 % of SimpleCNN's and 5.7 % of keras-cifar-cnn's batch-1 forward.
static inline __attribute__((target("avx512f")))   // not always inline: plain-target callers call it
void fovea_pack_rows_gathered(const float *weights, int rows, int depth, size_t stride, int whole_vectors, float *target) {
    const __m512i rows_apart = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                                  _mm512_set1_epi32(depth));
    const __mmask16 mask = (__mmask16)((1u << rows) - 1);
    for (int d = 0; d < depth; d++) {
        const __m512 values = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), mask, rows_apart, weights + d, 4);
        if (whole_vectors) _mm512_storeu_ps(target + (size_t)d * stride, values);
        else _mm512_mask_storeu_ps(target + (size_t)d * stride, mask, values);
    }
}

/// A 2×2 window's maximum and winner per lane by the pool's rule (PyTorch's): its cells `v` in
/// row-major order, the first maximum wins, a NaN beats everything (the first NaN among
/// several); `cell` holds each cell's offset in its plane. For the in-register pools that keep
/// winners for the gradient.
static inline __attribute__((always_inline, target("avx512f")))
void fovea_window_winner(const __m512 v[4], const __m512i cell[4], __m512 *best, __m512i *winner) {
    __m512 b = v[0];
    __m512i w = cell[0];
    for (int i = 1; i < 4; i++) {
        const __mmask16 take = _mm512_cmp_ps_mask(v[i], b, _CMP_GT_OQ)
            | (_mm512_cmp_ps_mask(v[i], v[i], _CMP_UNORD_Q) & _mm512_cmp_ps_mask(b, b, _CMP_ORD_Q));
        b = _mm512_mask_mov_ps(b, take, v[i]);
        w = _mm512_mask_mov_epi32(w, take, cell[i]);
    }
    *best = b;
    *winner = w;
}
#endif

/// Calls F's variant for the width fovea_vector_lanes() picks (F_wide, F_avx2, F_plain: see
/// vector_lanes.h); RETURN is `return` for a function with a result, else empty.
/// fovea_vector_lanes()'s answer once known (0 before): read inline, as the element-wise kernels
/// are called once per channel and image.
extern int fovea_known_vector_lanes;

#ifdef FOVEA_X86
#define FOVEA_BY_LANES(RETURN, F, ...)                                                           \
    switch (__atomic_load_n(&fovea_known_vector_lanes, __ATOMIC_RELAXED) ?: fovea_vector_lanes()) {     \
    case 16: RETURN F##_wide(__VA_ARGS__); break;               \
    case 8: RETURN F##_avx2(__VA_ARGS__); break;                \
    default: RETURN F##_plain(__VA_ARGS__); break;              \
    }
#else
#define FOVEA_BY_LANES(RETURN, F, ...) RETURN F##_plain(__VA_ARGS__)
#endif

/// Depth (K) per block of the multiply: a 256 × 16 panel block is 16 KB, within L1 with the weights it meets.
enum { FOVEA_DEPTH_BLOCK = 256 };

#ifdef FOVEA_X86
/// product[6 × 16] (row stride 16) = (accumulate ? product : 0) + a[6 × depth] · b[depth × 16],
/// with row r of `a` at a + r·lda.
FOVEA_AVX2 void fovea_tile_multiply(int depth, const float *a, size_t lda, const float *b, float *product, int accumulate);

/// Rows for the next of `tiles_left` tiles that share `remaining` rows evenly (20 rows in tiles of
/// at most 16: 10 and 10), for the AVX-512 tiles that take any row count up to their maximum.
static inline int fovea_even_share(int remaining, int tiles_left) { return (remaining + tiles_left - 1) / tiles_left; }

/// Rows of the AVX-512 tile: two of the AVX2 kernel's tiles, so the product buffer's layout is the same.
enum { FOVEA_WIDE_TILE_ROWS = 2 * FOVEA_TILE_ROWS };

/// fovea_tile_multiply for 1 ≤ rows ≤ FOVEA_WIDE_TILE_ROWS rows, in 512-bit vectors.
FOVEA_AVX512 void fovea_wide_tile_multiply(int rows, int depth, const float *a, size_t lda, const float *b, float *product,
                                           int accumulate);

/// Writes the panel of output columns [first, first + count) as a depth-major [K × 16] matrix:
/// the im2col of those pixels, zero in padding and in columns past `count`.
FOVEA_AVX2 void fovea_unfold_panel(const fovea_window *g, const float *input, size_t input_image_stride,
                                   size_t first, int count, float *panel);

/// Rows r[0…7] of an 8 × 8 block become its columns (unpack, shuffle, then swap 128-bit halves).
static inline __attribute__((always_inline, target("avx2,fma"))) void fovea_transpose8(__m256 r[8]) {
    __m256 t[8], s[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int half = 0; half < 2; half++) {
        const int at = 4 * half;
        s[at] = _mm256_shuffle_ps(t[at], t[at + 2], _MM_SHUFFLE(1, 0, 1, 0));
        s[at + 1] = _mm256_shuffle_ps(t[at], t[at + 2], _MM_SHUFFLE(3, 2, 3, 2));
        s[at + 2] = _mm256_shuffle_ps(t[at + 1], t[at + 3], _MM_SHUFFLE(1, 0, 1, 0));
        s[at + 3] = _mm256_shuffle_ps(t[at + 1], t[at + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_permute2f128_ps(s[i], s[i + 4], 0x20);
        r[i + 4] = _mm256_permute2f128_ps(s[i], s[i + 4], 0x31);
    }
}

/// Eight rows of eight floats (row i at source + i·from) written as eight columns (row j of the
/// result, at target + j·to, holds element j of every source row).
static inline __attribute__((always_inline, target("avx2,fma")))
void fovea_transpose8_block(const float *source, size_t from, float *target, size_t to) {
    __m256 r[8];
    for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(source + i * from);
    fovea_transpose8(r);
    for (int i = 0; i < 8; i++) _mm256_storeu_ps(target + i * to, r[i]);
}

/// target[j] = clamp((source[j] + bias) · scale + shift + residual[j]) for j < count: one channel
/// of a kernel's product moved into the output through the epilogue (residual may be NULL).
static inline FOVEA_AVX2 void fovea_store_channel(const float *source, float *target, const float *residual, int count,
                                                  float bias, float scale, float shift, float floor, float ceiling) {
    const __m256 b = _mm256_set1_ps(bias), s = _mm256_set1_ps(scale), t = _mm256_set1_ps(shift);
    const __m256 lo = _mm256_set1_ps(floor), hi = _mm256_set1_ps(ceiling);
    int j = 0;
    for (; j + 8 <= count; j += 8) {
        __m256 v = _mm256_fmadd_ps(_mm256_add_ps(_mm256_loadu_ps(source + j), b), s, t);
        if (residual) v = _mm256_add_ps(v, _mm256_loadu_ps(residual + j));
        // max/min return their second operand when either is NaN: the value goes second so NaN passes.
        _mm256_storeu_ps(target + j, _mm256_min_ps(hi, _mm256_max_ps(lo, v)));
    }
    for (; j < count; j++) {
        float v = (source[j] + bias) * scale + shift;
        if (residual) v += residual[j];
        target[j] = v < floor ? floor : (v > ceiling ? ceiling : v);
    }
}
#endif

/// The kernels that keep each thread's patch offsets for the last window they were asked for:
/// each image of a layer asks for the same (made and freed per image they were 3 % of LeNet-5's
/// training samples).
typedef enum { FOVEA_OFFSETS_DIRECT, FOVEA_OFFSETS_CHANNEL_VECTOR, FOVEA_OFFSETS_KINDS } fovea_offsets_kind;

/// This thread's offsets for `kind`, reused where they were made for this window and padded size,
/// else made by `make` (the old ones freed); all freed when the thread exits.
const int *fovea_keep_offsets(fovea_offsets_kind kind, const fovea_window *g, int padded_height, int padded_width,
                              int *(*make)(const fovea_window *, int, int));

#endif
