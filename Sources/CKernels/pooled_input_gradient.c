// The input gradient of a convolution → 2×2 max pool, from the pooled gradient's winners alone
// (see PooledInputGradient.swift for where it runs and what it replaced).
#include "kernels_internal.h"
#include <stdlib.h>
#include <string.h>

#ifdef FOVEA_X86

/// One window's share: `g` times the V vectors of each of the KH × KW taps of the output
/// channel's packed weights, added to the pixel rows its winner's window reads (`base`: the
/// window corner's row). All loads before the stores: the rows are distinct within a window.
static inline __attribute__((always_inline, target("avx512f")))
void add_window(const int V, const int KH, const int KW, float g, const float *weights, const fovea_window *w, int padded_width,
                float *base, int lanes) {
    const __m512 gv = _mm512_set1_ps(g);
    for (int i = 0; i < KH; i++) {
        float *row = base + (size_t)i * w->dilation_height * padded_width * lanes;
        for (int j = 0; j < KW; j++, row += (size_t)w->dilation_width * lanes, weights += lanes) {
            __m512 sum[4];
            #pragma unroll
            for (int v = 0; v < V; v++) sum[v] = _mm512_fmadd_ps(gv, _mm512_loadu_ps(weights + 16 * v), _mm512_loadu_ps(row + 16 * v));
            #pragma unroll
            for (int v = 0; v < V; v++) _mm512_storeu_ps(row + 16 * v, sum[v]);
        }
    }
}

/// Every window with a gradient, V ≤ 4 vectors of input channels from `packed` and `rows` on.
/// Windows two apart in a pooled row read no pixel in common (their winners are at least three
/// columns apart), so each channel's even windows go first, then its odd ones: a window's stores
/// are then seldom the next window's loads, which would wait for them.
static inline __attribute__((always_inline, target("avx512f")))
void add_windows(const int V, const int KH, const int KW, const fovea_window *w, int padded_width, const int *corners,
                 const float *pooled_gradient, const int32_t *winners, int out_channels, const float *packed, float *rows, int lanes) {
    const int pooled_plane = (w->output_height / 2) * (w->output_width / 2), taps = w->kernel_height * w->kernel_width;
    for (int o = 0; o < out_channels; o++) {
        const float *g = pooled_gradient + (size_t)o * pooled_plane;
        const int32_t *cell = winners + (size_t)o * pooled_plane;
        const float *weights = packed + (size_t)o * taps * lanes;
        for (int parity = 0; parity < 2; parity++)
            for (int k = parity; k < pooled_plane; k += 2) {
                if (g[k] == 0) continue;   // the windows whose winner the activation stopped
                add_window(V, KH, KW, g[k], weights, w, padded_width, rows + (size_t)corners[cell[k]] * lanes, lanes);
            }
    }
}

/// add_windows with V and, for 3 × 3 windows, the taps known when compiled.
static __attribute__((target("avx512f")))
void add_windows_of(int V, const fovea_window *w, int padded_width, const int *corners, const float *pooled_gradient,
                    const int32_t *winners, int out_channels, const float *packed, float *rows, int lanes) {
    const int three = w->kernel_height == 3 && w->kernel_width == 3, kh = w->kernel_height, kw = w->kernel_width;
#define FOVEA_WINDOWS(V) if (three) add_windows(V, 3, 3, w, padded_width, corners, pooled_gradient, winners, out_channels, packed, rows, lanes); \
                         else add_windows(V, kh, kw, w, padded_width, corners, pooled_gradient, winners, out_channels, packed, rows, lanes);
    switch (V) {
    case 1: FOVEA_WINDOWS(1) break;
    case 2: FOVEA_WINDOWS(2) break;
    case 3: FOVEA_WINDOWS(3) break;
    default: FOVEA_WINDOWS(4) break;
    }
#undef FOVEA_WINDOWS
}

FOVEA_AVX512 void fovea_pooled_input_gradient(const fovea_window *w, int padded_height, int padded_width,
                                             const float *pooled_gradient, const int32_t *winners, int out_channels,
                                             const float *packed, float *rows, int lanes, float *input_gradient) {
    memset(rows, 0, (size_t)padded_height * padded_width * lanes * sizeof(float));
    // Each output cell's window corner, in rows (a division per window cost more than its FMAs).
    int *corners = malloc((size_t)w->output_height * w->output_width * sizeof(int));
    if (!corners) abort();   // as Swift's allocations: out of memory is fatal
    for (int y = 0, cell = 0; y < w->output_height; y++)
        for (int x = 0; x < w->output_width; x++, cell++) corners[cell] = y * w->stride_height * padded_width + x * w->stride_width;
    // Up to four vectors of input channels a pass (wider inputs in several: the pointers move, the rows stay `lanes` long).
    for (int first = 0; first < lanes; first += 64) {
        const int V = (lanes - first) / 16 < 4 ? (lanes - first) / 16 : 4;
        add_windows_of(V, w, padded_width, corners, pooled_gradient, winners, out_channels, packed + first, rows + first, lanes);
    }
    free(corners);
    // The rows' interior into the planes, 16 pixels × 16 channels at a time transposed in registers.
    const int height = w->height, width = w->width, channels = w->channels;
    const size_t plane = (size_t)height * width;
    for (int y = 0; y < height; y++) {
        const float *source = rows + ((size_t)(y + w->pad_top) * padded_width + w->pad_left) * lanes;
        for (int c = 0; c < channels; c += 16) {
            const int count = channels - c < 16 ? channels - c : 16;
            for (int x = 0; x < width; x += 16) {
                const int pixels = width - x < 16 ? width - x : 16;
                __m512 r[16];
                for (int i = 0; i < 16; i++) r[i] = i < pixels ? _mm512_loadu_ps(source + (size_t)(x + i) * lanes + c) : _mm512_setzero_ps();
                fovea_transpose16(r);
                const __mmask16 mask = (__mmask16)((1u << pixels) - 1);
                for (int k = 0; k < count; k++)
                    _mm512_mask_storeu_ps(input_gradient + (size_t)(c + k) * plane + (size_t)y * width + x, mask, r[k]);
            }
        }
    }
}

#else

void fovea_pooled_input_gradient(const fovea_window *w, int padded_height, int padded_width, const float *pooled_gradient,
                                 const int32_t *winners, int out_channels, const float *packed, float *rows, int lanes,
                                 float *input_gradient) {
    (void)w; (void)padded_height; (void)padded_width; (void)pooled_gradient; (void)winners; (void)out_channels; (void)packed;
    (void)rows; (void)lanes; (void)input_gradient;
    abort();   // callers check fovea_wide_tiles_available() first
}

#endif
