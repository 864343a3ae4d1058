#include "kernels_internal.h"
#include <stdlib.h>

#ifdef FOVEA_X86

/// Output channels per AVX-512 tile: two rows of 14 are 28 accumulators, with two pixel vectors 30 registers.
enum { FOVEA_DIRECT_WIDE_ROWS = 14 };

/// AVX-512 tiles for `out_channels`, which share the channels evenly (`fovea_even_share`): the
/// packing, the strips and the choice of rows per strip all split them this way.
static inline int wide_tiles(int out_channels) { return (out_channels + FOVEA_DIRECT_WIDE_ROWS - 1) / FOVEA_DIRECT_WIDE_ROWS; }

/// Output channels [R] × 8V pixels of one output row, accumulated over the whole patch: the
/// value for patch element d is read at `pixels + offsets[d]` (a row of the padded input), so the
/// column matrix of im2col never exists. `weights` are packed by `pack_tiles`: the tile's R
/// weights of patch element d lie together at `weights + first_row · depth + d · R`. Then the
/// epilogue, in registers, and the store. Loads are never masked (AMD's masked loads and stores
/// are slow): lanes past the row read whatever follows it in the padded planes, which end in
/// `FOVEA_DIRECT_SLACK` spare floats, and with `masked` only the lanes set in `mask` of the last
/// vector are stored. R ≤ 6 and V ≤ 2 are constants after inlining.
static inline __attribute__((always_inline, target("avx2,fma")))
void direct_tile(const int R, const int V, const int masked, __m256i mask, int depth, const int *offsets,
                 const float *weights, const float *pixels, int first_row, float *output, size_t plane,
                 const fovea_epilogue *e) {
    __m256 acc[6][2];
    for (int r = 0; r < R; r++) for (int v = 0; v < V; v++) acc[r][v] = _mm256_setzero_ps();
    const float *w = weights + (size_t)first_row * depth;
    for (int d = 0; d < depth; d++) {
        const float *b = pixels + offsets[d];
        __m256 bv[2];
        for (int v = 0; v < V; v++) bv[v] = _mm256_loadu_ps(b + 8 * v);
        for (int r = 0; r < R; r++) {
            const __m256 x = _mm256_broadcast_ss(w + (size_t)d * R + r);
            for (int v = 0; v < V; v++) acc[r][v] = _mm256_fmadd_ps(x, bv[v], acc[r][v]);
        }
    }
    const __m256 lo = _mm256_set1_ps(e->floor), hi = _mm256_set1_ps(e->ceiling);
    for (int r = 0; r < R; r++) {
        const int o = first_row + r;
        const __m256 bias = _mm256_set1_ps(e->bias ? e->bias[o] : 0), scale = _mm256_set1_ps(e->scale ? e->scale[o] : 1);
        const __m256 shift = _mm256_set1_ps(e->shift ? e->shift[o] : 0);
        float *target = output + (size_t)o * plane;
        const float *residual = e->residual ? e->residual + (size_t)o * plane : NULL;
        for (int v = 0; v < V; v++) {
            const int edge = masked && v == V - 1;
            __m256 y = _mm256_fmadd_ps(_mm256_add_ps(acc[r][v], bias), scale, shift);
            if (residual) y = _mm256_add_ps(y, edge ? _mm256_maskload_ps(residual + 8 * v, mask) : _mm256_loadu_ps(residual + 8 * v));
            // max/min return their second operand when either is NaN: the value goes second so NaN passes.
            y = _mm256_min_ps(hi, _mm256_max_ps(lo, y));
            if (edge) _mm256_maskstore_ps(target + 8 * v, mask, y);
            else _mm256_storeu_ps(target + 8 * v, y);
        }
    }
}

/// One tile of R rows over `columns` (1–16) pixels, for whichever of the four column cases it is.
static inline __attribute__((always_inline, target("avx2,fma")))
void direct_tile_columns(const int R, int columns, int depth, const int *offsets, const float *weights, const float *pixels,
                         int first_row, float *output, size_t plane, const fovea_epilogue *e) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    if (columns == 16) direct_tile(R, 2, 0, lanes, depth, offsets, weights, pixels, first_row, output, plane, e);
    else if (columns > 8)
        direct_tile(R, 2, 1, _mm256_cmpgt_epi32(_mm256_set1_epi32(columns - 8), lanes), depth, offsets, weights, pixels,
                    first_row, output, plane, e);
    else if (columns == 8) direct_tile(R, 1, 0, lanes, depth, offsets, weights, pixels, first_row, output, plane, e);
    else direct_tile(R, 1, 1, _mm256_cmpgt_epi32(_mm256_set1_epi32(columns), lanes), depth, offsets, weights, pixels,
                     first_row, output, plane, e);
}

/// The AVX-512 tile: output channels [R] × 16 pixels of V ≤ 3 output rows (`row_step` floats
/// apart in the padded input, `output_step` in the output), one 512-bit vector each, R · V ≤ 28
/// accumulators of 32 registers; the last `columns` < 16 lanes stored under a mask (AVX-512's
/// masked stores cost what plain ones do). Loads read whole vectors, as above. Two rows share
/// each weight broadcast: 2R FMAs for R + 2 loads, where one row of 16 channels took 18 loads
/// (and its unaligned pixel load usually spans two cache lines) for 16 FMAs. The loops over R
/// and V are unrolled by pragma: left to itself clang kept 13 rows' sums in memory.
///
/// `pooled` (V = 2, an even `columns`): the two rows' 16 pixels max-pooled 2×2 in registers
/// (the affine first, as it may flip signs; then the maximum of each column pair, a NaN winning;
/// then the clamp), `columns` / 2 values to `output`, the pooled row, each channel `plane` apart.
/// With `winners` (training) each pixel is clamped first, and each window's winner (its cell's
/// offset in the output plane: the strip's first cell is `first_cell`, rows `width` apart) goes
/// to `winners` as the values go to `output`.
static inline __attribute__((always_inline, target("avx512f")))
void direct_tile_wide(const int R, const int V, const int pooled, int columns, int depth, const int *offsets,
                      const float *weights, const float *pixels, size_t row_step, int first_row, float *output,
                      size_t output_step, size_t plane, const fovea_epilogue *e, int32_t *winners, int first_cell, int width) {
    __m512 acc[3][FOVEA_DIRECT_WIDE_ROWS];
    #pragma unroll
    for (int v = 0; v < V; v++)
        #pragma unroll
        for (int r = 0; r < R; r++) acc[v][r] = _mm512_setzero_ps();
    const float *w = weights + (size_t)first_row * depth;
    for (int d = 0; d < depth; d++) {
        const float *at = pixels + offsets[d];
        __m512 b[3];
        #pragma unroll
        for (int v = 0; v < V; v++) b[v] = _mm512_loadu_ps(at + v * row_step);
        #pragma unroll
        for (int r = 0; r < R; r++) {
            const __m512 x = _mm512_set1_ps(w[(size_t)d * R + r]);
            #pragma unroll
            for (int v = 0; v < V; v++) acc[v][r] = _mm512_fmadd_ps(x, b[v], acc[v][r]);
        }
    }
    const __mmask16 mask = (__mmask16)((1u << columns) - 1);
    const __m512 lo = _mm512_set1_ps(e->floor), hi = _mm512_set1_ps(e->ceiling);
    if (pooled) {
        const __m512i evens = _mm512_set_epi32(15, 13, 11, 9, 7, 5, 3, 1, 14, 12, 10, 8, 6, 4, 2, 0);
        const __m512i odds = _mm512_set_epi32(14, 12, 10, 8, 6, 4, 2, 0, 15, 13, 11, 9, 7, 5, 3, 1);
        const __mmask16 half = (__mmask16)((1u << (columns / 2)) - 1);
        #pragma unroll
        for (int r = 0; r < R; r++) {
            const int o = first_row + r;
            const __m512 bias = _mm512_set1_ps(e->bias ? e->bias[o] : 0), scale = _mm512_set1_ps(e->scale ? e->scale[o] : 1);
            const __m512 shift = _mm512_set1_ps(e->shift ? e->shift[o] : 0);
            const __m512 upper = _mm512_fmadd_ps(_mm512_add_ps(acc[0][r], bias), scale, shift);
            const __m512 lower = _mm512_fmadd_ps(_mm512_add_ps(acc[1][r], bias), scale, shift);
            if (winners) {
                // The four cells of each window apart (even and odd columns of both rows), clamped:
                // the winner among the values the pool after the activation sees.
                const __m512 up = _mm512_min_ps(hi, _mm512_max_ps(lo, upper)), down = _mm512_min_ps(hi, _mm512_max_ps(lo, lower));
                const __m512 v[4] = { _mm512_permutexvar_ps(evens, up), _mm512_permutexvar_ps(odds, up),
                                      _mm512_permutexvar_ps(evens, down), _mm512_permutexvar_ps(odds, down) };
                const __m512i first = _mm512_add_epi32(_mm512_set1_epi32(first_cell),
                                                       _mm512_slli_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4,
                                                                                          3, 2, 1, 0), 1));
                const __m512i one = _mm512_set1_epi32(1), below = _mm512_set1_epi32(width);
                const __m512i cells[4] = { first, _mm512_add_epi32(first, one), _mm512_add_epi32(first, below),
                                           _mm512_add_epi32(_mm512_add_epi32(first, below), one) };
                __m512 best;
                __m512i winner;
                fovea_window_winner(v, cells, &best, &winner);
                _mm512_mask_storeu_ps(output + (size_t)o * plane, half, best);
                _mm512_mask_storeu_epi32(winners + (size_t)o * plane, half, winner);
                continue;
            }
            const __m512 rows = fovea_max_or_nan(upper, lower);
            const __m512 best = fovea_max_or_nan(_mm512_permutexvar_ps(evens, rows), _mm512_permutexvar_ps(odds, rows));
            _mm512_mask_storeu_ps(output + (size_t)o * plane, half, _mm512_min_ps(hi, _mm512_max_ps(lo, best)));
        }
        return;
    }
    #pragma unroll
    for (int r = 0; r < R; r++) {
        const int o = first_row + r;
        const __m512 bias = _mm512_set1_ps(e->bias ? e->bias[o] : 0), scale = _mm512_set1_ps(e->scale ? e->scale[o] : 1);
        const __m512 shift = _mm512_set1_ps(e->shift ? e->shift[o] : 0);
        #pragma unroll
        for (int v = 0; v < V; v++) {
            __m512 y = _mm512_fmadd_ps(_mm512_add_ps(acc[v][r], bias), scale, shift);
            if (e->residual) y = _mm512_add_ps(y, _mm512_maskz_loadu_ps(mask, e->residual + (size_t)o * plane + v * output_step));
            // max/min return their second operand when either is NaN: the value goes second so NaN passes.
            y = _mm512_min_ps(hi, _mm512_max_ps(lo, y));
            _mm512_mask_storeu_ps(output + (size_t)o * plane + v * output_step, mask, y);
        }
    }
}

/// A strip of 9–16 pixels of V ≤ 3 rows through every output channel in AVX-512 tiles of at most
/// FOVEA_DIRECT_WIDE_ROWS channels, the channels shared evenly between the tiles (as `pack_tiles`
/// packs them: 16 channels two tiles of 8, 32 three of 11, 11 and 10).
/// With `pooled` (V = 2) the tiles pool their two rows into one row of `output` (see direct_tile_wide).
static __attribute__((target("avx512f")))
void direct_strip_wide(int V, int pooled, int columns, int out_channels, int depth, const int *offsets, const float *weights,
                       const float *pixels, size_t row_step, float *output, size_t output_step, size_t plane,
                       const fovea_epilogue *e, int32_t *winners, int first_cell, int width) {
    const int tiles = wide_tiles(out_channels);
    if (!pooled) {
        // The epilogue's residual rows (from L3: written two layers back) and the output rows'
        // lines in ownership, asked for now: the tiles' sums take thousands of cycles, and the
        // epilogue's loads and stores then find them in L1. ResNet-20's batch-64 inference 1.03×
        // (two paired A/Bs of 16 rounds); training, with no residual here, unchanged.
        for (int o = 0; o < out_channels; o++)
            for (int v = 0; v < V; v++) {
                const size_t at = (size_t)o * plane + v * output_step;
                if (e->residual) {
                    _mm_prefetch((const char *)(e->residual + at), _MM_HINT_T0);
                    _mm_prefetch((const char *)(e->residual + at + columns - 1), _MM_HINT_T0);
                }
                _m_prefetchw(output + at);
                _m_prefetchw(output + at + columns - 1);
            }
    }
    for (int t = 0, o = 0; t < tiles; t++) {
        const int rows = fovea_even_share(out_channels - o, tiles - t);
#define FOVEA_TILE_ROWS(R, V, P) direct_tile_wide(R, V, P, columns, depth, offsets, weights, pixels, row_step, o, output, output_step, \
                                                  plane, e, winners, first_cell, width)
// Three rows come only with tiles of at most 9 channels (the caller's choice); the bound keeps the
// larger tiles from being compiled for three.
#define FOVEA_TILE(R) if (pooled) FOVEA_TILE_ROWS(R, 2, 1); else if (V == 3 && 3 * R <= 28) FOVEA_TILE_ROWS(R, 3, 0); \
                      else if (V >= 2) FOVEA_TILE_ROWS(R, 2, 0); else FOVEA_TILE_ROWS(R, 1, 0);
#define FOVEA_WIDE_CASE(R) case R: FOVEA_TILE(R) break;
        switch (rows) {
        FOVEA_WIDE_CASE(14) FOVEA_WIDE_CASE(13) FOVEA_WIDE_CASE(12)
        FOVEA_WIDE_CASE(11) FOVEA_WIDE_CASE(10) FOVEA_WIDE_CASE(9) FOVEA_WIDE_CASE(8) FOVEA_WIDE_CASE(7)
        FOVEA_WIDE_CASE(6) FOVEA_WIDE_CASE(5) FOVEA_WIDE_CASE(4) FOVEA_WIDE_CASE(3) FOVEA_WIDE_CASE(2)
        default: FOVEA_TILE(1) break;
        }
#undef FOVEA_WIDE_CASE
#undef FOVEA_TILE
#undef FOVEA_TILE_ROWS
        o += rows;
    }
}

/// Rows per tile: 6 where possible, but never a tile of 1–3 rows (too few independent sums to
/// hide the FMA latency): the last 7–9 rows split as 4 + 3, 4 + 4 or 5 + 4.
static int tile_height(int remaining) {
    if (remaining == 7 || remaining == 8) return 4;
    if (remaining == 9) return 5;
    return remaining < 6 ? remaining : 6;
}

/// weights [O × depth] → each tile's rows [o, o + R) as [depth × R] at `packed + o · depth`, with
/// the tiles `wide` (AVX-512 strips) or the AVX2 tiles take: so the R broadcasts of one patch
/// element read one pointer at constant offsets. (Row by row, R pointers `depth` apart cost a
/// chain of dependent address additions per patch element: perf showed the AVX-512 strip at about
/// one FMA per cycle.)
static void pack_tiles(const float *weights, int out_channels, int depth, int wide, float *packed) {
    const int tiles = wide_tiles(out_channels);
    for (int t = 0, o = 0; o < out_channels; t++) {
        const int rows = wide ? fovea_even_share(out_channels - o, tiles - t) : tile_height(out_channels - o);
        float *target = packed + (size_t)o * depth;
        if (wide) {
            fovea_pack_rows_gathered(weights + (size_t)o * depth, rows, depth, (size_t)rows, 0, target);
            o += rows;
            continue;
        }
        for (int d = 0; d < depth; d++)
            for (int r = 0; r < rows; r++) target[(size_t)d * rows + r] = weights[(size_t)(o + r) * depth + d];
        o += rows;
    }
}

/// Strips of 9–16 columns take the AVX-512 tiles; a plane's strips are all one kind.
static int takes_wide_strips(const fovea_window *g) { return fovea_wide_tiles_available() && g->output_width > 8; }

void fovea_direct_pack_weights(const fovea_window *g, const float *weights, int out_channels, float *packed) {
    pack_tiles(weights, out_channels, g->channels * g->kernel_height * g->kernel_width, takes_wide_strips(g), packed);
}

/// Where each patch element's value lies from a window's corner in the padded image (malloc'd,
/// `depth` of them; the caller frees them). With a horizontal stride s > 1 each padded row holds
/// its s column phases one after the other (columns ≡ 0 mod s first): column s·x + t is element
/// x + t / s of phase t mod s, so the lanes of 16 neighbouring output pixels still read 16
/// neighbouring floats.
static int *patch_offsets(const fovea_window *g, int padded_height, int padded_width) {
    const int depth = g->channels * g->kernel_height * g->kernel_width;
    int *offsets = malloc((size_t)depth * sizeof(int));
    if (!offsets) abort();   // as Swift's allocations: out of memory is fatal
    const int s = g->stride_width;
    int phase_start[FOVEA_DIRECT_MAXIMUM_STRIDE + 1];
    for (int t = 0, start = 0; t <= s && t <= FOVEA_DIRECT_MAXIMUM_STRIDE; t++) {
        phase_start[t] = start;
        start += (padded_width - t + s - 1) / s;
    }
    for (int c = 0, d = 0; c < g->channels; c++)
        for (int i = 0; i < g->kernel_height; i++)
            for (int j = 0; j < g->kernel_width; j++, d++) {
                const int column = j * g->dilation_width;
                offsets[d] = (c * padded_height + i * g->dilation_height) * padded_width + phase_start[column % s] + column / s;
            }
    return offsets;
}

int fovea_direct_pools_in_registers(const fovea_window *g) { return takes_wide_strips(g); }

FOVEA_AVX512 void fovea_direct_convolution_pooled(const fovea_window *g, const float *padded, int padded_height,
                                                  int padded_width, const float *weights, int out_channels, int first_pair,
                                                  int end_pair, float *output, int32_t *winners, const fovea_epilogue *epilogue) {
    const int depth = g->channels * g->kernel_height * g->kernel_width;
    const int *offsets = fovea_keep_offsets(FOVEA_OFFSETS_DIRECT, g, padded_height, padded_width, patch_offsets);
    // The pool reads the first 2·⌊W/2⌋ columns: strips of 16 (the last moved left to end there,
    // still at an even column), or one narrower strip.
    const int pooled_width = g->output_width / 2, width = 2 * pooled_width;
    const size_t pooled_plane = (size_t)(g->output_height / 2) * pooled_width;
    const size_t row_step = (size_t)g->stride_height * padded_width;
    fovea_epilogue e = *epilogue;
    e.residual = NULL;
    for (int pair = first_pair; pair < end_pair; pair++) {
        const float *row = padded + (size_t)(2 * pair) * row_step;
        float *target = output + (size_t)pair * pooled_width;
        int32_t *winner_target = winners ? winners + (size_t)pair * pooled_width : NULL;
        for (int x = 0; x < width; x += 16) {
            if (width >= 16 && x + 16 > width) x = width - 16;
            const int columns = width - x < 16 ? width - x : 16;
            direct_strip_wide(2, 1, columns, out_channels, depth, offsets, weights, row + x, row_step, target + x / 2,
                              (size_t)pooled_width, pooled_plane, &e, winner_target ? winner_target + x / 2 : NULL,
                              2 * pair * g->output_width + x, g->output_width);
        }
    }
}

FOVEA_AVX2 void fovea_direct_convolution(const fovea_window *g, const float *padded, int padded_height, int padded_width,
                                         const float *weights, int out_channels, int first_y, int end_y,
                                         float *output, const fovea_epilogue *epilogue) {
    const int taps = g->kernel_height * g->kernel_width, depth = g->channels * taps;
    const int *offsets = fovea_keep_offsets(FOVEA_OFFSETS_DIRECT, g, padded_height, padded_width, patch_offsets);
    const size_t plane = (size_t)g->output_height * g->output_width;
    const int wide = takes_wide_strips(g);
    const int widest_tile = fovea_even_share(out_channels, wide_tiles(out_channels));
    const int most_rows = !wide ? 1 : (widest_tile <= 9 ? 3 : 2);
    for (int y = first_y; y < end_y;) {
        // AVX-512 strips take two output rows at once where two are left, three where the tiles
        // have at most 9 channels (16 channels: 8 × 3 rows, 24 sums for 12 loads, where 8 × 2 took
        // 11 loads for 16).
        const int V = end_y - y < most_rows ? end_y - y : most_rows;
        const size_t row_step = (size_t)g->stride_height * padded_width;
        const float *row = padded + (size_t)y * row_step;
        float *target = output + (size_t)y * g->output_width;
        const fovea_epilogue *e = epilogue;
        fovea_epilogue shifted;
        if (epilogue->residual) {
            shifted = *epilogue;
            shifted.residual += (size_t)y * g->output_width;
            e = &shifted;
        }
        // Rows of 16 pixels and more take whole strips only, the last one moved left to end at
        // the row's end (it recomputes a few pixels rather than mask its stores).
        const int width = g->output_width;
        for (int x = 0; x < width; x += 16) {
            if (width >= 16 && x + 16 > width) x = width - 16;
            const int columns = width - x < 16 ? width - x : 16;
            fovea_epilogue at = *e;
            if (at.residual) at.residual += x;
            if (wide) {
                direct_strip_wide(V, 0, columns, out_channels, depth, offsets, weights, row + x, row_step, target + x,
                                  (size_t)width, plane, &at, NULL, 0, 0);
                continue;
            }
            for (int o = 0; o < out_channels;) {
                const int rows = tile_height(out_channels - o);
                switch (rows) {
                case 6: direct_tile_columns(6, columns, depth, offsets, weights, row + x, o, target + x, plane, &at); break;
                case 5: direct_tile_columns(5, columns, depth, offsets, weights, row + x, o, target + x, plane, &at); break;
                case 4: direct_tile_columns(4, columns, depth, offsets, weights, row + x, o, target + x, plane, &at); break;
                case 3: direct_tile_columns(3, columns, depth, offsets, weights, row + x, o, target + x, plane, &at); break;
                case 2: direct_tile_columns(2, columns, depth, offsets, weights, row + x, o, target + x, plane, &at); break;
                default: direct_tile_columns(1, columns, depth, offsets, weights, row + x, o, target + x, plane, &at); break;
                }
                o += rows;
            }
        }
        y += V;
    }
}

#else

void fovea_direct_pack_weights(const fovea_window *g, const float *weights, int out_channels, float *packed) {
    (void)g; (void)weights; (void)out_channels; (void)packed;
    abort();   // callers check fovea_panel_convolution_available() first
}

int fovea_direct_pools_in_registers(const fovea_window *g) { (void)g; return 0; }

void fovea_direct_convolution_pooled(const fovea_window *g, const float *padded, int padded_height, int padded_width,
                                     const float *weights, int out_channels, int first_pair, int end_pair, float *output,
                                     int32_t *winners, const fovea_epilogue *epilogue) {
    (void)g; (void)padded; (void)padded_height; (void)padded_width; (void)weights; (void)out_channels; (void)first_pair;
    (void)end_pair; (void)output; (void)winners; (void)epilogue;
    abort();   // callers check fovea_direct_pools_in_registers() first
}

void fovea_direct_convolution(const fovea_window *g, const float *padded, int padded_height, int padded_width,
                              const float *weights, int out_channels, int first_y, int end_y,
                              float *output, const fovea_epilogue *epilogue) {
    (void)g; (void)padded; (void)padded_height; (void)padded_width; (void)weights; (void)out_channels; (void)first_y;
    (void)end_y; (void)output; (void)epilogue;
    abort();   // callers check fovea_panel_convolution_available() first
}

#endif
