// Element-wise arithmetic (arithmetic_lanes.h), compiled for each vector width and chosen at run time.
#include "kernels_internal.h"

#define FOVEA_LANES_TEMPLATE "arithmetic_lanes.h"
#include "lanes_instances.h"

void fovea_add(const float *a, const float *b, float *out, size_t count) { FOVEA_BY_LANES(, add, a, b, out, count); }

void fovea_copy_rows(const float *source, size_t rows, size_t width, float *target, size_t target_stride) {
    FOVEA_BY_LANES(, copy_rows, source, rows, width, target, target_stride);
}

void fovea_sgd_step(float *theta, const float *grad, float *velocity, size_t count, float lr, float wd, float mu,
                    int nesterov) {
    FOVEA_BY_LANES(, sgd_step, theta, grad, velocity, count, lr, wd, mu, nesterov);
}
