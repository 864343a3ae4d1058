// im2col for a stride of 1 where output rows are as wide as input rows (im2col.c), written once
// over the lanes of vector_lanes.h. Included once per width, after vector_lanes.h.
//
// Each column row (c, ki, kj) is then the input plane read at one offset, with the cells whose
// window hits padding zeroed: per vector of output pixels, one masked load and one store. The
// mask depends on the pixels and the tap, not the channel, so it is made once for all channels.

#include "window_lanes.h"

static LANES_TARGET void LANES_NAME(im2col_shifted)(const fovea_window *g, const float *input, int first_pixel,
                                                    int end_pixel, float *columns, size_t row_stride) {
    const int width = g->width, height = g->height;
    const int kernel_height = g->kernel_height, kernel_width = g->kernel_width, channels = g->channels;
    const size_t in_plane = (size_t)height * width, channel_rows = (size_t)kernel_height * kernel_width * row_stride;
    for (int p = first_pixel; p < end_pixel; p += FOVEA_LANES) {
        const int n = end_pixel - p < FOVEA_LANES ? end_pixel - p : FOVEA_LANES;
        const v_mask pixels = v_first(n);
        V oh, ow, ih, iw;
        LANES_NAME(pixel_positions)(p, width, &oh, &ow);
        for (int ki = 0; ki < kernel_height; ki++) {
            const int row_offset = ki * g->dilation_height - g->pad_top;
            // Pixels whose input row lies inside the image.
            const v_mask rows = v_and(pixels, LANES_NAME(tap_inside)(oh, 1, row_offset, height, &ih));
            for (int kj = 0; kj < kernel_width; kj++) {
                const int column_offset = kj * g->dilation_width - g->pad_left;
                const v_mask keep = v_and(rows, LANES_NAME(tap_inside)(ow, 1, column_offset, width, &iw));
                // Lanes outside `keep` are not read (masked loads do not fault), so the source may
                // point before the plane or past it.
                const float *source = input + p + (ptrdiff_t)row_offset * width + column_offset;
                float *target = columns + (size_t)(ki * kernel_width + kj) * row_stride + (p - first_pixel);
                if (n == FOVEA_LANES) {
                    for (int c = 0; c < channels; c++)
                        v_store(target + c * channel_rows, v_load_first(source + c * in_plane, keep));
                } else {
                    for (int c = 0; c < channels; c++)
                        v_store_first(target + c * channel_rows, v_load_first(source + c * in_plane, keep), pixels);
                }
            }
        }
    }
}

/// Any geometry, one output vector at a time: each lane's input cell found from its output row
/// and column, read by a masked gather (zero where the window hits padding). For rows too short
/// or too strided to copy: a Swift loop per row cost more than its 1–4 floats (ResNet-18's
/// stride-2 layers, 4 % of its training step).
static LANES_TARGET void LANES_NAME(im2col_gathered)(const fovea_window *g, const float *input, float *columns,
                                                     size_t row_stride) {
    const int width = g->width, height = g->height, out_w = g->output_width, count = g->output_height * out_w;
    const int kernel_height = g->kernel_height, kernel_width = g->kernel_width, channels = g->channels;
    const size_t in_plane = (size_t)height * width, channel_rows = (size_t)kernel_height * kernel_width * row_stride;
    for (int p = 0; p < count; p += FOVEA_LANES) {
        const int n = count - p < FOVEA_LANES ? count - p : FOVEA_LANES;
        const v_mask pixels = v_first(n);
        V oh, ow, ih, iw;
        LANES_NAME(pixel_positions)(p, out_w, &oh, &ow);
        for (int ki = 0; ki < kernel_height; ki++) {
            const v_mask rows = v_and(pixels, LANES_NAME(tap_inside)(oh, g->stride_height, ki * g->dilation_height - g->pad_top,
                                                                     height, &ih));
            for (int kj = 0; kj < kernel_width; kj++) {
                const v_mask keep = v_and(rows, LANES_NAME(tap_inside)(ow, g->stride_width, kj * g->dilation_width - g->pad_left,
                                                                       width, &iw));
                const V cell = v_add(v_mul(ih, v_set((float)width)), iw);
                float *target = columns + (size_t)(ki * kernel_width + kj) * row_stride + p;
                if (n == FOVEA_LANES) {
                    for (int c = 0; c < channels; c++)
                        v_store(target + c * channel_rows, v_gather_first(input + c * in_plane, cell, keep));
                } else {
                    for (int c = 0; c < channels; c++)
                        v_store_first(target + c * channel_rows, v_gather_first(input + c * in_plane, cell, keep), pixels);
                }
            }
        }
    }
}
