#include "kernels_internal.h"
#include <stdlib.h>

#ifdef FOVEA_X86

/// Groups of 16 channels are packed in blocks of up to FOVEA_CHANNEL_BLOCK, interleaved per patch
/// element ([block][d][groups in the block × 16]), so the AVX-512 tile that takes a whole block
/// loads its weight vectors from one pointer.

/// Where group `group`'s 16 weights for patch element 0 are, and the floats between patch elements.
static inline const float *group_weights(const float *packed, int groups, int depth, int group, size_t *stride) {
    const int block = group / FOVEA_CHANNEL_BLOCK, first = block * FOVEA_CHANNEL_BLOCK;
    const int in_block = groups - first < FOVEA_CHANNEL_BLOCK ? groups - first : FOVEA_CHANNEL_BLOCK;
    *stride = (size_t)in_block * FOVEA_CHANNEL_GROUP;
    return packed + (size_t)first * depth * FOVEA_CHANNEL_GROUP + (size_t)(group - first) * FOVEA_CHANNEL_GROUP;
}

FOVEA_AVX2 void fovea_channel_vector_pack_weights(const float *weights, int out_channels, int depth, float *packed) {
    const int groups = (out_channels + FOVEA_CHANNEL_GROUP - 1) / FOVEA_CHANNEL_GROUP;
    if (fovea_wide_tiles_available()) {   // one gather per group and patch element
        for (int group = 0; group < groups; group++) {
            size_t stride;
            float *target = (float *)group_weights(packed, groups, depth, group, &stride);
            const int channel = group * FOVEA_CHANNEL_GROUP;
            const int lanes = out_channels - channel < FOVEA_CHANNEL_GROUP ? out_channels - channel : FOVEA_CHANNEL_GROUP;
            fovea_pack_rows_gathered(weights + (size_t)channel * depth, lanes, depth, stride, 1, target);
        }
        return;
    }
    for (int group = 0; group < groups; group++) {
        size_t stride;
        float *target = (float *)group_weights(packed, groups, depth, group, &stride);
        for (int d = 0; d < depth; d++)
            for (int lane = 0; lane < FOVEA_CHANNEL_GROUP; lane++) {
                const int o = group * FOVEA_CHANNEL_GROUP + lane;
                target[(size_t)d * stride + lane] = o < out_channels ? weights[(size_t)o * depth + d] : 0;
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
void channel_tile(const int P, int depth, const int *offsets, const float *weights, size_t stride, const float *const *bases,
                  const size_t *pixels, int lanes, const float *affine, float *output, size_t plane, const fovea_epilogue *e) {
    __m256 acc[6][2];
    for (int p = 0; p < P; p++) acc[p][0] = acc[p][1] = _mm256_setzero_ps();
    const float *b0 = bases[0], *b1 = bases[P > 1 ? 1 : 0], *b2 = bases[P > 2 ? 2 : 0];
    const float *b3 = bases[P > 3 ? 3 : 0], *b4 = bases[P > 4 ? 4 : 0], *b5 = bases[P > 5 ? 5 : 0];
    for (int d = 0; d < depth; d++) {
        const __m256 w0 = _mm256_load_ps(weights + (size_t)d * stride);
        const __m256 w1 = _mm256_load_ps(weights + (size_t)d * stride + 8);
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

/// The AVX-512 tile: G ≤ 4 groups of 16 channels (one 512-bit vector each) × P pixels, summed over
/// the patch: per patch element G weight vectors from one pointer and P broadcasts, G · P FMAs.
/// G = 4, P = 6 is 24 sums for 10 loads, with the six pixel pointers in registers (twelve pixels
/// of one group, the first version, spilled its pointers and ran at 1.75 loads per FMA).
static inline __attribute__((always_inline, target("avx512f")))
void channel_block_wide(const int G, const int P, int depth, const int *offsets, const float *weights, size_t stride,
                        const float *const *bases, const size_t *pixels, const int *lanes,
                        const float (*affine)[3 * FOVEA_CHANNEL_GROUP], float *const *targets, size_t plane,
                        const fovea_epilogue *epilogues) {
    __m512 acc[FOVEA_CHANNEL_BLOCK][8];
    const float *b[8];
    for (int p = 0; p < P; p++) {
        b[p] = bases[p];
        for (int k = 0; k < G; k++) acc[k][p] = _mm512_setzero_ps();
    }
    for (int d = 0; d < depth; d++) {
        const float *w = weights + (size_t)d * stride;
        __m512 wk[FOVEA_CHANNEL_BLOCK];
        for (int k = 0; k < G; k++) wk[k] = _mm512_loadu_ps(w + k * FOVEA_CHANNEL_GROUP);   // packed is 32-byte aligned only
        const int at = offsets[d];
        for (int p = 0; p < P; p++) {
            const __m512 x = _mm512_set1_ps(b[p][at]);
            for (int k = 0; k < G; k++) acc[k][p] = _mm512_fmadd_ps(x, wk[k], acc[k][p]);
        }
    }
    for (int k = 0; k < G; k++) {
        float y[8][FOVEA_CHANNEL_GROUP] __attribute__((aligned(64)));
        const float *a = affine[k];
        for (int p = 0; p < P; p++)
            _mm512_store_ps(y[p], _mm512_fmadd_ps(_mm512_add_ps(acc[k][p], _mm512_load_ps(a)), _mm512_load_ps(a + 16),
                                                  _mm512_load_ps(a + 32)));
        store_lanes(P, (const float (*)[FOVEA_CHANNEL_GROUP])y, pixels, lanes[k], targets[k], plane, &epilogues[k]);
    }
}

/// Pixels per AVX-512 tile for G groups: 24 sums where G ≥ 3; 8 pixels (16 or 8 sums) for fewer,
/// so that the pixel pointers stay in registers.
static inline int wide_run(int G) { return G >= 3 ? 6 : 8; }

/// A run of `count` ≤ wide_run(G) pixels through the AVX-512 tile.
static __attribute__((target("avx512f")))
void channel_blocks_wide(int G, int count, int depth, const int *offsets, const float *weights, size_t stride,
                         const float *const *bases, const size_t *pixels, const int *lanes,
                         const float (*affine)[3 * FOVEA_CHANNEL_GROUP], float *const *targets, size_t plane,
                         const fovea_epilogue *e) {
#define FOVEA_TILE(G, P) channel_block_wide(G, P, depth, offsets, weights, stride, bases, pixels, lanes, affine, targets, plane, e)
#define FOVEA_RUNS(G) switch (count) { \
    case 8: FOVEA_TILE(G, 8); break; case 7: FOVEA_TILE(G, 7); break; case 6: FOVEA_TILE(G, 6); break; \
    case 5: FOVEA_TILE(G, 5); break; case 4: FOVEA_TILE(G, 4); break; case 3: FOVEA_TILE(G, 3); break; \
    case 2: FOVEA_TILE(G, 2); break; default: FOVEA_TILE(G, 1); break; }
#define FOVEA_SHORT_RUNS(G) switch (count) { \
    case 6: FOVEA_TILE(G, 6); break; case 5: FOVEA_TILE(G, 5); break; case 4: FOVEA_TILE(G, 4); break; \
    case 3: FOVEA_TILE(G, 3); break; case 2: FOVEA_TILE(G, 2); break; default: FOVEA_TILE(G, 1); break; }
    switch (G) {
    case 4: FOVEA_SHORT_RUNS(4) break;
    case 3: FOVEA_SHORT_RUNS(3) break;
    case 2: FOVEA_RUNS(2) break;
    default: FOVEA_RUNS(1) break;
    }
#undef FOVEA_SHORT_RUNS
#undef FOVEA_RUNS
#undef FOVEA_TILE
}

/// Where each patch element's value lies from a pixel's window corner in the padded image
/// (stride-1 layout; malloc'd, `depth` of them, freed by the caller).
static int *patch_offsets(const fovea_window *g, int padded_height, int padded_width) {
    int *offsets = malloc((size_t)g->channels * g->kernel_height * g->kernel_width * sizeof(int));
    if (!offsets) abort();   // as Swift's allocations: out of memory is fatal
    for (int c = 0, d = 0; c < g->channels; c++)
        for (int i = 0; i < g->kernel_height; i++)
            for (int j = 0; j < g->kernel_width; j++, d++)
                offsets[d] = (c * padded_height + i * g->dilation_height) * padded_width + j * g->dilation_width;
    return offsets;
}

/// The epilogue's bias, scale and shift of the 16 channels from `channel` on, lane by lane
/// (`affine`: 16 of each); returns the lanes in use (channels past `out_channels` repeat the first).
static int group_affine(const fovea_epilogue *e, int out_channels, int channel, float *affine) {
    const int lanes = out_channels - channel < FOVEA_CHANNEL_GROUP ? out_channels - channel : FOVEA_CHANNEL_GROUP;
    for (int lane = 0; lane < FOVEA_CHANNEL_GROUP; lane++) {
        const int o = channel + (lane < lanes ? lane : 0);
        affine[lane] = e->bias ? e->bias[o] : 0;
        affine[FOVEA_CHANNEL_GROUP + lane] = e->scale ? e->scale[o] : 1;
        affine[2 * FOVEA_CHANNEL_GROUP + lane] = e->shift ? e->shift[o] : 0;
    }
    return lanes;
}

/// The pooled AVX-512 tile: G ≤ 2 groups of 16 channels × W ≤ 3 neighbouring 2×2 pooling windows
/// of one pair of output rows (stride 1: window w's four pixels read `top` and `bottom` at 2w and
/// 2w + 1, constant displacements, so two pointers serve all twelve pixels), summed over the patch:
/// per patch element G weight vectors and 4W broadcasts for 4GW FMAs. Then per window the
/// epilogue's affine on each pixel, their maximum, the clamp, and each channel's value out to its
/// pooled plane. Two groups of twelve pixels read each weight vector once per 12 FMAs, where the
/// unpooled tile's four groups of six read it once per 6: its weights stream from L2.
/// With `winners` (training) each pixel is clamped first and the window's winner (the offset of
/// its cell in the output plane, `first_cell` + 2w for window w's first cell, `width` per row)
/// goes out beside its value.
static inline __attribute__((always_inline, target("avx512f")))
void channel_pool_block_wide(const int G, const int W, int depth, const int *offsets, const float *weights, size_t stride,
                             const float *top, const float *bottom, size_t first_window, const int *lanes,
                             const float (*affine)[3 * FOVEA_CHANNEL_GROUP], float *const *targets, size_t pooled_plane,
                             float floor, float ceiling, int32_t *const *winners, int first_cell, int width) {
    __m512 acc[2][3][4];
    #pragma unroll
    for (int k = 0; k < G; k++)
        #pragma unroll
        for (int w = 0; w < W; w++)
            #pragma unroll
            for (int i = 0; i < 4; i++) acc[k][w][i] = _mm512_setzero_ps();
    for (int d = 0; d < depth; d++) {
        const float *wd = weights + (size_t)d * stride;
        __m512 wk[2];
        #pragma unroll
        for (int k = 0; k < G; k++) wk[k] = _mm512_loadu_ps(wd + k * FOVEA_CHANNEL_GROUP);
        const int at = offsets[d];
        #pragma unroll
        for (int w = 0; w < W; w++) {
            const __m512 x[4] = { _mm512_set1_ps(top[at + 2 * w]), _mm512_set1_ps(top[at + 2 * w + 1]),
                                  _mm512_set1_ps(bottom[at + 2 * w]), _mm512_set1_ps(bottom[at + 2 * w + 1]) };
            #pragma unroll
            for (int i = 0; i < 4; i++)
                #pragma unroll
                for (int k = 0; k < G; k++) acc[k][w][i] = _mm512_fmadd_ps(x[i], wk[k], acc[k][w][i]);
        }
    }
    const __m512 lo = _mm512_set1_ps(floor), hi = _mm512_set1_ps(ceiling);
    #pragma unroll
    for (int k = 0; k < G; k++) {
        const __m512 bias = _mm512_load_ps(affine[k]), scale = _mm512_load_ps(affine[k] + 16), shift = _mm512_load_ps(affine[k] + 32);
        float y[3][FOVEA_CHANNEL_GROUP] __attribute__((aligned(64)));
        int32_t cells[3][FOVEA_CHANNEL_GROUP] __attribute__((aligned(64)));
        #pragma unroll
        for (int w = 0; w < W; w++) {
            __m512 v[4];
            #pragma unroll
            for (int i = 0; i < 4; i++) v[i] = _mm512_fmadd_ps(_mm512_add_ps(acc[k][w][i], bias), scale, shift);
            if (winners) {
                // The winner among the clamped values, as the pool after the activation picks it.
                #pragma unroll
                for (int i = 0; i < 4; i++) v[i] = _mm512_min_ps(hi, _mm512_max_ps(lo, v[i]));
                const int cell = first_cell + 2 * w;
                const __m512i offsets4[4] = { _mm512_set1_epi32(cell), _mm512_set1_epi32(cell + 1), _mm512_set1_epi32(cell + width),
                                              _mm512_set1_epi32(cell + width + 1) };
                __m512 best;
                __m512i winner;
                fovea_window_winner(v, offsets4, &best, &winner);
                _mm512_store_ps(y[w], best);
                _mm512_store_si512(cells[w], winner);
                continue;
            }
            const __m512 best = fovea_max_or_nan(fovea_max_or_nan(v[0], v[1]), fovea_max_or_nan(v[2], v[3]));
            // The clamp after the maximum (it is monotone); NaN passes it, as in the unpooled tiles.
            _mm512_store_ps(y[w], _mm512_min_ps(hi, _mm512_max_ps(lo, best)));
        }
        for (int lane = 0; lane < lanes[k]; lane++) {
            float *target = targets[k] + (size_t)lane * pooled_plane + first_window;
            #pragma unroll
            for (int w = 0; w < W; w++) target[w] = y[w][lane];
        }
        if (winners)
            for (int lane = 0; lane < lanes[k]; lane++) {
                int32_t *target = winners[k] + (size_t)lane * pooled_plane + first_window;
                #pragma unroll
                for (int w = 0; w < W; w++) target[w] = cells[w][lane];
            }
    }
}

/// A run of `count` ≤ 3 windows through the pooled tile of G ≤ 2 groups.
static __attribute__((target("avx512f")))
void channel_pool_blocks_wide(int G, int count, int depth, const int *offsets, const float *weights, size_t stride,
                              const float *top, const float *bottom, size_t first_window, const int *lanes,
                              const float (*affine)[3 * FOVEA_CHANNEL_GROUP], float *const *targets, size_t pooled_plane,
                              float floor, float ceiling, int32_t *const *winners, int first_cell, int width) {
#define FOVEA_TILE(G, W) channel_pool_block_wide(G, W, depth, offsets, weights, stride, top, bottom, first_window, lanes, affine, \
                                                 targets, pooled_plane, floor, ceiling, winners, first_cell, width)
    if (G == 2) {
        switch (count) { case 3: FOVEA_TILE(2, 3); break; case 2: FOVEA_TILE(2, 2); break; default: FOVEA_TILE(2, 1); break; }
    } else {
        switch (count) { case 3: FOVEA_TILE(1, 3); break; case 2: FOVEA_TILE(1, 2); break; default: FOVEA_TILE(1, 1); break; }
    }
#undef FOVEA_TILE
}

FOVEA_AVX512 void fovea_channel_vector_convolution_pooled(const fovea_window *g, const float *padded, int padded_height,
                                                          int padded_width, const float *packed, int out_channels,
                                                          int first_row, int end_row, float *output, int32_t *winners,
                                                          const fovea_epilogue *epilogue) {
    const int depth = g->channels * g->kernel_height * g->kernel_width;
    const int *offsets = fovea_keep_offsets(FOVEA_OFFSETS_CHANNEL_VECTOR, g, padded_height, padded_width, patch_offsets);
    const int pooled_height = g->output_height / 2, pooled_width = g->output_width / 2;
    const size_t pooled_plane = (size_t)pooled_height * pooled_width;
    const int groups = (out_channels + FOVEA_CHANNEL_GROUP - 1) / FOVEA_CHANNEL_GROUP;
    float affine[2][3 * FOVEA_CHANNEL_GROUP] __attribute__((aligned(64)));
    int lanes[2];
    float *targets[2];
    int32_t *winner_targets[2];
    // Pairs of groups (both in one packed block of four: pairs start at even groups).
    for (int group = 0; group < groups; group += 2) {
        size_t stride;
        const float *weights = group_weights(packed, groups, depth, group, &stride);
        const int G = groups - group < 2 ? 1 : 2;
        for (int k = 0; k < G; k++) {
            const int channel = (group + k) * FOVEA_CHANNEL_GROUP;
            lanes[k] = group_affine(epilogue, out_channels, channel, affine[k]);
            targets[k] = output + (size_t)channel * pooled_plane;
            winner_targets[k] = winners ? winners + (size_t)channel * pooled_plane : NULL;
        }
        for (int py = first_row; py < end_row && py < pooled_height; py++) {
            const float *top = padded + (size_t)(2 * py) * padded_width, *bottom = top + padded_width;
            for (int px = 0; px < pooled_width; px += 3) {
                const int count = pooled_width - px < 3 ? pooled_width - px : 3;
                channel_pool_blocks_wide(G, count, depth, offsets, weights, stride, top + 2 * px, bottom + 2 * px,
                                         (size_t)py * pooled_width + px, lanes, (const float (*)[3 * FOVEA_CHANNEL_GROUP])affine,
                                         targets, pooled_plane, epilogue->floor, epilogue->ceiling,
                                         winners ? winner_targets : NULL, 2 * py * g->output_width + 2 * px, g->output_width);
            }
        }
    }
}

FOVEA_AVX2 void fovea_channel_vector_convolution(const fovea_window *g, const float *padded, int padded_height, int padded_width,
                                                 const float *packed, int out_channels, int first_group, int end_group,
                                                 int first_pixel, int end_pixel, float *output, const fovea_epilogue *epilogue) {
    const int depth = g->channels * g->kernel_height * g->kernel_width;
    const int *offsets = fovea_keep_offsets(FOVEA_OFFSETS_CHANNEL_VECTOR, g, padded_height, padded_width, patch_offsets);
    const size_t plane = (size_t)g->output_height * g->output_width;
    const int wide = fovea_wide_tiles_available();
    const int groups = (out_channels + FOVEA_CHANNEL_GROUP - 1) / FOVEA_CHANNEL_GROUP;
    const float *bases[8];
    size_t pixels[8];
    // Each group's bias, scale and shift, 16 lanes each; its lanes in use, output and residual.
    float affine[FOVEA_CHANNEL_BLOCK][3 * FOVEA_CHANNEL_GROUP] __attribute__((aligned(64)));
    int lanes[FOVEA_CHANNEL_BLOCK];
    float *targets[FOVEA_CHANNEL_BLOCK];
    fovea_epilogue epilogues[FOVEA_CHANNEL_BLOCK];
    for (int group = first_group; group < end_group;) {
        size_t stride;
        const float *weights = group_weights(packed, groups, depth, group, &stride);
        // AVX-512 takes the rest of the group's block at once; AVX2 one group at a time.
        const int in_block = (int)(stride / FOVEA_CHANNEL_GROUP) - group % FOVEA_CHANNEL_BLOCK;
        const int G = !wide ? 1 : (end_group - group < in_block ? end_group - group : in_block);
        for (int k = 0; k < G; k++) {
            const int channel = (group + k) * FOVEA_CHANNEL_GROUP;
            lanes[k] = group_affine(epilogue, out_channels, channel, affine[k]);
            epilogues[k] = *epilogue;
            if (epilogues[k].residual) epilogues[k].residual += (size_t)channel * plane;
            targets[k] = output + (size_t)channel * plane;
        }
        const int run = wide ? wide_run(G) : 6;
        int y = first_pixel / g->output_width, x = first_pixel % g->output_width;
        for (int first = first_pixel; first < end_pixel; first += run) {
            const int count = end_pixel - first < run ? end_pixel - first : run;
            for (int p = 0; p < count; p++) {
                pixels[p] = (size_t)first + p;
                bases[p] = padded + (size_t)y * g->stride_height * padded_width + (size_t)x * g->stride_width;
                if (++x == g->output_width) { x = 0; y++; }
            }
            if (wide) {
                channel_blocks_wide(G, count, depth, offsets, weights, stride, bases, pixels, lanes,
                                    (const float (*)[3 * FOVEA_CHANNEL_GROUP])affine, targets, plane, epilogues);
                continue;
            }
#define FOVEA_TILE(P) channel_tile(P, depth, offsets, weights, stride, bases, pixels, lanes[0], affine[0], targets[0], plane, &epilogues[0])
            switch (count) {
            case 6: FOVEA_TILE(6); break;
            case 5: FOVEA_TILE(5); break;
            case 4: FOVEA_TILE(4); break;
            case 3: FOVEA_TILE(3); break;
            case 2: FOVEA_TILE(2); break;
            default: FOVEA_TILE(1); break;
            }
#undef FOVEA_TILE
        }
        group += G;
    }
}

#else

void fovea_channel_vector_pack_weights(const float *weights, int out_channels, int depth, float *packed) {
    (void)weights; (void)out_channels; (void)depth; (void)packed;
    abort();   // callers check fovea_panel_convolution_available() first
}

void fovea_channel_vector_convolution_pooled(const fovea_window *g, const float *padded, int padded_height,
                                             int padded_width, const float *packed, int out_channels,
                                             int first_row, int end_row, float *output, int32_t *winners,
                                             const fovea_epilogue *epilogue) {
    (void)g; (void)padded; (void)padded_height; (void)padded_width; (void)packed; (void)out_channels; (void)first_row;
    (void)end_row; (void)output; (void)winners; (void)epilogue;
    abort();   // callers check fovea_wide_tiles_available() first
}

void fovea_channel_vector_convolution(const fovea_window *g, const float *padded, int padded_height, int padded_width,
                                      const float *packed, int out_channels, int first_group, int end_group,
                                      int first_pixel, int end_pixel, float *output, const fovea_epilogue *epilogue) {
    (void)g; (void)padded; (void)padded_height; (void)padded_width; (void)packed; (void)out_channels; (void)first_group;
    (void)end_group; (void)first_pixel; (void)end_pixel; (void)output; (void)epilogue;
    abort();   // callers check fovea_panel_convolution_available() first
}

#endif
