// col2im (col2im_lanes.h), compiled for each vector width and chosen at run time.
#include "kernels_internal.h"

#define FOVEA_LANES_TEMPLATE "col2im_lanes.h"
#include "lanes_instances.h"

void fovea_col2im(const fovea_window *window, const float *columns, float *output, size_t row_stride) {
    FOVEA_BY_LANES(, col2im, window, columns, output, row_stride);
}
