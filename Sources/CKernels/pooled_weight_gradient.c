// The weight gradient of a 3×3 convolution → 2×2 max pool, from the pooled gradient's winners
// alone (see PooledWeightGradient.swift for where it runs and what it replaced).
#include "kernels_internal.h"

#ifdef FOVEA_X86

/// V ≤ 2 vectors of input channels (from `rows` and `accumulated` on) of every output channel's
/// 9 taps, in 9·V registers over all of one image's windows: per window with a gradient one
/// broadcast, and per tap V loads from the rows its winner's window read and V FMAs.
static inline __attribute__((always_inline, target("avx512f")))
void add_windows(const int V, const fovea_window *w, int padded_width, const float *rows, const float *pooled_gradient,
                 const int32_t *winners, int out_channels, const int *corners, float *accumulated, int lanes) {
    const int pooled_plane = (w->output_height / 2) * (w->output_width / 2);
    size_t tap[9];
    for (int i = 0, t = 0; i < 3; i++)
        for (int j = 0; j < 3; j++, t++) tap[t] = ((size_t)i * w->dilation_height * padded_width + (size_t)j * w->dilation_width) * lanes;
    for (int o = 0; o < out_channels; o++) {
        const float *g = pooled_gradient + (size_t)o * pooled_plane;
        const int32_t *cell = winners + (size_t)o * pooled_plane;
        float *sums = accumulated + (size_t)o * 9 * lanes;
        __m512 acc[9][2];
        #pragma unroll
        for (int t = 0; t < 9; t++)
            #pragma unroll
            for (int v = 0; v < V; v++) acc[t][v] = _mm512_loadu_ps(sums + (size_t)t * lanes + 16 * v);
        for (int k = 0; k < pooled_plane; k++) {
            if (g[k] == 0) continue;   // the windows whose winner the activation stopped
            const __m512 gv = _mm512_set1_ps(g[k]);
            const float *base = rows + (size_t)corners[cell[k]] * lanes;
            #pragma unroll
            for (int t = 0; t < 9; t++)
                #pragma unroll
                for (int v = 0; v < V; v++) acc[t][v] = _mm512_fmadd_ps(gv, _mm512_loadu_ps(base + tap[t] + 16 * v), acc[t][v]);
        }
        #pragma unroll
        for (int t = 0; t < 9; t++)
            #pragma unroll
            for (int v = 0; v < V; v++) _mm512_storeu_ps(sums + (size_t)t * lanes + 16 * v, acc[t][v]);
    }
}

FOVEA_AVX512 void fovea_pooled_weight_gradient(const fovea_window *w, int padded_width, const float *rows,
                                              const float *pooled_gradient, const int32_t *winners, int out_channels,
                                              const int *corners, float *accumulated, int lanes) {
    for (int first = 0; first < lanes; first += 32) {
        if (lanes - first >= 32)
            add_windows(2, w, padded_width, rows + first, pooled_gradient, winners, out_channels, corners, accumulated + first, lanes);
        else
            add_windows(1, w, padded_width, rows + first, pooled_gradient, winners, out_channels, corners, accumulated + first, lanes);
    }
}

#else

#include <stdlib.h>

void fovea_pooled_weight_gradient(const fovea_window *w, int padded_width, const float *rows, const float *pooled_gradient,
                                  const int32_t *winners, int out_channels, const int *corners, float *accumulated, int lanes) {
    (void)w; (void)padded_width; (void)rows; (void)pooled_gradient; (void)winners; (void)out_channels; (void)corners;
    (void)accumulated; (void)lanes;
    abort();   // callers check fovea_wide_tiles_available() first
}

#endif
