#include "kernels_internal.h"
#include <stdlib.h>

#ifdef FOVEA_X86

FOVEA_AVX2 void fovea_channel_vector_pack_weights(const float *weights, int out_channels, int depth, float *packed) {
    const int groups = (out_channels + FOVEA_CHANNEL_GROUP - 1) / FOVEA_CHANNEL_GROUP;
    for (int group = 0; group < groups; group++) {
        float *target = packed + (size_t)group * depth * FOVEA_CHANNEL_GROUP;
        for (int d = 0; d < depth; d++)
            for (int lane = 0; lane < FOVEA_CHANNEL_GROUP; lane++) {
                const int o = group * FOVEA_CHANNEL_GROUP + lane;
                target[(size_t)d * FOVEA_CHANNEL_GROUP + lane] = o < out_channels ? weights[(size_t)o * depth + d] : 0;
            }
    }
}

/// Each channel's P values of a tile (`y[p][lane]`, bias, scale and shift applied) out into NCHW
/// one float at a time: the residual added, the clamp of the epilogue. Plain C: both tiles inline it.
static inline __attribute__((always_inline))
void store_lanes(const int P, const float (*y)[FOVEA_CHANNEL_GROUP], const size_t *pixels, int lanes, float *output,
                 size_t plane, const fovea_epilogue *e) {
    const float lo = e->floor, hi = e->ceiling;
    for (int lane = 0; lane < lanes; lane++) {
        float *target = output + (size_t)lane * plane;
        const float *residual = e->residual ? e->residual + (size_t)lane * plane : NULL;
        for (int p = 0; p < P; p++) {
            float value = y[p][lane];
            if (residual) value += residual[pixels[p]];
            // NaN fails both comparisons and passes, as in the vector clamp.
            target[pixels[p]] = value < lo ? lo : (value > hi ? hi : value);
        }
    }
}

/// Sixteen output channels (two vectors) × P ≤ 6 pixels, summed over the whole patch: per patch
/// element two vectors of packed weights and one broadcast input value per pixel, twelve FMAs.
/// The pixels are any P of the plane (`bases`, each a pixel's window corner in the padded image),
/// so rows of any width fill every lane. Then the epilogue, and the stores back into NCHW: each
/// lane is one channel, so the vectors are written out one float at a time (P · 16 stores against
/// 12 · depth FMAs).
static inline __attribute__((always_inline, target("avx2,fma")))
void channel_tile(const int P, int depth, const int *offsets, const float *weights, const float *const *bases,
                  const size_t *pixels, int lanes, const float *affine, float *output, size_t plane, const fovea_epilogue *e) {
    __m256 acc[6][2];
    for (int p = 0; p < P; p++) acc[p][0] = acc[p][1] = _mm256_setzero_ps();
    const float *b0 = bases[0], *b1 = bases[P > 1 ? 1 : 0], *b2 = bases[P > 2 ? 2 : 0];
    const float *b3 = bases[P > 3 ? 3 : 0], *b4 = bases[P > 4 ? 4 : 0], *b5 = bases[P > 5 ? 5 : 0];
    for (int d = 0; d < depth; d++) {
        const __m256 w0 = _mm256_load_ps(weights + (size_t)d * FOVEA_CHANNEL_GROUP);
        const __m256 w1 = _mm256_load_ps(weights + (size_t)d * FOVEA_CHANNEL_GROUP + 8);
        const int at = offsets[d];
        __m256 x;
        x = _mm256_broadcast_ss(b0 + at); acc[0][0] = _mm256_fmadd_ps(x, w0, acc[0][0]); acc[0][1] = _mm256_fmadd_ps(x, w1, acc[0][1]);
        if (P > 1) { x = _mm256_broadcast_ss(b1 + at); acc[1][0] = _mm256_fmadd_ps(x, w0, acc[1][0]); acc[1][1] = _mm256_fmadd_ps(x, w1, acc[1][1]); }
        if (P > 2) { x = _mm256_broadcast_ss(b2 + at); acc[2][0] = _mm256_fmadd_ps(x, w0, acc[2][0]); acc[2][1] = _mm256_fmadd_ps(x, w1, acc[2][1]); }
        if (P > 3) { x = _mm256_broadcast_ss(b3 + at); acc[3][0] = _mm256_fmadd_ps(x, w0, acc[3][0]); acc[3][1] = _mm256_fmadd_ps(x, w1, acc[3][1]); }
        if (P > 4) { x = _mm256_broadcast_ss(b4 + at); acc[4][0] = _mm256_fmadd_ps(x, w0, acc[4][0]); acc[4][1] = _mm256_fmadd_ps(x, w1, acc[4][1]); }
        if (P > 5) { x = _mm256_broadcast_ss(b5 + at); acc[5][0] = _mm256_fmadd_ps(x, w0, acc[5][0]); acc[5][1] = _mm256_fmadd_ps(x, w1, acc[5][1]); }
    }
    // (acc + bias) · scale + shift in the lanes, then each channel's P values out one by one.
    float y[6][FOVEA_CHANNEL_GROUP] __attribute__((aligned(32)));
    for (int p = 0; p < P; p++)
        for (int v = 0; v < 2; v++)
            _mm256_store_ps(y[p] + 8 * v, _mm256_fmadd_ps(_mm256_add_ps(acc[p][v], _mm256_load_ps(affine + 8 * v)),
                                                          _mm256_load_ps(affine + 16 + 8 * v), _mm256_load_ps(affine + 32 + 8 * v)));
    store_lanes(P, (const float (*)[FOVEA_CHANNEL_GROUP])y, pixels, lanes, output, plane, e);
}

/// The AVX-512 tile: the sixteen channels in one 512-bit vector × P ≤ 12 pixels, one weight
/// load and P broadcasts per patch element; the epilogue as above.
static inline __attribute__((always_inline, target("avx512f")))
void channel_tile_wide(const int P, int depth, const int *offsets, const float *weights, const float *const *bases,
                       const size_t *pixels, int lanes, const float *affine, float *output, size_t plane,
                       const fovea_epilogue *e) {
    __m512 acc[12];
    const float *b[12];
    for (int p = 0; p < P; p++) acc[p] = _mm512_setzero_ps(), b[p] = bases[p];
    for (int d = 0; d < depth; d++) {
        const __m512 w = _mm512_loadu_ps(weights + (size_t)d * FOVEA_CHANNEL_GROUP);   // packed is 32-byte aligned only
        const int at = offsets[d];
        for (int p = 0; p < P; p++) acc[p] = _mm512_fmadd_ps(_mm512_set1_ps(b[p][at]), w, acc[p]);
    }
    float y[12][FOVEA_CHANNEL_GROUP] __attribute__((aligned(64)));
    for (int p = 0; p < P; p++)
        _mm512_store_ps(y[p], _mm512_fmadd_ps(_mm512_add_ps(acc[p], _mm512_load_ps(affine)), _mm512_load_ps(affine + 16),
                                              _mm512_load_ps(affine + 32)));
    store_lanes(P, (const float (*)[FOVEA_CHANNEL_GROUP])y, pixels, lanes, output, plane, e);
}

/// Runs of up to 12 pixels through the AVX-512 tile.
static __attribute__((target("avx512f")))
void channel_tiles_wide(int count, int depth, const int *offsets, const float *weights, const float *const *bases,
                        const size_t *pixels, int lanes, const float *affine, float *output, size_t plane,
                        const fovea_epilogue *e) {
#define FOVEA_WIDE_CASE(P) case P: channel_tile_wide(P, depth, offsets, weights, bases, pixels, lanes, affine, output, plane, e); break;
    switch (count) {
    FOVEA_WIDE_CASE(12) FOVEA_WIDE_CASE(11) FOVEA_WIDE_CASE(10) FOVEA_WIDE_CASE(9) FOVEA_WIDE_CASE(8) FOVEA_WIDE_CASE(7)
    FOVEA_WIDE_CASE(6) FOVEA_WIDE_CASE(5) FOVEA_WIDE_CASE(4) FOVEA_WIDE_CASE(3) FOVEA_WIDE_CASE(2)
    default: channel_tile_wide(1, depth, offsets, weights, bases, pixels, lanes, affine, output, plane, e); break;
    }
#undef FOVEA_WIDE_CASE
}

FOVEA_AVX2 void fovea_channel_vector_convolution(const fovea_window *g, const float *padded, int padded_height, int padded_width,
                                                 const float *packed, int out_channels, int first_group, int end_group,
                                                 int first_pixel, int end_pixel, float *output, const fovea_epilogue *epilogue) {
    const int taps = g->kernel_height * g->kernel_width, depth = g->channels * taps;
    int *offsets = malloc((size_t)depth * sizeof(int));
    if (!offsets) abort();   // as Swift's allocations: out of memory is fatal
    for (int c = 0, d = 0; c < g->channels; c++)
        for (int i = 0; i < g->kernel_height; i++)
            for (int j = 0; j < g->kernel_width; j++, d++)
                offsets[d] = (c * padded_height + i * g->dilation_height) * padded_width + j * g->dilation_width;
    const size_t plane = (size_t)g->output_height * g->output_width;
    const int wide = fovea_wide_tiles_available(), run = wide ? 12 : 6;
    const float *bases[12];
    size_t pixels[12];
    // The group's bias, scale and shift, 16 lanes each.
    float affine[3 * FOVEA_CHANNEL_GROUP] __attribute__((aligned(64)));
    for (int group = first_group; group < end_group; group++) {
        const int channel = group * FOVEA_CHANNEL_GROUP;
        const int lanes = out_channels - channel < FOVEA_CHANNEL_GROUP ? out_channels - channel : FOVEA_CHANNEL_GROUP;
        for (int lane = 0; lane < FOVEA_CHANNEL_GROUP; lane++) {
            const int o = channel + (lane < lanes ? lane : 0);
            affine[lane] = epilogue->bias ? epilogue->bias[o] : 0;
            affine[FOVEA_CHANNEL_GROUP + lane] = epilogue->scale ? epilogue->scale[o] : 1;
            affine[2 * FOVEA_CHANNEL_GROUP + lane] = epilogue->shift ? epilogue->shift[o] : 0;
        }
        fovea_epilogue at = *epilogue;
        if (at.residual) at.residual += (size_t)channel * plane;
        float *target = output + (size_t)channel * plane;
        const float *weights = packed + (size_t)group * depth * FOVEA_CHANNEL_GROUP;
        int y = first_pixel / g->output_width, x = first_pixel % g->output_width;
        for (int first = first_pixel; first < end_pixel; first += run) {
            const int count = end_pixel - first < run ? end_pixel - first : run;
            for (int p = 0; p < count; p++) {
                pixels[p] = (size_t)first + p;
                bases[p] = padded + (size_t)y * g->stride_height * padded_width + (size_t)x * g->stride_width;
                if (++x == g->output_width) { x = 0; y++; }
            }
            if (wide) {
                channel_tiles_wide(count, depth, offsets, weights, bases, pixels, lanes, affine, target, plane, &at);
                continue;
            }
            switch (count) {
            case 6: channel_tile(6, depth, offsets, weights, bases, pixels, lanes, affine, target, plane, &at); break;
            case 5: channel_tile(5, depth, offsets, weights, bases, pixels, lanes, affine, target, plane, &at); break;
            case 4: channel_tile(4, depth, offsets, weights, bases, pixels, lanes, affine, target, plane, &at); break;
            case 3: channel_tile(3, depth, offsets, weights, bases, pixels, lanes, affine, target, plane, &at); break;
            case 2: channel_tile(2, depth, offsets, weights, bases, pixels, lanes, affine, target, plane, &at); break;
            default: channel_tile(1, depth, offsets, weights, bases, pixels, lanes, affine, target, plane, &at); break;
            }
        }
    }
    free(offsets);
}

#else

void fovea_channel_vector_pack_weights(const float *weights, int out_channels, int depth, float *packed) {
    (void)weights; (void)out_channels; (void)depth; (void)packed;
    abort();   // callers check fovea_panel_convolution_available() first
}

void fovea_channel_vector_convolution(const fovea_window *g, const float *padded, int padded_height, int padded_width,
                                      const float *packed, int out_channels, int first_group, int end_group,
                                      int first_pixel, int end_pixel, float *output, const fovea_epilogue *epilogue) {
    (void)g; (void)padded; (void)padded_height; (void)padded_width; (void)packed; (void)out_channels; (void)first_group;
    (void)end_group; (void)first_pixel; (void)end_pixel; (void)output; (void)epilogue;
    abort();   // callers check fovea_panel_convolution_available() first
}

#endif
