// Winograd F(2×2, 3×3)'s input transform (winograd2_lanes.h), compiled for each vector width and
// chosen at run time.
#include "kernels_internal.h"

/// Floats of one scratch row for `count` tiles: the span (2·count + 2) and room for the widest
/// vectors' loads past it (at 2q + 2 + 16, 16 floats).
#define WINOGRAD2_ROW(count) (2 * (count) + 2 + 2 * 16 + 16)

#define FOVEA_LANES_TEMPLATE "winograd2_lanes.h"
#include "lanes_instances.h"

/// The four combined rows (the input rows are read in place).
size_t fovea_winograd2_scratch_floats(int tile_columns) { return 4 * (size_t)WINOGRAD2_ROW(tile_columns); }

void fovea_winograd2_transform_input(const float *image, int channels, int height, int width, int pad_top, int pad_left,
                                     int tile_row, int first_tile, int count, float *v, size_t stride, float *scratch) {
    FOVEA_BY_LANES(, winograd2_transform_input, image, channels, height, width, pad_top, pad_left, tile_row, first_tile,
                   count, v, stride, scratch);
}
