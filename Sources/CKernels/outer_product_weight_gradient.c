// A 3×3 convolution's weight gradient as outer products, on AVX-512 (see
// OuterProductWeightGradient.swift for where it runs and what it replaced).
#include "kernels_internal.h"
#include <string.h>

#ifdef FOVEA_X86

FOVEA_AVX512 void fovea_transpose_to_pixel_major(const float *source, int channels, int pixels, float *target, int lanes) {
    for (int o = 0; o < lanes; o += 16) {
        const int rows = channels - o < 16 ? (channels - o > 0 ? channels - o : 0) : 16;
        for (int p = 0; p < pixels; p += 16) {
            const int columns = pixels - p < 16 ? pixels - p : 16;
            const __mmask16 mask = (__mmask16)((1u << columns) - 1);
            __m512 r[16];
            for (int i = 0; i < 16; i++)
                r[i] = i < rows ? _mm512_maskz_loadu_ps(mask, source + (size_t)(o + i) * pixels + p) : _mm512_setzero_ps();
            fovea_transpose16(r);
            for (int i = 0; i < columns; i++) _mm512_storeu_ps(target + (size_t)(p + i) * lanes + o, r[i]);
        }
    }
}

FOVEA_AVX512 void fovea_pooled_gradient_to_pixel_major(const float *pooled_gradient, const int32_t *winners, int channels,
                                                      int height, int width, float *target, int lanes) {
    const int pooled_width = width / 2, pooled_plane = (height / 2) * pooled_width;
    for (int o = 0; o < lanes; o += 16) {
        const int rows = channels - o < 16 ? (channels - o > 0 ? channels - o : 0) : 16;
        for (int w = 0; w < pooled_plane; w += 16) {
            // 16 windows × 16 channels of gradients and winners, transposed to one vector per window.
            const int count = pooled_plane - w < 16 ? pooled_plane - w : 16;
            const __mmask16 mask = (__mmask16)((1u << count) - 1);
            __m512 g[16], cells[16];
            for (int i = 0; i < 16; i++) {
                const size_t at = (size_t)(o + i) * pooled_plane + w;
                g[i] = i < rows ? _mm512_maskz_loadu_ps(mask, pooled_gradient + at) : _mm512_setzero_ps();
                cells[i] = i < rows ? _mm512_castsi512_ps(_mm512_maskz_loadu_epi32(mask, winners + at)) : _mm512_setzero_ps();
            }
            fovea_transpose16(g);
            fovea_transpose16(cells);
            // Each of the window's four cells gets the lanes whose winner it is, zeros elsewhere:
            // every pixel row inside a window written once.
            for (int i = 0; i < count; i++) {
                const int py = (w + i) / pooled_width, px = (w + i) % pooled_width, first = 2 * py * width + 2 * px;
                const __m512i winner = _mm512_castps_si512(cells[i]);
                const int cell[4] = { first, first + 1, first + width, first + width + 1 };
                for (int k = 0; k < 4; k++)
                    _mm512_storeu_ps(target + (size_t)cell[k] * lanes + o,
                                     _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(winner, _mm512_set1_epi32(cell[k])), g[i]));
            }
        }
    }
    // The cells in no window (an odd height's last row, an odd width's last column).
    const size_t row = (size_t)width * lanes;
    if (width % 2)
        for (int y = 0; y < height; y++) memset(target + y * row + (size_t)(width - 1) * lanes, 0, (size_t)lanes * sizeof(float));
    if (height % 2) memset(target + (size_t)(height - 1) * row, 0, row * sizeof(float));
}

/// One output pixel into a tile's accumulators: V gradient vectors from `gy`, and per input
/// channel (`p` at the pixel's window corner in the first one's padded plane) the 9 taps broadcast.
static inline __attribute__((always_inline, target("avx512f")))
void add_pixel(const int V, const int CH, __m512 acc[27][3], const float *gy, const float *p, size_t plane_stride, int wp) {
    __m512 gv[3];
    #pragma unroll
    for (int v = 0; v < V; v++) gv[v] = _mm512_loadu_ps(gy + 16 * v);
    #pragma unroll
    for (int ch = 0; ch < CH; ch++) {
        const float *pc = p + ch * plane_stride;
        #pragma unroll
        for (int i = 0; i < 3; i++)
            #pragma unroll
            for (int j = 0; j < 3; j++) {
                const __m512 b = _mm512_set1_ps(pc[i * wp + j]);
                #pragma unroll
                for (int v = 0; v < V; v++) acc[ch * 9 + i * 3 + j][v] = _mm512_fmadd_ps(b, gv[v], acc[ch * 9 + i * 3 + j][v]);
            }
    }
}

/// Two neighbouring output pixels (stride 1 along the width; the second's gradient `lanes` after
/// the first's): their windows share two of each row's four input columns, so a row of taps takes
/// four broadcasts for six FMAs per vector where one pixel at a time takes three for three (one
/// vector of output channels and three input channels: 38 loads per 54 FMAs instead of 56). V ≤ 2:
/// the second pixel's gradient vectors need registers too.
static inline __attribute__((always_inline, target("avx512f")))
void add_pixel_pair(const int V, const int CH, __m512 acc[27][3], const float *gy, int lanes, const float *p, size_t plane_stride,
                    int wp) {
    __m512 g0[2], g1[2];
    #pragma unroll
    for (int v = 0; v < V; v++) {
        g0[v] = _mm512_loadu_ps(gy + 16 * v);
        g1[v] = _mm512_loadu_ps(gy + lanes + 16 * v);
    }
    #pragma unroll
    for (int ch = 0; ch < CH; ch++) {
        const float *pc = p + ch * plane_stride;
        #pragma unroll
        for (int i = 0; i < 3; i++)
            #pragma unroll
            for (int k = 0; k < 4; k++) {
                const __m512 b = _mm512_set1_ps(pc[i * wp + k]);
                #pragma unroll
                for (int v = 0; v < V; v++) {
                    // Column k is tap k of the first pixel and tap k − 1 of the second.
                    if (k < 3) acc[ch * 9 + i * 3 + k][v] = _mm512_fmadd_ps(b, g0[v], acc[ch * 9 + i * 3 + k][v]);
                    if (k > 0) acc[ch * 9 + i * 3 + k - 1][v] = _mm512_fmadd_ps(b, g1[v], acc[ch * 9 + i * 3 + k - 1][v]);
                }
            }
    }
}

/// One tile: V vectors of 16 output channels (lanes first_lane…) by the 9 taps of CH input
/// channels (first_channel…), summed over every output pixel of the images, then added to
/// accumulated[(c·9 + tap) · lanes + lane]. CH·9·V accumulators stay in registers (at most 27);
/// each pixel loads V gradient vectors and broadcasts CH·9 input floats. With PAIRS (stride 1
/// along the width, V ≤ 2) the pixels go two at a time, an odd last one of a row alone.
static inline __attribute__((always_inline, target("avx512f")))
void tile(const int V, const int CH, const int PAIRS, const fovea_window *g, const float *padded, size_t image_stride,
          size_t plane_stride, int wp, int images, const float *gradient, int lanes, int first_channel, int first_lane,
          float *accumulated) {
    __m512 acc[27][3];
    #pragma unroll
    for (int r = 0; r < CH * 9; r++)
        #pragma unroll
        for (int v = 0; v < V; v++) acc[r][v] = _mm512_setzero_ps();
    const int oh = g->output_height, ow = g->output_width, sh = g->stride_height, sw = g->stride_width;
    const size_t pixels = (size_t)oh * ow;
    for (int n = 0; n < images; n++) {
        const float *image = padded + (size_t)n * image_stride + (size_t)first_channel * plane_stride;
        const float *gy = gradient + (size_t)n * pixels * lanes + first_lane;
        for (int y = 0; y < oh; y++) {
            const float *row = image + (size_t)y * sh * wp;
            int x = 0;
            if (PAIRS)
                for (; x + 2 <= ow; x += 2, gy += 2 * lanes) add_pixel_pair(V, CH, acc, gy, lanes, row + x, plane_stride, wp);
            for (; x < ow; x++, gy += lanes) add_pixel(V, CH, acc, gy, row + x * sw, plane_stride, wp);
        }
    }
    #pragma unroll
    for (int r = 0; r < CH * 9; r++)
        #pragma unroll
        for (int v = 0; v < V; v++) {
            float *t = accumulated + (size_t)(first_channel * 9 + r) * lanes + first_lane + 16 * v;
            _mm512_storeu_ps(t, _mm512_add_ps(_mm512_loadu_ps(t), acc[r][v]));
        }
}

FOVEA_AVX512 void fovea_outer_product_weight_gradient(const fovea_window *g, const float *padded, size_t image_stride,
                                                      size_t plane_stride, int padded_width, int images,
                                                      const float *gradient, int lanes, float *accumulated) {
    const int channels = g->channels, vectors = lanes / 16;
    int v = 0;
    // Three vectors of output channels per input channel (12 loads per 27 FMAs), then two.
    for (; v + 3 <= vectors; v += 3)
        for (int c = 0; c < channels; c++)
            tile(3, 1, 0, g, padded, image_stride, plane_stride, padded_width, images, gradient, lanes, c, 16 * v, accumulated);
#define FOVEA_OUTER_TILE(V, CH, c) do { \
        if (pairs) tile(V, CH, 1, g, padded, image_stride, plane_stride, padded_width, images, gradient, lanes, c, 16 * v, accumulated); \
        else tile(V, CH, 0, g, padded, image_stride, plane_stride, padded_width, images, gradient, lanes, c, 16 * v, accumulated); \
    } while (0)
    // Pairs of pixels where the width's stride is 1 (convolution-bench outer-product-weight-gradients,
    // two alternating runs: ResNet-20's stage 1 141–186 → 255–259 GFLOP/s, SimpleCNN's block 1
    // 233–234 → 280–289, its block 2 215–288 → 286–301).
    const int pairs = g->stride_width == 1;
    if (vectors - v == 2) {
        for (int c = 0; c < channels; c++) FOVEA_OUTER_TILE(2, 1, c);
    } else if (vectors - v == 1) {
        // One vector: three input channels per tile (27 accumulators), then the one or two left.
        int c = 0;
        for (; c + 3 <= channels; c += 3) FOVEA_OUTER_TILE(1, 3, c);
        if (channels - c == 2) FOVEA_OUTER_TILE(1, 2, c);
        else if (channels - c == 1) FOVEA_OUTER_TILE(1, 1, c);
    }
#undef FOVEA_OUTER_TILE
}

#else

#include <stdlib.h>

void fovea_transpose_to_pixel_major(const float *source, int channels, int pixels, float *target, int lanes) {
    (void)source; (void)channels; (void)pixels; (void)target; (void)lanes;
    abort();   // callers check fovea_wide_tiles_available() first
}

void fovea_pooled_gradient_to_pixel_major(const float *pooled_gradient, const int32_t *winners, int channels,
                                          int height, int width, float *target, int lanes) {
    (void)pooled_gradient; (void)winners; (void)channels; (void)height; (void)width; (void)target; (void)lanes;
    abort();   // callers check fovea_wide_tiles_available() first
}

void fovea_outer_product_weight_gradient(const fovea_window *g, const float *padded, size_t image_stride,
                                         size_t plane_stride, int padded_width, int images,
                                         const float *gradient, int lanes, float *accumulated) {
    (void)g; (void)padded; (void)image_stride; (void)plane_stride; (void)padded_width; (void)images; (void)gradient;
    (void)lanes; (void)accumulated;
    abort();   // callers check fovea_wide_tiles_available() first
}

#endif
