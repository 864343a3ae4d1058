#include "kernels_internal.h"
#include "lane_winograd_parts.h"
#include <stdlib.h>

// Winograd F(4×4, 3×3) with sixteen channels in the lanes of each AVX-512 vector, one image at a
// time. The tiles-in-lanes kernel (winograd4.c and the 36 GEMMs) measured even with the direct
// kernel at 16 channels: its products are 16 deep, and V and M make a round trip through L2 per
// block. Here a block of four or eight tiles goes from the padded pixel-major copy of the image
// (cache-resident) through V, the products and M to the output without leaving L1/L2, and every
// transform works on whole channel vectors, so no tile is gathered or scattered across lanes:
// only the image's planes are transposed in (once) and each output tile out (one 16 × 16
// transpose per tile and 16 output channels). The transforms and layouts: lane_winograd_parts.h.

int fovea_lane_winograd_block_tiles(int height, int width) { return block_tiles(height, width); }

size_t fovea_lane_winograd_scratch_floats(int channels, int out_channels, int height, int width) {
    const size_t tiles = (size_t)block_tiles(height, width);
    return padded_floats(channels, height, width) + 36 * tiles * (size_t)(channels + out_channels);
}

#ifdef FOVEA_X86

/// U = G g Gᵀ in double for input channels [first_channel, end_channel) and every output channel,
/// eight output channels per vector (the weights gathered 9·C floats apart), into u[ξ][c][k].
FOVEA_AVX512 void fovea_lane_winograd_pack_weights(const float *weight, int channels, int out_channels, int first_channel,
                                                   int end_channel, float *u) {
    const size_t plane = (size_t)channels * out_channels;
    const __m256i apart = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(9 * channels));
    for (int c = first_channel; c < end_channel; c++)
        for (int k = 0; k < out_channels; k += 8) {   // out_channels is a multiple of 16
            const float *g = weight + ((size_t)k * channels + c) * 9;
            __m512d taps[9];
            for (int t = 0; t < 9; t++) taps[t] = _mm512_cvtps_pd(_mm256_i32gather_ps(g + t, apart, 4));
            __m512d left[6][3];   // G g
            for (int i = 0; i < 6; i++)
                for (int b = 0; b < 3; b++)
                    left[i][b] = _mm512_fmadd_pd(_mm512_set1_pd(g_rows[i][0]), taps[b],
                                                 _mm512_fmadd_pd(_mm512_set1_pd(g_rows[i][1]), taps[3 + b],
                                                                 _mm512_mul_pd(_mm512_set1_pd(g_rows[i][2]), taps[6 + b])));
            for (int i = 0; i < 6; i++)
                for (int j = 0; j < 6; j++) {
                    const __m512d value = _mm512_fmadd_pd(left[i][0], _mm512_set1_pd(g_rows[j][0]),
                                                          _mm512_fmadd_pd(left[i][1], _mm512_set1_pd(g_rows[j][1]),
                                                                          _mm512_mul_pd(left[i][2], _mm512_set1_pd(g_rows[j][2]))));
                    _mm256_storeu_ps(u + (size_t)(6 * i + j) * plane + (size_t)c * out_channels + k, _mm512_cvtpd_ps(value));
                }
        }
}

/// y[0…3] ← Aᵀ m[0…5].
static inline __attribute__((always_inline, target("avx512f"))) void output_transform(const __m512 m[6], __m512 y[4]) {
    const __m512 s12 = ADD(m[1], m[2]), d12 = SUB(m[1], m[2]);
    y[0] = ADD(ADD(m[0], s12), ADD(m[3], m[4]));
    y[1] = FMA(-2, m[4], FMA(0.5f, m[3], d12));
    y[2] = FMA(4, m[4], FMA(0.25f, m[3], s12));
    y[3] = FMA(-8, m[4], FMA(0.125f, m[3], ADD(d12, m[5])));
}

/// M[ξ][t][k] = Σ_c U[ξ][c][k] V[ξ][t][c] for output channels [first_out, end_out): per position and
/// 16 output channels, TILES accumulators, each weight vector loaded once for TILES multiply-adds
/// whose V operand is a broadcast.
#define LANE_WINOGRAD_PRODUCTS(TILES)                                                                          \
    static FOVEA_AVX512 void products_##TILES(const float *u, const float *v, int channels, int out_channels,  \
                                              int first_out, int end_out, float *m) {                        \
        for (int xi = 0; xi < 36; xi++) {                                                                    \
            const float *ux = u + (size_t)xi * channels * out_channels, *vx = v + (size_t)xi * TILES * channels; \
            float *mx = m + (size_t)xi * TILES * out_channels;                                               \
            for (int kb = first_out; kb < end_out; kb += 16) {                                               \
                __m512 acc[TILES];                                                                           \
                for (int t = 0; t < TILES; t++) acc[t] = _mm512_setzero_ps();                                \
                for (int c = 0; c < channels; c++) {                                                         \
                    const __m512 w = _mm512_loadu_ps(ux + (size_t)c * out_channels + kb);                    \
                    for (int t = 0; t < TILES; t++)                                                          \
                        acc[t] = _mm512_fmadd_ps(w, _mm512_set1_ps(vx[(size_t)t * channels + c]), acc[t]);   \
                }                                                                                            \
                for (int t = 0; t < TILES; t++) _mm512_storeu_ps(mx + (size_t)t * out_channels + kb, acc[t]); \
            }                                                                                                \
        }                                                                                                    \
    }
LANE_WINOGRAD_PRODUCTS(8)
LANE_WINOGRAD_PRODUCTS(4)

/// 16 floats of a channel vector, zeros where the epilogue has no such term.
static inline __attribute__((always_inline, target("avx512f"))) __m512 channel_terms(const float *terms, int kb, float absent) {
    return terms ? _mm512_loadu_ps(terms + kb) : _mm512_set1_ps(absent);
}

/// Y = Aᵀ M A for the block's tiles and output channels [first_out, end_out) through the epilogue into
/// the output planes [K × H × W].
static FOVEA_AVX512 void transform_output(const float *m, int out_channels, int first_out, int end_out, int height, int width,
                                          int first_tile, int tiles, float *output, const fovea_epilogue *e) {
    const int columns = width / 4;
    const size_t plane = (size_t)height * width;
    const __m512 lo = _mm512_set1_ps(e->floor), hi = _mm512_set1_ps(e->ceiling);
    for (int kb = first_out; kb < end_out; kb += 16) {
        const __m512 bias = channel_terms(e->bias, kb, 0), scale = channel_terms(e->scale, kb, 1);
        const __m512 shift = channel_terms(e->shift, kb, 0);
        // (y + bias) · scale + shift = y · scale + (bias · scale + shift)
        const __m512 offset = _mm512_fmadd_ps(bias, scale, shift);
        for (int t = 0; t < tiles; t++) {
            const int ty = (first_tile + t) / columns, tx = (first_tile + t) % columns;
            const float *mt = m + (size_t)t * out_channels + kb;
            const size_t xi_stride = (size_t)tiles * out_channels;
            __m512 down[4][6];
            for (int j = 0; j < 6; j++) {   // Aᵀ down each column
                __m512 column[6], y[4];
                for (int i = 0; i < 6; i++) column[i] = _mm512_loadu_ps(mt + (size_t)(6 * i + j) * xi_stride);
                output_transform(column, y);
                for (int i = 0; i < 4; i++) down[i][j] = y[i];
            }
            __m512 r[16];
            for (int i = 0; i < 4; i++) {   // then across each row
                __m512 y[4];
                output_transform(down[i], y);
                for (int j = 0; j < 4; j++) r[4 * i + j] = _mm512_fmadd_ps(y[j], scale, offset);
            }
            fovea_transpose16(r);   // r[k]: channel kb + k's 4 × 4 outputs, row by row
            const size_t corner = (size_t)(4 * ty) * width + 4 * tx;
            for (int k = 0; k < 16; k++) {
                const size_t at = (size_t)(kb + k) * plane + corner;
                __m512 value = r[k];
                if (e->residual) {
                    const float *res = e->residual + at;
                    __m512 rows = _mm512_castps128_ps512(_mm_loadu_ps(res));
                    rows = _mm512_insertf32x4(rows, _mm_loadu_ps(res + width), 1);
                    rows = _mm512_insertf32x4(rows, _mm_loadu_ps(res + 2 * (size_t)width), 2);
                    rows = _mm512_insertf32x4(rows, _mm_loadu_ps(res + 3 * (size_t)width), 3);
                    value = ADD(value, rows);
                }
                // max/min return their second operand when either is NaN: the value goes second so NaN passes.
                value = _mm512_min_ps(hi, _mm512_max_ps(lo, value));
                float *target = output + at;
                _mm_storeu_ps(target, _mm512_castps512_ps128(value));
                _mm_storeu_ps(target + width, _mm512_extractf32x4_ps(value, 1));
                _mm_storeu_ps(target + 2 * (size_t)width, _mm512_extractf32x4_ps(value, 2));
                _mm_storeu_ps(target + 3 * (size_t)width, _mm512_extractf32x4_ps(value, 3));
            }
        }
    }
}

FOVEA_AVX512 void fovea_lane_winograd_forward_image(const float *image, int channels, int height, int width,
                                                    const float *u, int out_channels, float *output,
                                                    const fovea_epilogue *e, int first_tile, int end_tile, int first_out,
                                                    int end_out, float *scratch) {
    float *p = scratch, *v = p + padded_floats(channels, height, width);
    const int block = block_tiles(height, width), columns = width / 4;
    float *m = v + (size_t)36 * block * channels;
    // The padded rows under the tiles: from the first tile row's top to the last one's bottom.
    pad_pixel_major(image, channels, height, width, 4 * (first_tile / columns), 4 * ((end_tile - 1) / columns) + 6, p);
    for (int first = first_tile; first < end_tile; first += block) {
        transform_input(p, channels, height, width, first, block, v);
        if (block == 8) products_8(u, v, channels, out_channels, first_out, end_out, m);
        else products_4(u, v, channels, out_channels, first_out, end_out, m);
        transform_output(m, out_channels, first_out, end_out, height, width, first, block, output, e);
    }
}

#else

void fovea_lane_winograd_pack_weights(const float *weight, int channels, int out_channels, int first_channel,
                                      int end_channel, float *u) {
    (void)weight; (void)channels; (void)out_channels; (void)first_channel; (void)end_channel; (void)u;
    abort();
}
void fovea_lane_winograd_forward_image(const float *image, int channels, int height, int width, const float *u,
                                       int out_channels, float *output, const fovea_epilogue *e, int first_tile,
                                       int end_tile, int first_out, int end_out, float *scratch) {
    (void)image; (void)channels; (void)height; (void)width; (void)u; (void)out_channels; (void)output; (void)e;
    (void)first_tile; (void)end_tile; (void)first_out; (void)end_out; (void)scratch;
    abort();
}

#endif
