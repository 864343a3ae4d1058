// Shared by channel-lane Winograd's forward (channel_lane_winograd.c) and weight gradient
// (channel_lane_winograd_weight_gradient.c): F(4×4, 3×3) with sixteen channels in each AVX-512
// vector's lanes.
//
// Interpolation points 0, 1, −1, 1/2, −2 and ∞ (Barabasz et al., "Error analysis and improving
// the accuracy of Winograd convolution for deep neural networks", 2020), where winograd4.c has
// Lavin's 0, ±1, ±2: in float32 their output error is 0.45× that of Lavin's points (NumPy, 200
// random 64-channel tiles: 1.8 · 10⁻⁶ against 4.0 · 10⁻⁶ of the largest output), for the same
// number of operations in the transforms once factored (below):
//
//     Bᵀ = [1 −3/2   −2  3/2  1 0]    G = [    1      0     0 ]    Aᵀ = [1 1  1   1   1 0]
//          [0  −1   1/2  5/2  1 0]        [  1/3    1/3   1/3 ]         [0 1 −1 1/2  −2 0]
//          [0   1  −5/2  1/2  1 0]        [ −1/3    1/3  −1/3 ]         [0 1  1 1/4   4 0]
//          [0  −2    −1    2  1 0]        [−16/15 −8/15 −4/15 ]         [0 1 −1 1/8  −8 1]
//          [0  1/2   −1 −1/2  1 0]        [ 1/15  −2/15  4/15 ]
//          [0   1  −3/2   −2 3/2 1]       [    0      0     1 ]
//
// Y = Aᵀ [Σ_c (G g Gᵀ) ⊙ (Bᵀ d B)] A, with G's thirds and fifteenths applied to the weights in double.
//
// Layouts (floats): the padded copy P[cb][H + 2][W + 2][16] (channel block cb = c / 16);
// U[ξ][c][k] (ξ = 6i + j); V[ξ][t][c] and M[ξ][t][k] for the block's tiles t; the weight gradient's
// dU[ξ][c][k] and dM[ξ][t][k].

#ifndef FOVEA_LANE_WINOGRAD_PARTS_H
#define FOVEA_LANE_WINOGRAD_PARTS_H

#include "kernels_internal.h"
#include <string.h>

static inline size_t padded_floats(int channels, int height, int width) {
    return (size_t)channels * (height + 2) * (width + 2);
}

/// Tiles per block: eight where the image's tile count allows, else four.
static inline int block_tiles(int height, int width) { return (height / 4) * (width / 4) % 8 == 0 ? 8 : 4; }

#ifdef FOVEA_X86

#define ADD _mm512_add_ps
#define SUB _mm512_sub_ps
#define FMA(k, x, y) _mm512_fmadd_ps(_mm512_set1_ps(k), x, y)

static const double g_rows[6][3] = {
    {1, 0, 0}, {1.0 / 3, 1.0 / 3, 1.0 / 3}, {-1.0 / 3, 1.0 / 3, -1.0 / 3},
    {-16.0 / 15, -8.0 / 15, -4.0 / 15}, {1.0 / 15, -2.0 / 15, 4.0 / 15}, {0, 0, 1},
};

/// d[0…5] ← Bᵀ d.
static inline __attribute__((always_inline, target("avx512f"))) void input_transform(__m512 d[6]) {
    const __m512 r0 = d[0], r1 = d[1], r2 = d[2], r3 = d[3], r4 = d[4], r5 = d[5];
    const __m512 a = SUB(r3, r1), b = SUB(r4, r2);
    d[0] = FMA(1.5f, a, FMA(-2, r2, ADD(r0, r4)));
    d[1] = FMA(2.5f, r3, FMA(0.5f, r2, SUB(r4, r1)));
    d[2] = FMA(0.5f, r3, FMA(-2.5f, r2, ADD(r4, r1)));
    d[3] = FMA(2, a, b);
    d[4] = FMA(-0.5f, a, b);
    d[5] = FMA(1.5f, b, FMA(-2, r3, ADD(r1, r5)));
}

/// Padded rows [first_row, end_row) of the image's planes [C × H × W] into P (rows 0 and H + 1
/// are zeros, and so are columns 0 and W + 1): 16 channels × up to 16 pixels of a row per transpose.
static inline FOVEA_AVX512 void pad_pixel_major(const float *image, int channels, int height, int width, int first_row,
                                                int end_row, float *p) {
    const int pw = width + 2, ph = height + 2;
    const size_t plane = (size_t)height * width;
    for (int cb = 0; cb < channels / 16; cb++) {
        for (int r = first_row; r < end_row; r++) {
            float *row = p + ((size_t)cb * ph + r) * pw * 16;
            if (r == 0 || r == ph - 1) {
                memset(row, 0, sizeof(float) * 16 * pw);
                continue;
            }
            const int y = r - 1;
            _mm512_storeu_ps(row, _mm512_setzero_ps());
            _mm512_storeu_ps(row + (size_t)(pw - 1) * 16, _mm512_setzero_ps());
            for (int x = 0; x < width; x += 16) {
                const int n = width - x < 16 ? width - x : 16;
                const __mmask16 mask = (__mmask16)((1u << n) - 1);
                __m512 lanes[16];
                const float *source = image + (size_t)cb * 16 * plane + (size_t)y * width + x;
                for (int c = 0; c < 16; c++) lanes[c] = _mm512_maskz_loadu_ps(mask, source + c * plane);
                fovea_transpose16(lanes);   // lanes[j]: pixel x + j, channels in lanes
                for (int j = 0; j < n; j++) _mm512_storeu_ps(row + (size_t)(x + 1 + j) * 16, lanes[j]);
            }
        }
    }
}

/// V[ξ][t][c] = (Bᵀ d B)_ξ for the block's tiles, from P.
static inline FOVEA_AVX512 void transform_input(const float *p, int channels, int height, int width, int first_tile, int tiles,
                                         float *v) {
    const int pw = width + 2, ph = height + 2, columns = width / 4;
    for (int t = 0; t < tiles; t++) {
        const int ty = (first_tile + t) / columns, tx = (first_tile + t) % columns;
        for (int cb = 0; cb < channels / 16; cb++) {
            const float *corner = p + (((size_t)cb * ph + 4 * ty) * pw + 4 * tx) * 16;
            __m512 d[6][6];
            for (int j = 0; j < 6; j++) {   // Bᵀ down each column
                __m512 column[6];
                for (int i = 0; i < 6; i++) column[i] = _mm512_loadu_ps(corner + ((size_t)i * pw + j) * 16);
                input_transform(column);
                for (int i = 0; i < 6; i++) d[i][j] = column[i];
            }
            for (int i = 0; i < 6; i++) {   // then across each row
                input_transform(d[i]);
                for (int j = 0; j < 6; j++)
                    _mm512_storeu_ps(v + ((size_t)(6 * i + j) * tiles + t) * channels + 16 * cb, d[i][j]);
            }
        }
    }
}

#endif

#endif
