// Depthwise convolution with the channels in the vector lanes, for small planes (MobileNetV2's
// 16×16 down to 1×1 at CIFAR sizes): each image is moved to channels-last, padded, so that every
// (output pixel, tap) pair is one multiply-add of whole vectors, then moved back to NCHW. The
// arithmetic is in depthwise_lanes.h, compiled for AVX-512, AVX2 and plain C.
#include "kernels_internal.h"
#include <stdlib.h>
#include <math.h>
#include <string.h>

#define FOVEA_LANES_TEMPLATE "depthwise_lanes.h"
#include "lanes_instances.h"

/// The scratch's parts, in floats from its start.
typedef struct {
    int stride, padded_height, padded_width, taps, in_plane, out_plane;
    size_t weights, affine, xp, y, dxp, total;
} layout;

static layout layout_of(const fovea_window *g, int channels) {
    layout l;
    l.stride = (channels + 15) / 16 * 16;
    l.padded_height = (g->output_height - 1) * g->stride_height + (g->kernel_height - 1) * g->dilation_height + 1;
    l.padded_width = (g->output_width - 1) * g->stride_width + (g->kernel_width - 1) * g->dilation_width + 1;
    l.taps = g->kernel_height * g->kernel_width;
    l.in_plane = g->height * g->width;
    l.out_plane = g->output_height * g->output_width;
    const size_t row = (size_t)l.stride, padded = (size_t)l.padded_height * l.padded_width * row;
    l.weights = 0;
    l.affine = l.weights + (size_t)l.taps * row;
    l.xp = l.affine + 5 * row;
    l.y = l.xp + padded;
    l.dxp = l.y + (size_t)l.out_plane * row;
    l.total = l.dxp + padded;
    return l;
}

size_t fovea_depthwise_scratch_floats(const fovea_window *g, int channels) { return layout_of(g, channels).total; }

void fovea_depthwise_prepare(const fovea_window *g, int channels, const float *weights, const fovea_epilogue *e,
                             float *scratch) {
    const layout l = layout_of(g, channels);
    memset(scratch, 0, l.total * sizeof(float));   // the padding stays zero: the images write only the interior
    for (int c = 0; c < channels; c++)
        for (int t = 0; t < l.taps; t++) scratch[l.weights + (size_t)t * l.stride + c] = weights[(size_t)c * l.taps + t];
    float *affine = scratch + l.affine;
    for (int c = 0; c < l.stride; c++) {
        const int inside = c < channels;
        affine[c] = inside && e && e->bias ? e->bias[c] : 0;
        affine[l.stride + c] = inside && e && e->scale ? e->scale[c] : 1;
        affine[2 * l.stride + c] = inside && e && e->shift ? e->shift[c] : 0;
        affine[3 * l.stride + c] = e ? e->floor : -INFINITY;
        affine[4 * l.stride + c] = e ? e->ceiling : INFINITY;
    }
}

/// Each tap's offset in the padded channels-last input from its window's corner.
static int *tap_offsets(const fovea_window *g, const layout *l) {
    int *offsets = malloc(sizeof(int) * (size_t)l->taps);
    if (!offsets) abort();
    for (int ki = 0; ki < g->kernel_height; ki++)
        for (int kj = 0; kj < g->kernel_width; kj++)
            offsets[ki * g->kernel_width + kj] =
                (ki * g->dilation_height * l->padded_width + kj * g->dilation_width) * l->stride;
    return offsets;
}

/// Rows and columns of the image that lie inside the padded copy: those past its edge (uneven
/// padding, or a stride that skips the last ones) are read by no window.
static void interior(const fovea_window *g, const layout *l, int *rows, int *columns) {
    *rows = g->height + g->pad_top < l->padded_height ? g->height : l->padded_height - g->pad_top;
    *columns = g->width + g->pad_left < l->padded_width ? g->width : l->padded_width - g->pad_left;
}

/// The image's planes [channels × H × W] into the interior of the padded channels-last input.
static void move_in(const fovea_window *g, const layout *l, int channels, const float *image, float *xp) {
    int rows, columns;
    interior(g, l, &rows, &columns);
    if (rows <= 0 || columns <= 0) return;
    FOVEA_BY_LANES(, depthwise_move, 1, channels, rows, columns, (float *)image, g->width, (size_t)l->in_plane, xp,
                   l->padded_width, g->pad_top, g->pad_left, l->stride);
}

void fovea_depthwise_forward_image(const fovea_window *g, int channels, const float *image, float *scratch,
                                   const float *residual, float *output) {
    const layout l = layout_of(g, channels);
    move_in(g, &l, channels, image, scratch + l.xp);
    int *offsets = tap_offsets(g, &l);
    const float *affine = scratch + l.affine;
    float *y = scratch + l.y;
    FOVEA_BY_LANES(, depthwise_forward, g, l.stride, scratch + l.xp, l.padded_width, scratch + l.weights, affine,
                   residual != NULL, offsets, y);
    free(offsets);
    // Back to NCHW; with a residual, added here and then clamped.
    FOVEA_BY_LANES(, depthwise_move, 0, channels, g->output_height, g->output_width, output, g->output_width,
                   (size_t)l.out_plane, y, g->output_width, 0, 0, l.stride);
    if (residual) {
        const float lo = affine[3 * l.stride], hi = affine[4 * l.stride];
        for (size_t i = 0; i < (size_t)channels * l.out_plane; i++) {
            const float value = output[i] + residual[i];
            output[i] = value < lo ? lo : (value > hi ? hi : value);   // NaN passes
        }
    }
}

void fovea_depthwise_backward_image(const fovea_window *g, int channels, const float *image, const float *output,
                                    const float *output_gradient, int activation, float *scratch, float *tap_sums,
                                    float *bias_sums, float *input_gradient) {
    const layout l = layout_of(g, channels);
    move_in(g, &l, channels, image, scratch + l.xp);
    // The output's gradient, masked by the fused activation, channels-last; its sums are the bias gradient.
    float *dy = scratch + l.y;
    FOVEA_BY_LANES(, depthwise_gradient_in, channels, l.out_plane, output_gradient, output, activation, dy, l.stride,
                   bias_sums);
    float *dxp = input_gradient ? scratch + l.dxp : NULL;
    if (dxp) memset(dxp, 0, (size_t)l.padded_height * l.padded_width * l.stride * sizeof(float));
    int *offsets = tap_offsets(g, &l);
    FOVEA_BY_LANES(, depthwise_backward, g, channels, l.stride, scratch + l.xp, l.padded_width, scratch + l.weights, dy,
                   offsets, dxp, tap_sums);
    free(offsets);
    if (!input_gradient) return;
    // The padded gradient's interior back to NCHW; pixels no window reached get 0.
    int rows, columns;
    interior(g, &l, &rows, &columns);
    if (rows < g->height || columns < g->width) memset(input_gradient, 0, (size_t)channels * l.in_plane * sizeof(float));
    if (rows > 0 && columns > 0)
        FOVEA_BY_LANES(, depthwise_move, 0, channels, rows, columns, input_gradient, g->width, (size_t)l.in_plane, dxp,
                       l.padded_width, g->pad_top, g->pad_left, l.stride);
}
