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

void fovea_gather_patches(const fovea_window *g, const float *input, int first_channel, int end_channel, float *patches) {
    const int taps = g->kernel_height * g->kernel_width, patch = g->channels * taps;
    const size_t plane = (size_t)g->height * g->width;
    for (int oy = 0; oy < g->output_height; oy++)
        for (int ox = 0; ox < g->output_width; ox++) {
            float *target = patches + (size_t)(oy * g->output_width + ox) * patch + (size_t)first_channel * taps;
            for (int c = first_channel; c < end_channel; c++) {
                const float *channel = input + c * plane;
                for (int i = 0; i < g->kernel_height; i++) {
                    const int y = oy * g->stride_height + i * g->dilation_height - g->pad_top;
                    const int row_inside = y >= 0 && y < g->height;
                    for (int j = 0; j < g->kernel_width; j++) {
                        const int x = ox * g->stride_width + j * g->dilation_width - g->pad_left;
                        *target++ = row_inside && x >= 0 && x < g->width ? channel[(size_t)y * g->width + x] : 0.0f;
                    }
                }
            }
        }
}
