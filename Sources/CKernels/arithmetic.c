// Element-wise arithmetic (arithmetic_lanes.h), compiled for each vector width and chosen at run time.
#include "kernels_internal.h"

// The optimiser steps below must give the floats of their scalar rules at every width: no fused
// multiply-adds where the source has a multiply and an add.
#pragma STDC FP_CONTRACT OFF

#define FOVEA_LANES_TEMPLATE "arithmetic_lanes.h"
#include "lanes_instances.h"

void fovea_add(const float *a, const float *b, float *out, size_t count) { FOVEA_BY_LANES(, add, a, b, out, count); }

void fovea_copy_planes(const float *source, size_t planes, size_t rows, size_t width, float *target, size_t target_stride,
                       size_t target_plane) {
    FOVEA_BY_LANES(, copy_planes, source, planes, rows, width, target, target_stride, target_plane);
}

void fovea_plane_means(const float *x, size_t planes, size_t plane, float *means) {
    FOVEA_BY_LANES(, plane_means, x, planes, plane, means);
}

void fovea_copy_rows(const float *source, size_t rows, size_t width, float *target, size_t target_stride) {
    FOVEA_BY_LANES(, copy_rows, source, rows, width, target, target_stride);
}

void fovea_sgd_step(float *theta, const float *grad, float *velocity, size_t count, float lr, float wd, float mu,
                    int nesterov) {
    FOVEA_BY_LANES(, sgd_step, theta, grad, velocity, count, lr, wd, mu, nesterov);
}

void fovea_adam_step(float *theta, const float *grad, float *m, float *v, size_t count, float l2, float shrink, float beta1,
                     float beta2, float step_size, float root_correction2, float epsilon) {
    FOVEA_BY_LANES(, adam_step, theta, grad, m, v, count, l2, shrink, beta1, beta2, step_size, root_correction2, epsilon);
}

void fovea_relu(const float *x, float *y, size_t count) { FOVEA_BY_LANES(, relu, x, y, count); }
