// An image's planes to and from the pixel rows of its zero-padded geometry (PixelRows.swift): the
// layout the pooled gradients' kernels read and write.
#include "kernels_internal.h"
#include <string.h>

#ifdef FOVEA_X86

FOVEA_AVX512 void fovea_planes_to_pixel_rows(const float *image, const fovea_window *w, int padded_height, int padded_width,
                                            float *rows, int lanes) {
    const int height = w->height, width = w->width, channels = w->channels;
    const size_t plane = (size_t)height * width, row = (size_t)padded_width * lanes;
    // The padding zero (the interior is written in full below, its lanes past the channels too).
    memset(rows, 0, (size_t)w->pad_top * row * sizeof(float));
    memset(rows + (size_t)(w->pad_top + height) * row, 0, (size_t)(padded_height - w->pad_top - height) * row * sizeof(float));
    for (int y = 0; y < height; y++) {
        float *target = rows + (size_t)(y + w->pad_top) * row;
        memset(target, 0, (size_t)w->pad_left * lanes * sizeof(float));
        memset(target + (size_t)(w->pad_left + width) * lanes, 0, (size_t)(padded_width - w->pad_left - width) * lanes * sizeof(float));
        target += (size_t)w->pad_left * lanes;
        for (int c = 0; c < channels; c += 16) {
            const int count = channels - c < 16 ? channels - c : 16;
            for (int x = 0; x < width; x += 16) {
                // 16 channels × 16 pixels of the row, transposed in registers to one vector per pixel.
                const int pixels = width - x < 16 ? width - x : 16;
                const __mmask16 mask = (__mmask16)((1u << pixels) - 1);
                __m512 r[16];
                for (int i = 0; i < 16; i++)
                    r[i] = i < count ? _mm512_maskz_loadu_ps(mask, image + (size_t)(c + i) * plane + (size_t)y * width + x)
                                     : _mm512_setzero_ps();
                fovea_transpose16(r);
                for (int p = 0; p < pixels; p++) _mm512_storeu_ps(target + (size_t)(x + p) * lanes + c, r[p]);
            }
        }
    }
}

FOVEA_AVX512 void fovea_pixel_rows_to_planes(const float *rows, const fovea_window *w, int padded_width, int lanes, float *image) {
    const int height = w->height, width = w->width, channels = w->channels;
    const size_t plane = (size_t)height * width;
    for (int y = 0; y < height; y++) {
        const float *source = rows + ((size_t)(y + w->pad_top) * padded_width + w->pad_left) * lanes;
        for (int c = 0; c < channels; c += 16) {
            const int count = channels - c < 16 ? channels - c : 16;
            for (int x = 0; x < width; x += 16) {
                // 16 pixels × 16 channels, transposed in registers to one vector per channel.
                const int pixels = width - x < 16 ? width - x : 16;
                __m512 r[16];
                for (int i = 0; i < 16; i++) r[i] = i < pixels ? _mm512_loadu_ps(source + (size_t)(x + i) * lanes + c) : _mm512_setzero_ps();
                fovea_transpose16(r);
                const __mmask16 mask = (__mmask16)((1u << pixels) - 1);
                for (int k = 0; k < count; k++) _mm512_mask_storeu_ps(image + (size_t)(c + k) * plane + (size_t)y * width + x, mask, r[k]);
            }
        }
    }
}

#else

#include <stdlib.h>

void fovea_planes_to_pixel_rows(const float *image, const fovea_window *w, int padded_height, int padded_width, float *rows,
                                int lanes) {
    (void)image; (void)w; (void)padded_height; (void)padded_width; (void)rows; (void)lanes;
    abort();   // callers check fovea_wide_tiles_available() first
}

void fovea_pixel_rows_to_planes(const float *rows, const fovea_window *w, int padded_width, int lanes, float *image) {
    (void)rows; (void)w; (void)padded_width; (void)lanes; (void)image;
    abort();   // callers check fovea_wide_tiles_available() first
}

#endif
