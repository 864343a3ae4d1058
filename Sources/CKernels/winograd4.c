#include "kernels_internal.h"
#include <stdlib.h>

// The transforms of Winograd's F(4×4, 3×3) (Lavin & Gray 2016), with interpolation points
// 0, ±1, ±2 and ∞:
//
//     Bᵀ = [4  0 −5  0 1 0]     G = [ 1/4     0     0 ]     Aᵀ = [1 1  1 1  1 0]
//          [0 −4 −4  1 1 0]         [−1/6  −1/6  −1/6 ]          [0 1 −1 2 −2 0]
//          [0  4 −4 −1 1 0]         [−1/6   1/6  −1/6 ]          [0 1  1 4  4 0]
//          [0 −2 −1  2 1 0]         [1/24  1/12   1/6 ]          [0 1 −1 8 −8 1]
//          [0  2 −1 −2 1 0]         [1/24 −1/12   1/6 ]
//          [0  4  0 −5 0 1]         [  0     0     1  ]
//
// Vectors hold eight neighbouring tiles of one tile row. A tile's taps (or outputs) are four
// floats apart along an image row, so each group of eight is moved between that layout and
// eight-tiles-per-vector by a 4 × 8 transpose in registers.

#ifdef FOVEA_X86

#define ADD _mm256_add_ps
#define SUB _mm256_sub_ps
#define MUL(k, x) _mm256_mul_ps(_mm256_set1_ps(k), x)
#define FMA(k, x, y) _mm256_fmadd_ps(_mm256_set1_ps(k), x, y)

/// d[0…5] ← Bᵀ d.
static inline FOVEA_AVX2 void input_transform(__m256 d[6]) {
    const __m256 r0 = d[0], r1 = d[1], r2 = d[2], r3 = d[3], r4 = d[4], r5 = d[5];
    d[0] = FMA(4, r0, FMA(-5, r2, r4));
    d[1] = FMA(-4, ADD(r1, r2), ADD(r3, r4));
    d[2] = FMA(4, SUB(r1, r2), SUB(r4, r3));
    d[3] = FMA(2, SUB(r3, r1), SUB(r4, r2));
    d[4] = FMA(2, SUB(r1, r3), SUB(r4, r2));
    d[5] = FMA(4, r1, FMA(-5, r3, r5));
}

/// y[0…3] ← Aᵀ m[0…5].
static inline FOVEA_AVX2 void output_transform(const __m256 m[6], __m256 y[4]) {
    const __m256 s12 = ADD(m[1], m[2]), d12 = SUB(m[1], m[2]), s34 = ADD(m[3], m[4]), d34 = SUB(m[3], m[4]);
    y[0] = ADD(ADD(m[0], s12), s34);
    y[1] = FMA(2, d34, d12);
    y[2] = FMA(4, s34, s12);
    y[3] = ADD(FMA(8, d34, d12), m[5]);
}

/// From 32 floats at `p` (eight tiles of four, tile t at p + 4t), x[j] lane t = p[4t + j].
static inline FOVEA_AVX2 void gather_tiles(const float *p, __m256 x[4]) {
    const __m256 r0 = _mm256_loadu_ps(p), r1 = _mm256_loadu_ps(p + 8);
    const __m256 r2 = _mm256_loadu_ps(p + 16), r3 = _mm256_loadu_ps(p + 24);
    // Halves: tiles (0 | 4), (1 | 5), (2 | 6), (3 | 7); then a 4 × 4 transpose in each half.
    const __m256 u0 = _mm256_permute2f128_ps(r0, r2, 0x20), u1 = _mm256_permute2f128_ps(r0, r2, 0x31);
    const __m256 u2 = _mm256_permute2f128_ps(r1, r3, 0x20), u3 = _mm256_permute2f128_ps(r1, r3, 0x31);
    const __m256 t0 = _mm256_unpacklo_ps(u0, u1), t1 = _mm256_unpackhi_ps(u0, u1);
    const __m256 t2 = _mm256_unpacklo_ps(u2, u3), t3 = _mm256_unpackhi_ps(u2, u3);
    x[0] = _mm256_shuffle_ps(t0, t2, 0x44); x[1] = _mm256_shuffle_ps(t0, t2, 0xEE);
    x[2] = _mm256_shuffle_ps(t1, t3, 0x44); x[3] = _mm256_shuffle_ps(t1, t3, 0xEE);
}

/// The inverse of gather_tiles: p[4t + j] = x[j] lane t, 32 floats.
static inline FOVEA_AVX2 void scatter_tiles(const __m256 x[4], float *p) {
    const __m256 t0 = _mm256_unpacklo_ps(x[0], x[1]), t1 = _mm256_unpackhi_ps(x[0], x[1]);
    const __m256 t2 = _mm256_unpacklo_ps(x[2], x[3]), t3 = _mm256_unpackhi_ps(x[2], x[3]);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    _mm256_storeu_ps(p, _mm256_permute2f128_ps(u0, u1, 0x20));
    _mm256_storeu_ps(p + 8, _mm256_permute2f128_ps(u2, u3, 0x20));
    _mm256_storeu_ps(p + 16, _mm256_permute2f128_ps(u0, u1, 0x31));
    _mm256_storeu_ps(p + 24, _mm256_permute2f128_ps(u2, u3, 0x31));
}

/// Lanes l with begin ≤ first + l < end.
static inline FOVEA_AVX2 __m256i lanes_within(int first, int begin, int end) {
    const __m256i index = _mm256_add_epi32(_mm256_set1_epi32(first), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    return _mm256_and_si256(_mm256_cmpgt_epi32(index, _mm256_set1_epi32(begin - 1)),
                            _mm256_cmpgt_epi32(_mm256_set1_epi32(end), index));
}

/// Stores the first `lanes` lanes of `x`.
static inline FOVEA_AVX2 void store_lanes(float *p, __m256 x, int lanes) {
    if (lanes == 8) _mm256_storeu_ps(p, x);
    else _mm256_maskstore_ps(p, lanes_within(0, 0, lanes), x);
}

/// Floats per scratch row for `count` tiles: whole groups of eight, plus the two taps of the last
/// tile that reach into the next tile and the loads of the second gather.
static int row_length(int count) { return 4 * ((count + 7) / 8) * 8 + 8; }

size_t fovea_winograd4_scratch_floats(int tile_columns) { return 6 * (size_t)row_length(tile_columns); }

FOVEA_AVX2 void fovea_winograd4_transform_weights(const float *weight, size_t first_pair, size_t end_pair, size_t pairs, float *u) {
    for (size_t start = first_pair; start < end_pair; start += 8) {
        const int lanes = end_pair - start < 8 ? (int)(end_pair - start) : 8;
        // g[i][j]: tap (i, j) of eight pairs (lanes past the range repeat its last pair).
        __m256 g[3][3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                float v[8];
                for (int l = 0; l < 8; l++) v[l] = weight[(start + (l < lanes ? l : lanes - 1)) * 9 + i * 3 + j];
                g[i][j] = _mm256_loadu_ps(v);
            }
        // G g: six rows of three.
        __m256 t[6][3];
        for (int j = 0; j < 3; j++) {
            const __m256 g0 = g[0][j], g1 = g[1][j], g2 = g[2][j], even = ADD(g0, g2);
            t[0][j] = MUL(0.25f, g0);
            t[1][j] = MUL(-1.0f / 6, ADD(even, g1));
            t[2][j] = MUL(-1.0f / 6, SUB(even, g1));
            t[3][j] = FMA(1.0f / 24, g0, FMA(1.0f / 12, g1, MUL(1.0f / 6, g2)));
            t[4][j] = FMA(1.0f / 24, g0, FMA(-1.0f / 12, g1, MUL(1.0f / 6, g2)));
            t[5][j] = g2;
        }
        // (G g) Gᵀ: the same combination across each row.
        for (int i = 0; i < 6; i++) {
            const __m256 g0 = t[i][0], g1 = t[i][1], g2 = t[i][2], even = ADD(g0, g2);
            const __m256 row[6] = {
                MUL(0.25f, g0), MUL(-1.0f / 6, ADD(even, g1)), MUL(-1.0f / 6, SUB(even, g1)),
                FMA(1.0f / 24, g0, FMA(1.0f / 12, g1, MUL(1.0f / 6, g2))),
                FMA(1.0f / 24, g0, FMA(-1.0f / 12, g1, MUL(1.0f / 6, g2))), g2,
            };
            for (int j = 0; j < 6; j++) store_lanes(u + (size_t)(6 * i + j) * pairs + start, row[j], lanes);
        }
    }
}

FOVEA_AVX2 void fovea_winograd4_transform_input(const float *image, int channels, int height, int width, int pad_top,
                                                int pad_left, int tile_row, int first_tile, int count,
                                                float *v, size_t stride, float *scratch) {
    const int length = row_length(count), span = 4 * count + 2;
    const int first_column = 4 * first_tile - pad_left;   // input column under scratch column 0
    int inside_start = -first_column < 0 ? 0 : -first_column;
    if (inside_start > span) inside_start = span;
    int inside_end = width - first_column < span ? width - first_column : span;
    if (inside_end < inside_start) inside_end = inside_start;
    float *combined = scratch;
    const size_t xi_stride = (size_t)channels * stride;
    for (int c = 0; c < channels; c++) {
        const float *plane = image + (size_t)c * height * width;
        // Bᵀ down the columns, eight columns at a time, the rows read in place (copying each to a
        // zero-padded scratch row by memcpy and memset, and the partial stores below through a
        // memcpy, were 3.6 % of SimpleCNN's training step in memmove).
        for (int x = 0; x < length; x += 8) {
            // Lanes [lo, hi) lie inside the image. Where others do not, eight floats within the row
            // that cover them are loaded from column `start`, moved into their lanes by a permute
            // and the rest zeroed: it never reads outside the row, and masked loads (vmaskmovps)
            // stalled this loop (perf put 16 % of the function just after one).
            const int lo = inside_start - x > 0 ? inside_start - x : 0, hi = inside_end - x < 8 ? inside_end - x : 8;
            const int whole = lo == 0 && hi == 8, shifted = !whole && lo < hi && width >= 8;
            int start = first_column + x + lo;
            if (start > width - 8) start = width - 8;
            const __m256i inside = lanes_within(x, inside_start, inside_end);
            const __m256i from = _mm256_add_epi32(_mm256_set1_epi32(first_column + x - start), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
            __m256 d[6];
            for (int a = 0; a < 6; a++) {
                const int y = 4 * tile_row - pad_top + a;
                const float *row = plane + (ptrdiff_t)y * width;
                if (y < 0 || y >= height || lo >= hi) d[a] = _mm256_setzero_ps();
                else if (whole) d[a] = _mm256_loadu_ps(row + first_column + x);
                else if (shifted) d[a] = _mm256_and_ps(_mm256_permutevar8x32_ps(_mm256_loadu_ps(row + start), from),
                                                       _mm256_castsi256_ps(inside));
                else d[a] = _mm256_maskload_ps(row + first_column + x, inside);   // rows under 8 floats (masked lanes are not read)
            }
            input_transform(d);
            for (int a = 0; a < 6; a++) _mm256_storeu_ps(combined + a * length + x, d[a]);
        }
        // B across each combined row, eight tiles at a time: taps 0–3 from one transpose, 4–5
        // from the next tile's 0–1.
        float *out = v + (size_t)c * stride;
        for (int a = 0; a < 6; a++) {
            const float *row = combined + a * length;
            float *target = out + (size_t)(6 * a) * xi_stride;
            for (int q = 0; q < count; q += 8) {
                __m256 d[6], next[4];
                gather_tiles(row + 4 * q, d);
                gather_tiles(row + 4 * q + 4, next);
                d[4] = next[0]; d[5] = next[1];
                input_transform(d);
                // All eight lanes, past the last tile too (the caller's rows leave room): a masked
                // or partial store here cost more than the transform (four tiles a row on 16×16).
                for (int k = 0; k < 6; k++) _mm256_storeu_ps(target + (size_t)k * xi_stride + q, d[k]);
            }
        }
    }
}

FOVEA_AVX2 void fovea_winograd4_transform_output(const float *m, size_t stride, int out_channels, int out_height,
                                                 int out_width, int tile_row, int first_tile, int count,
                                                 float *output, const fovea_epilogue *e, float *scratch) {
    const int length = row_length(count);
    const size_t xi_stride = (size_t)out_channels * stride, plane = (size_t)out_height * out_width;
    const int first_column = 4 * first_tile;
    int width = out_width - first_column < 4 * count ? out_width - first_column : 4 * count;
    const int y0 = 4 * tile_row, rows = out_height - y0 < 4 ? out_height - y0 : 4;
    for (int o = 0; o < out_channels; o++) {
        const float *p = m + (size_t)o * stride;
        for (int q = 0; q < count; q += 8) {
            // Aᵀ down each of the six columns, then across each of the four rows.
            __m256 down[4][6];
            for (int j = 0; j < 6; j++) {
                __m256 column[6], y[4];
                for (int i = 0; i < 6; i++) column[i] = _mm256_loadu_ps(p + (size_t)(6 * i + j) * xi_stride + q);
                output_transform(column, y);
                for (int i = 0; i < 4; i++) down[i][j] = y[i];
            }
            for (int i = 0; i < 4; i++) {
                __m256 y[4];
                output_transform(down[i], y);
                scatter_tiles(y, scratch + i * length + 4 * q);
            }
        }
        for (int i = 0; i < rows; i++) {
            const size_t base = (size_t)o * plane + (size_t)(y0 + i) * out_width + first_column;
            fovea_store_channel(scratch + i * length, output + base, e->residual ? e->residual + base : NULL, width,
                                e->bias ? e->bias[o] : 0, e->scale ? e->scale[o] : 1, e->shift ? e->shift[o] : 0,
                                e->floor, e->ceiling);
        }
    }
}

#else

size_t fovea_winograd4_scratch_floats(int tile_columns) { (void)tile_columns; return 0; }
void fovea_winograd4_transform_weights(const float *weight, size_t first_pair, size_t end_pair, size_t pairs, float *u) {
    (void)weight; (void)first_pair; (void)end_pair; (void)pairs; (void)u;
    abort();   // callers check fovea_panel_convolution_available() first
}
void fovea_winograd4_transform_input(const float *image, int channels, int height, int width, int pad_top, int pad_left,
                                     int tile_row, int first_tile, int count, float *v, size_t stride, float *scratch) {
    (void)image; (void)channels; (void)height; (void)width; (void)pad_top; (void)pad_left; (void)tile_row;
    (void)first_tile; (void)count; (void)v; (void)stride; (void)scratch;
    abort();
}
void fovea_winograd4_transform_output(const float *m, size_t stride, int out_channels, int out_height, int out_width,
                                      int tile_row, int first_tile, int count, float *output, const fovea_epilogue *e,
                                      float *scratch) {
    (void)m; (void)stride; (void)out_channels; (void)out_height; (void)out_width; (void)tile_row; (void)first_tile;
    (void)count; (void)output; (void)e; (void)scratch;
    abort();
}

#endif
