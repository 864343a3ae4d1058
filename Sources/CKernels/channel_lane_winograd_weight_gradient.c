#include "kernels_internal.h"
#include "lane_winograd_parts.h"
#include <stdlib.h>

// dW by Winograd F(4×4, 3×3) with channels in the lanes, the forward's adjoint: each 4×4 tile of
// the output gradient (16 output channels per vector) goes to dM = A dY Aᵀ (6×6), the input patch
// under it to V = Bᵀ d B as in the forward, and dU_ξ[c][k] += Σ_t V_ξ[t][c] · dM_ξ[t][k] sums every
// tile of every image a thread takes; dW = Gᵀ dU G once, at the end, in double. 36 multiplies per
// tile and channel pair where the outer products (outer_product_weight_gradient.c) do 144.

size_t fovea_lane_winograd_gradient_scratch_floats(int channels, int out_channels, int height, int width) {
    const size_t tiles = (size_t)block_tiles(height, width);
    return padded_floats(channels, height, width) + padded_floats(out_channels, height, width)
        + 36 * tiles * (size_t)(channels + out_channels);
}

#ifdef FOVEA_X86

/// m[0…5] ← A y[0…3], A = (Aᵀ)ᵀ: the output transform's adjoint.
static inline __attribute__((always_inline, target("avx512f"))) void gradient_transform(const __m512 y[4], __m512 m[6]) {
    const __m512 s02 = ADD(y[0], y[2]), s13 = ADD(y[1], y[3]);
    m[0] = y[0];
    m[1] = ADD(s02, s13);
    m[2] = SUB(s02, s13);
    m[3] = FMA(0.5f, y[1], FMA(0.25f, y[2], FMA(0.125f, y[3], y[0])));
    m[4] = FMA(-2, y[1], FMA(4, y[2], FMA(-8, y[3], y[0])));
    m[5] = y[3];
}

/// dM[ξ][t][k] = (A dY Aᵀ)_ξ for the block's tiles, from the output gradient's padded copy Q.
static FOVEA_AVX512 void transform_gradient(const float *q, int out_channels, int height, int width, int first_tile, int tiles,
                                            float *dm) {
    const int pw = width + 2, ph = height + 2, columns = width / 4;
    for (int t = 0; t < tiles; t++) {
        const int ty = (first_tile + t) / columns, tx = (first_tile + t) % columns;
        for (int kb = 0; kb < out_channels / 16; kb++) {
            const float *corner = q + (((size_t)kb * ph + 4 * ty + 1) * pw + 4 * tx + 1) * 16;   // past the padding
            __m512 down[6][4];
            for (int j = 0; j < 4; j++) {   // A down each column
                __m512 column[4], m[6];
                for (int i = 0; i < 4; i++) column[i] = _mm512_loadu_ps(corner + ((size_t)i * pw + j) * 16);
                gradient_transform(column, m);
                for (int i = 0; i < 6; i++) down[i][j] = m[i];
            }
            for (int i = 0; i < 6; i++) {   // then across each row
                __m512 m[6];
                gradient_transform(down[i], m);
                for (int j = 0; j < 6; j++)
                    _mm512_storeu_ps(dm + ((size_t)(6 * i + j) * tiles + t) * out_channels + 16 * kb, m[j]);
            }
        }
    }
}

/// dU[ξ][c][k] += Σ_t V[ξ][t][c] · dM[ξ][t][k]: per position and 16 output channels the TILES dM
/// vectors stay in registers, and each dU vector is read and written once per TILES multiply-adds
/// (two chains, whose V operand is a broadcast).
#define LANE_WINOGRAD_ACCUMULATE(TILES)                                                                         \
    static FOVEA_AVX512 void accumulate_##TILES(const float *v, const float *dm, int channels, int out_channels, \
                                                float *du) {                                                  \
        for (int xi = 0; xi < 36; xi++) {                                                                     \
            const float *vx = v + (size_t)xi * TILES * channels, *mx = dm + (size_t)xi * TILES * out_channels; \
            float *ux = du + (size_t)xi * channels * out_channels;                                            \
            for (int kb = 0; kb < out_channels; kb += 16) {                                                   \
                __m512 g[TILES];                                                                              \
                for (int t = 0; t < TILES; t++) g[t] = _mm512_loadu_ps(mx + (size_t)t * out_channels + kb);    \
                for (int c = 0; c < channels; c++) {                                                          \
                    float *target = ux + (size_t)c * out_channels + kb;                                       \
                    __m512 even = _mm512_loadu_ps(target), odd = _mm512_setzero_ps();                         \
                    for (int t = 0; t < TILES; t += 2) {                                                      \
                        even = _mm512_fmadd_ps(g[t], _mm512_set1_ps(vx[(size_t)t * channels + c]), even);     \
                        odd = _mm512_fmadd_ps(g[t + 1], _mm512_set1_ps(vx[(size_t)(t + 1) * channels + c]), odd); \
                    }                                                                                         \
                    _mm512_storeu_ps(target, ADD(even, odd));                                                 \
                }                                                                                             \
            }                                                                                                 \
        }                                                                                                     \
    }
LANE_WINOGRAD_ACCUMULATE(8)
LANE_WINOGRAD_ACCUMULATE(4)

FOVEA_AVX512 void fovea_lane_winograd_weight_gradient_image(const float *image, int channels, int height, int width,
                                                            const float *output_gradient, int out_channels, float *du,
                                                            float *scratch) {
    float *p = scratch, *q = p + padded_floats(channels, height, width);
    float *v = q + padded_floats(out_channels, height, width);
    const int block = block_tiles(height, width), tiles = (height / 4) * (width / 4);
    float *dm = v + (size_t)36 * block * channels;
    pad_pixel_major(image, channels, height, width, 0, height + 2, p);
    pad_pixel_major(output_gradient, out_channels, height, width, 0, height + 2, q);
    for (int first = 0; first < tiles; first += block) {
        transform_input(p, channels, height, width, first, block, v);
        transform_gradient(q, out_channels, height, width, first, block, dm);
        if (block == 8) accumulate_8(v, dm, channels, out_channels, du);
        else accumulate_4(v, dm, channels, out_channels, du);
    }
}

/// dW[k][c] = Gᵀ (Σ_partials dU[·][c][k]) G for input channels [first_channel, end_channel), eight
/// output channels per vector, in double.
FOVEA_AVX512 void fovea_lane_winograd_weight_gradient_finish(const float *const *partials, int partial_count, int channels,
                                                             int out_channels, int first_channel, int end_channel,
                                                             float *weight_gradient) {
    const size_t plane = (size_t)channels * out_channels;
    for (int c = first_channel; c < end_channel; c++)
        for (int k = 0; k < out_channels; k += 8) {
            __m512d du[36];
            for (int xi = 0; xi < 36; xi++) {
                du[xi] = _mm512_setzero_pd();
                for (int p = 0; p < partial_count; p++)
                    du[xi] = _mm512_add_pd(du[xi], _mm512_cvtps_pd(_mm256_loadu_ps(partials[p] + xi * plane + (size_t)c * out_channels + k)));
            }
            __m512d left[3][6];   // Gᵀ dU
            for (int a = 0; a < 3; a++)
                for (int j = 0; j < 6; j++) {
                    __m512d sum = _mm512_setzero_pd();
                    for (int i = 0; i < 6; i++)
                        if (g_rows[i][a] != 0) sum = _mm512_fmadd_pd(_mm512_set1_pd(g_rows[i][a]), du[6 * i + j], sum);
                    left[a][j] = sum;
                }
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) {
                    __m512d sum = _mm512_setzero_pd();
                    for (int j = 0; j < 6; j++)
                        if (g_rows[j][b] != 0) sum = _mm512_fmadd_pd(left[a][j], _mm512_set1_pd(g_rows[j][b]), sum);
                    float lanes[8];
                    _mm256_storeu_ps(lanes, _mm512_cvtpd_ps(sum));
                    for (int l = 0; l < 8; l++) weight_gradient[((size_t)(k + l) * channels + c) * 9 + 3 * a + b] = lanes[l];
                }
        }
}

#else

void fovea_lane_winograd_weight_gradient_image(const float *image, int channels, int height, int width,
                                               const float *output_gradient, int out_channels, float *du, float *scratch) {
    (void)image; (void)channels; (void)height; (void)width; (void)output_gradient; (void)out_channels; (void)du; (void)scratch;
    abort();
}
void fovea_lane_winograd_weight_gradient_finish(const float *const *partials, int partial_count, int channels, int out_channels,
                                                int first_channel, int end_channel, float *weight_gradient) {
    (void)partials; (void)partial_count; (void)channels; (void)out_channels; (void)first_channel; (void)end_channel;
    (void)weight_gradient;
    abort();
}

#endif
