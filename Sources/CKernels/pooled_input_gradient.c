// The input gradient of a convolution → 2×2 max pool, from the pooled gradient's winners alone
// (see PooledInputGradient.swift for where it runs and what it replaced).
#include "kernels_internal.h"
#include <stdlib.h>
#include <string.h>

#ifdef FOVEA_X86

/// The windows with a gradient, listed by their winner's output cell: cell q's are entries
/// [start[q], start[q + 1]) of `channels` (the window's output channel) and `gradients`.
typedef struct {
    int *start, *channels;
    float *gradients;
} winner_lists;

static winner_lists list_winners(int cells, const float *pooled_gradient, const int32_t *winners, int out_channels,
                                 int pooled_plane) {
    const size_t count = (size_t)out_channels * pooled_plane;
    winner_lists l = { calloc((size_t)cells + 1, sizeof(int)), malloc(count * sizeof(int) + 1), malloc(count * sizeof(float) + 1) };
    int *next = malloc((size_t)cells * sizeof(int) + 1);
    if (!l.start || !l.channels || !l.gradients || !next) abort();   // as Swift's allocations: out of memory is fatal
    for (size_t i = 0; i < count; i++)
        if (pooled_gradient[i] != 0) l.start[winners[i] + 1]++;   // the windows whose winner the activation stopped: none
    for (int q = 0; q < cells; q++) l.start[q + 1] += l.start[q];
    memcpy(next, l.start, (size_t)cells * sizeof(int));
    for (int o = 0; o < out_channels; o++)
        for (int k = 0; k < pooled_plane; k++) {
            const size_t i = (size_t)o * pooled_plane + k;
            if (pooled_gradient[i] == 0) continue;
            const int at = next[winners[i]]++;
            l.channels[at] = o;
            l.gradients[at] = pooled_gradient[i];
        }
    free(next);
    return l;
}

/// Per tap (its weights `packed[tap][o][lanes]`, one tap's for every channel: in L1), per output
/// cell, the sum of g times the tap's weights of each window the cell won, in registers (four
/// sets in turn: the FMAs' latency), then added to the pixel row the tap of the cell's window
/// reads: one load and one store of the row per cell and tap, where a window at a time took
/// them per window (and waited for the store of a window before when their rows met).
static inline __attribute__((always_inline, target("avx512f")))
void add_cells(const int V, const fovea_window *w, int padded_width, const int *corners, const winner_lists *l, int out_channels,
               const float *packed, float *rows, int lanes) {
    const int cells = w->output_height * w->output_width;
    for (int i = 0; i < w->kernel_height; i++)
        for (int j = 0; j < w->kernel_width; j++) {
            const float *tap = packed + (size_t)(i * w->kernel_width + j) * out_channels * lanes;
            const size_t offset = ((size_t)i * w->dilation_height * padded_width + (size_t)j * w->dilation_width) * lanes;
            for (int q = 0; q < cells; q++) {
                int e = l->start[q];
                const int end = l->start[q + 1];
                if (e == end) continue;
                __m512 acc[4][4];
                #pragma unroll
                for (int s = 0; s < 4; s++)
                    #pragma unroll
                    for (int v = 0; v < V; v++) acc[s][v] = _mm512_setzero_ps();
                for (; e + 4 <= end; e += 4) {
                    #pragma unroll
                    for (int s = 0; s < 4; s++) {
                        const __m512 g = _mm512_set1_ps(l->gradients[e + s]);
                        const float *weights = tap + (size_t)l->channels[e + s] * lanes;
                        #pragma unroll
                        for (int v = 0; v < V; v++) acc[s][v] = _mm512_fmadd_ps(g, _mm512_loadu_ps(weights + 16 * v), acc[s][v]);
                    }
                }
                for (; e < end; e++) {   // (into one fixed set: indexed at run time, the sets would go to the stack)
                    const __m512 g = _mm512_set1_ps(l->gradients[e]);
                    const float *weights = tap + (size_t)l->channels[e] * lanes;
                    #pragma unroll
                    for (int v = 0; v < V; v++) acc[0][v] = _mm512_fmadd_ps(g, _mm512_loadu_ps(weights + 16 * v), acc[0][v]);
                }
                float *row = rows + (size_t)corners[q] * lanes + offset;
                #pragma unroll
                for (int v = 0; v < V; v++)
                    _mm512_storeu_ps(row + 16 * v, _mm512_add_ps(_mm512_loadu_ps(row + 16 * v),
                                                                 _mm512_add_ps(_mm512_add_ps(acc[0][v], acc[1][v]),
                                                                               _mm512_add_ps(acc[2][v], acc[3][v]))));
            }
        }
}

/// add_cells with V known when compiled.
static __attribute__((target("avx512f")))
void add_cells_of(int V, const fovea_window *w, int padded_width, const int *corners, const winner_lists *l, int out_channels,
                  const float *packed, float *rows, int lanes) {
    switch (V) {
    case 1: add_cells(1, w, padded_width, corners, l, out_channels, packed, rows, lanes); break;
    case 2: add_cells(2, w, padded_width, corners, l, out_channels, packed, rows, lanes); break;
    case 3: add_cells(3, w, padded_width, corners, l, out_channels, packed, rows, lanes); break;
    default: add_cells(4, w, padded_width, corners, l, out_channels, packed, rows, lanes); break;
    }
}

FOVEA_AVX512 void fovea_pooled_input_gradient(const fovea_window *w, int padded_height, int padded_width, const int *corners,
                                             const float *pooled_gradient, const int32_t *winners, int out_channels,
                                             const float *packed, float *rows, int lanes) {
    memset(rows, 0, (size_t)padded_height * padded_width * lanes * sizeof(float));
    winner_lists l = list_winners(w->output_height * w->output_width, pooled_gradient, winners, out_channels,
                                  (w->output_height / 2) * (w->output_width / 2));
    // Up to four vectors of input channels a pass (wider inputs in several: the pointers move, the rows stay `lanes` long).
    for (int first = 0; first < lanes; first += 64) {
        const int V = (lanes - first) / 16 < 4 ? (lanes - first) / 16 : 4;
        add_cells_of(V, w, padded_width, corners, &l, out_channels, packed + first, rows + first, lanes);
    }
    free(l.start); free(l.channels); free(l.gradients);
}

#else

void fovea_pooled_input_gradient(const fovea_window *w, int padded_height, int padded_width, const int *corners,
                                 const float *pooled_gradient, const int32_t *winners, int out_channels, const float *packed,
                                 float *rows, int lanes) {
    (void)w; (void)padded_height; (void)padded_width; (void)corners; (void)pooled_gradient; (void)winners; (void)out_channels;
    (void)packed; (void)rows; (void)lanes;
    abort();   // callers check fovea_wide_tiles_available() first
}

#endif
