// Max pooling (max_pool_lanes.h): 2×2 with stride 2, and any other window by gathered taps, compiled for each vector width and chosen at run time.
#include "kernels_internal.h"
#include <math.h>
#include <stdint.h>

#define FOVEA_LANES_TEMPLATE "max_pool_lanes.h"
#include "lanes_instances.h"

void fovea_max_pool_halving(const float *input, int height, int width, int first_plane, int end_plane, float *output,
                            int32_t *indices) {
    FOVEA_BY_LANES(, max_pool_halving, input, height, width, first_plane, end_plane, 0, height / 2, output, indices);
}

void fovea_max_pool_halving_rows(const float *input, int height, int width, int first_plane, int end_plane, int first_row,
                                 int end_row, float *output, int32_t *indices) {
    FOVEA_BY_LANES(, max_pool_halving, input, height, width, first_plane, end_plane, first_row, end_row, output, indices);
}

void fovea_max_pool_halving_backward(const float *output_gradient, const int32_t *indices, int height, int width,
                                     int first_plane, int end_plane, float *input_gradient) {
    FOVEA_BY_LANES(, max_pool_halving_backward, output_gradient, indices, height, width, first_plane, end_plane,
                   input_gradient);
}

void fovea_max_pool_gathered(const float *input, const fovea_window *window, int first_plane, int end_plane, float *output,
                             int32_t *indices) {
    FOVEA_BY_LANES(, max_pool_gathered, input, window, first_plane, end_plane, output, indices);
}
