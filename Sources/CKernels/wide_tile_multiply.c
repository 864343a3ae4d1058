#include "kernels_internal.h"
#include <stdlib.h>
#include <string.h>

#ifdef FOVEA_X86
// AVX-512 CPUs (Intel Xeon since Skylake-SP, AMD Zen 4/5) do sixteen multiply-adds per FMA
// where AVX2 does eight. A panel row of 16 columns is one 512-bit vector, so a tile of 12
// rows keeps 12 accumulators (of 32 registers) and reads one panel vector and 12 weights per
// step of depth. convolution-bench on a Xeon (family 6 model 207): 130–142 GFLOP/s on one
// core against the AVX2 6 × 16 tile's 86.
int fovea_wide_tiles_available(void) {
    static int available = -1;
    if (available < 0) {
        __builtin_cpu_init();
        const char *setting = getenv("FOVEA_AVX512");
        available = __builtin_cpu_supports("avx512f") && !(setting && strcmp(setting, "0") == 0);
    }
    return available;
}

FOVEA_AVX512 void fovea_wide_tile_multiply(int depth, const float *a, size_t lda, const float *b, float *product,
                                           int accumulate) {
    __m512 c[FOVEA_WIDE_TILE_ROWS];
    for (int r = 0; r < FOVEA_WIDE_TILE_ROWS; r++) c[r] = _mm512_setzero_ps();
    // Four row pointers, three rows each at 0, lda and 2·lda from them: written as a[r·lda + k],
    // clang walked the twelve rows by a chain of dependent additions each step (perf: the adds
    // held the tile to about one FMA per cycle).
    // (The empty asm hides how the four pointers relate, or clang derives them from one again.)
    const float *rows[4] = {a, a + 3 * lda, a + 6 * lda, a + 9 * lda};
    for (int q = 0; q < 4; q++) __asm__("" : "+r"(rows[q]));
    for (int k = 0; k < depth; k++) {
        const __m512 panel = _mm512_load_ps(b);
        for (int q = 0; q < 4; q++) {
            const float *row = rows[q] + k;
            c[3 * q] = _mm512_fmadd_ps(_mm512_set1_ps(row[0]), panel, c[3 * q]);
            c[3 * q + 1] = _mm512_fmadd_ps(_mm512_set1_ps(row[lda]), panel, c[3 * q + 1]);
            c[3 * q + 2] = _mm512_fmadd_ps(_mm512_set1_ps(row[2 * lda]), panel, c[3 * q + 2]);
        }
        b += FOVEA_PANEL_COLUMNS;
    }
    for (int r = 0; r < FOVEA_WIDE_TILE_ROWS; r++) {
        if (accumulate) c[r] = _mm512_add_ps(c[r], _mm512_load_ps(product + r * FOVEA_PANEL_COLUMNS));
        _mm512_store_ps(product + r * FOVEA_PANEL_COLUMNS, c[r]);
    }
}
#else
int fovea_wide_tiles_available(void) { return 0; }
#endif
