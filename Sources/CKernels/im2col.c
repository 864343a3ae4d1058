// im2col's vector paths (im2col_lanes.h), compiled for each vector width and chosen at run time.
#include "kernels_internal.h"

#define FOVEA_LANES_TEMPLATE "im2col_lanes.h"
#include "lanes_instances.h"

void fovea_im2col_shifted(const fovea_window *window, const float *input, int first_pixel, int end_pixel, float *columns,
                          size_t row_stride) {
    FOVEA_BY_LANES(, im2col_shifted, window, input, first_pixel, end_pixel, columns, row_stride);
}

void fovea_im2col_gathered(const fovea_window *window, const float *input, float *columns, size_t row_stride) {
    FOVEA_BY_LANES(, im2col_gathered, window, input, columns, row_stride);
}
