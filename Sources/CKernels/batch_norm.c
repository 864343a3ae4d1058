// Batch norm's passes and the activation mask (batch_norm_lanes.h), compiled for each vector
// width and chosen at run time by fovea_vector_lanes().
#include "kernels_internal.h"

#define FOVEA_LANES_TEMPLATE "batch_norm_lanes.h"
#include "lanes_instances.h"

float fovea_mask_gradient(const float *dy, const float *y, float *target, size_t count, int activation) {
    FOVEA_BY_LANES(return, mask_gradient, dy, y, target, count, activation);
}

void fovea_batch_norm_shifted_sums(const float *x, size_t count, float shift, double *sum, double *squares) {
    FOVEA_BY_LANES(, shifted_sums, x, count, shift, sum, squares);
}

void fovea_batch_norm_gradient_sums(const float *dy, const float *y, float *masked, const float *x, size_t count,
                                    float mean, int activation, double *sum, double *centered) {
    FOVEA_BY_LANES(, gradient_sums, dy, y, masked, x, count, mean, activation, sum, centered);
}

void fovea_batch_norm_normalise(const float *x, float *out, const float *residual, size_t count, float mean, float scale,
                                float shift, float floor, float ceiling) {
    FOVEA_BY_LANES(, normalise, x, out, residual, count, mean, scale, shift, floor, ceiling);
}

void fovea_batch_norm_input_gradient(const float *d, const float *x, float *dx, size_t count, float scale,
                                     float mean_dy, float mean, float k) {
    FOVEA_BY_LANES(, input_gradient, d, x, dx, count, scale, mean_dy, mean, k);
}

void fovea_batch_norm_slice_sums(const float *x, const float *shifts, size_t count, float *sums, float *squares) {
    FOVEA_BY_LANES(, slice_sums, x, shifts, count, sums, squares);
}

void fovea_batch_norm_slice_gradient_sums(const float *dy, const float *y, float *masked, const float *x,
                                          const float *means, size_t count, int activation, float *sums, float *centered) {
    FOVEA_BY_LANES(, slice_gradient_sums, dy, y, masked, x, means, count, activation, sums, centered);
}

void fovea_batch_norm_slice_normalise(const float *x, float *out, const float *residual, size_t count, const float *means,
                                      const float *scales, const float *shifts, float floor, float ceiling) {
    FOVEA_BY_LANES(, slice_normalise, x, out, residual, count, means, scales, shifts, floor, ceiling);
}

void fovea_batch_norm_slice_input_gradient(const float *d, const float *x, float *dx, size_t count, const float *scales,
                                           const float *mean_dys, const float *means, const float *ks) {
    FOVEA_BY_LANES(, slice_input_gradient, d, x, dx, count, scales, mean_dys, means, ks);
}

void fovea_batch_norm_folded_scale(const float *gamma, const float *variance, float epsilon, size_t count, float *scale) {
    FOVEA_BY_LANES(, folded_scale, gamma, variance, epsilon, count, scale);
}
