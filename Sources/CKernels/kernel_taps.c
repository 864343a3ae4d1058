// A convolution weight cropped to some of its taps, and a gradient put back (LiveTaps.swift).
// Memory-bound: the loops only keep the reads and writes in order, one pass each.
#include "kernels_internal.h"
#include <string.h>

void fovea_crop_taps(const float *full, size_t filters, int kernel_height, int kernel_width, int first_row, int rows,
                     int first_column, int columns, float *cropped) {
    const size_t taps = (size_t)kernel_height * kernel_width, kept = (size_t)rows * columns;
    const float *start = full + (size_t)first_row * kernel_width + first_column;
    if (kept == 1) {
        for (size_t f = 0; f < filters; f++) cropped[f] = start[f * taps];
        return;
    }
    for (size_t f = 0; f < filters; f++) {
        const float *whole = start + f * taps;
        float *taps_out = cropped + f * kept;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++) taps_out[i * columns + j] = whole[i * kernel_width + j];
    }
}

void fovea_expand_taps(const float *cropped, size_t filters, int kernel_height, int kernel_width, int first_row,
                       int rows, int first_column, int columns, float *full) {
    const size_t taps = (size_t)kernel_height * kernel_width, kept = (size_t)rows * columns;
    const size_t first = (size_t)first_row * kernel_width + first_column;
    // Blocks of filters zeroed while they fit in L1, then their kept taps written: one pass over
    // the whole gradient instead of a zeroed tensor and a scatter into it.
    enum { BLOCK_FLOATS = 4096 };
    const size_t block = taps < BLOCK_FLOATS ? BLOCK_FLOATS / taps : 1;
    for (size_t b = 0; b < filters; b += block) {
        const size_t end = b + block < filters ? b + block : filters;
        memset(full + b * taps, 0, (end - b) * taps * sizeof(float));
        if (kept == 1) {
            for (size_t f = b; f < end; f++) full[f * taps + first] = cropped[f];
            continue;
        }
        for (size_t f = b; f < end; f++) {
            float *whole = full + f * taps + first;
            const float *taps_in = cropped + f * kept;
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < columns; j++) whole[i * kernel_width + j] = taps_in[i * columns + j];
        }
    }
}
