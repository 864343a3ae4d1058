#include "kernels_internal.h"
#include <stdlib.h>
#include <string.h>
#ifdef FOVEA_X86
#include <cpuid.h>
#endif

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

// Zen 4 runs each 512-bit operation on its 256-bit units in two halves: its AVX-512 tiles do no
// more multiply-adds per cycle than AVX2's, so kernels that save multiplies (Winograd) gain more
// against them there than on a Xeon or a server Zen 5, whose units are 512 bits wide (a Zen 5
// laptop part, split like Zen 4, is not told apart here).
// Read from CPUID: AMD family 19h with AVX-512 is Zen 4 (Zen 3, the same family, has none).
// (__builtin_cpu_is("znver4") answered 0 on a Zen 4: libgcc's table predates it.)
int fovea_avx512_in_halves(void) {
    static int halves = -1;
    if (halves < 0) {
        unsigned eax, ebx, ecx, edx;
        int amd = 0, family = 0;
        if (__get_cpuid(0, &eax, &ebx, &ecx, &edx))
            amd = ebx == 0x68747541 && edx == 0x69746e65 && ecx == 0x444d4163;   // "AuthenticAMD"
        if (__get_cpuid(1, &eax, &ebx, &ecx, &edx)) {
            family = (eax >> 8) & 0xf;
            if (family == 0xf) family += (eax >> 20) & 0xff;
        }
        halves = amd && family == 0x19 && __builtin_cpu_supports("avx512f");
    }
    return halves;
}

/// R ≤ FOVEA_WIDE_TILE_ROWS rows (a compile-time constant once inlined) × 16 columns.
static inline __attribute__((always_inline, target("avx512f")))
void wide_tile(const int R, int depth, const float *a, size_t lda, const float *b, float *product, int accumulate) {
    __m512 c[FOVEA_WIDE_TILE_ROWS];
    #pragma unroll
    for (int r = 0; r < R; r++) c[r] = _mm512_setzero_ps();
    // Row pointers three rows apart, rows at 0, lda and 2·lda from each: written as a[r·lda + k],
    // clang walked the rows by a chain of dependent additions each step (perf: the adds held the
    // tile to about one FMA per cycle). (The empty asm hides how the pointers relate, or clang
    // derives them from one again.)
    const int groups = (R + 2) / 3;
    const float *rows[(FOVEA_WIDE_TILE_ROWS + 2) / 3];
    #pragma unroll
    for (int q = 0; q < groups; q++) {
        rows[q] = a + 3 * q * lda;
        __asm__("" : "+r"(rows[q]));
    }
    for (int k = 0; k < depth; k++) {
        const __m512 panel = _mm512_load_ps(b);
        #pragma unroll
        for (int q = 0; q < groups; q++) {
            const float *row = rows[q] + k;
            #pragma unroll
            for (int j = 0; j < 3; j++)
                if (3 * q + j < R) c[3 * q + j] = _mm512_fmadd_ps(_mm512_set1_ps(row[j * lda]), panel, c[3 * q + j]);
        }
        b += FOVEA_PANEL_COLUMNS;
    }
    #pragma unroll
    for (int r = 0; r < R; r++) {
        if (accumulate) c[r] = _mm512_add_ps(c[r], _mm512_load_ps(product + r * FOVEA_PANEL_COLUMNS));
        _mm512_store_ps(product + r * FOVEA_PANEL_COLUMNS, c[r]);
    }
}

FOVEA_AVX512 void fovea_wide_tile_multiply(int rows, int depth, const float *a, size_t lda, const float *b, float *product,
                                           int accumulate) {
#define FOVEA_WIDE_CASE(R) case R: wide_tile(R, depth, a, lda, b, product, accumulate); break;
    switch (rows) {
    FOVEA_WIDE_CASE(12) FOVEA_WIDE_CASE(11) FOVEA_WIDE_CASE(10) FOVEA_WIDE_CASE(9) FOVEA_WIDE_CASE(8) FOVEA_WIDE_CASE(7)
    FOVEA_WIDE_CASE(6) FOVEA_WIDE_CASE(5) FOVEA_WIDE_CASE(4) FOVEA_WIDE_CASE(3) FOVEA_WIDE_CASE(2)
    default: wide_tile(1, depth, a, lda, b, product, accumulate); break;
    }
#undef FOVEA_WIDE_CASE
}
#else
int fovea_wide_tiles_available(void) { return 0; }
int fovea_avx512_in_halves(void) { return 0; }
#endif
