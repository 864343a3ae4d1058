#include "fovea_kernels.h"

#if defined(__linux__)
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

// OpenBLAS picks its kernels for the CPU once, in the constructor that runs when the library
// loads, and honours OPENBLAS_CORETYPE there. Debian's 0.3.21 does not know newer Xeons (family 6
// model 207 here) and falls back to its Prescott (SSE3) kernels: the seed ResNet trained at 41
// img/s against 80 with its SkylakeX kernels. A linked library loads before any Fovea code runs,
// so Fovea loads OpenBLAS itself, on first use, after naming the core where the CPU has AVX-512
// and the user named none; the variable is removed again once the library has read it.

typedef void (*sgemm_function)(int, int, int, int, int, int, float, const float *, int, const float *, int, float,
                               float *, int);
typedef void (*sgemv_function)(int, int, int, int, float, const float *, int, const float *, int, float, float *,
                               int);
typedef void (*set_threads_function)(int);
typedef char *(*corename_function)(void);

static sgemm_function loaded_sgemm;
static sgemv_function loaded_sgemv;
static set_threads_function loaded_set_threads;
static corename_function loaded_corename;
static char load_error[512];
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

/// What OpenBLAS's SkylakeX kernels need.
static int runs_skylakex_kernels(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512cd");
#else
    return 0;
#endif
}

static void load(void) {
    const char *names[] = {"libopenblas.so.0", "libopenblas.so"};
    int named = 0;
    if (!getenv("OPENBLAS_CORETYPE") && runs_skylakex_kernels()) {
        setenv("OPENBLAS_CORETYPE", "SkylakeX", 0);
        named = 1;
    }
    // FOVEA_OPENBLAS names another OpenBLAS build (a path or a library name) to load instead.
    const char *chosen = getenv("FOVEA_OPENBLAS");
    if (chosen && !*chosen) chosen = NULL;
    void *library = NULL;
    if (chosen) library = dlopen(chosen, RTLD_NOW | RTLD_LOCAL);
    for (size_t i = 0; !chosen && i < sizeof names / sizeof *names && !library; i++) library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (named) unsetenv("OPENBLAS_CORETYPE");
    if (!library) {
        const char *reason = dlerror();
        if (chosen)
            snprintf(load_error, sizeof load_error, "Fovea could not load the OpenBLAS that FOVEA_OPENBLAS names, %s (%s)",
                     chosen, reason ? reason : "not found");
        else
            snprintf(load_error, sizeof load_error,
                     "Fovea needs OpenBLAS and could not load libopenblas.so.0 (%s); on Debian or Ubuntu: "
                     "apt-get install libopenblas0", reason ? reason : "not found");
        return;
    }
    loaded_sgemm = (sgemm_function)dlsym(library, "cblas_sgemm");
    loaded_sgemv = (sgemv_function)dlsym(library, "cblas_sgemv");
    loaded_set_threads = (set_threads_function)dlsym(library, "openblas_set_num_threads");
    loaded_corename = (corename_function)dlsym(library, "openblas_get_corename");
    if (!loaded_sgemm || !loaded_sgemv) {
        snprintf(load_error, sizeof load_error, "Fovea loaded %s, which lacks cblas_sgemm or cblas_sgemv",
                 chosen ? chosen : "libopenblas");
        loaded_sgemm = NULL;
        return;
    }
    // Fovea's own pool parallelises around BLAS: OpenBLAS's threads would fight it for the cores.
    if (loaded_set_threads) loaded_set_threads(1);
}

const char *fovea_blas_load(void) {
    pthread_once(&load_once, load);
    return loaded_sgemm ? NULL : load_error;
}

const char *fovea_blas_core(void) {
    if (fovea_blas_load()) return "none";
    return loaded_corename ? loaded_corename() : "unknown";
}

// CBLAS's enumerations: row-major 101, no transpose 111, transpose 112.
void fovea_blas_sgemm(int transpose_a, int transpose_b, int m, int n, int k, float alpha, const float *a, int lda,
                      const float *b, int ldb, float beta, float *c, int ldc) {
    if (fovea_blas_load()) abort();   // callers check fovea_blas_load() first (Swift turns its message into a fatal error)
    loaded_sgemm(101, transpose_a ? 112 : 111, transpose_b ? 112 : 111, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void fovea_blas_sgemv(int transpose, int m, int n, float alpha, const float *a, int lda, const float *x, int incx,
                      float beta, float *y, int incy) {
    if (fovea_blas_load()) abort();
    loaded_sgemv(101, transpose ? 112 : 111, m, n, alpha, a, lda, x, incx, beta, y, incy);
}
#endif
