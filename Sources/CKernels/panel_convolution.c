#include "kernels_internal.h"
#include <stdlib.h>
#include <string.h>

#ifdef FOVEA_X86

int fovea_panel_convolution_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

size_t fovea_packed_weights_count(int rows, int depth) {
    return (size_t)((rows + FOVEA_TILE_ROWS - 1) / FOVEA_TILE_ROWS) * FOVEA_TILE_ROWS * (size_t)depth;
}

void fovea_pack_weights(const float *weights, int rows, int depth, size_t stride, float *packed) {
    const int tiles = (rows + FOVEA_TILE_ROWS - 1) / FOVEA_TILE_ROWS;
    for (int t = 0; t < tiles; t++) {
        float *tile = packed + (size_t)t * FOVEA_TILE_ROWS * depth;
        for (int r = 0; r < FOVEA_TILE_ROWS; r++) {
            const int row = t * FOVEA_TILE_ROWS + r;
            const float *source = weights + (size_t)row * stride;
            for (int k = 0; k < depth; k++) tile[(size_t)k * FOVEA_TILE_ROWS + r] = row < rows ? source[k] : 0;
        }
    }
}

/// Moves `count` columns of one channel from the product tile into the output through the epilogue.
FOVEA_AVX2 static void store_channel(const float *product, float *target, const float *residual, int count,
                                     float bias, float scale, float shift, float floor, float ceiling) {
    if (residual) {
        for (int j = 0; j < count; j++) {
            const float v = (product[j] + bias) * scale + shift + residual[j];
            target[j] = v < floor ? floor : (v > ceiling ? ceiling : v);
        }
    } else {
        for (int j = 0; j < count; j++) {
            const float v = (product[j] + bias) * scale + shift;
            target[j] = v < floor ? floor : (v > ceiling ? ceiling : v);
        }
    }
}

FOVEA_AVX2 void fovea_panel_convolution(const fovea_window *window, const float *input, size_t input_image_stride,
                                        const float *packed_weights, int rows,
                                        float *output, size_t output_image_stride, const fovea_epilogue *epilogue,
                                        int images, size_t first_panel, size_t end_panel) {
    const int depth = window->channels * window->kernel_height * window->kernel_width;
    const int tiles = (rows + FOVEA_TILE_ROWS - 1) / FOVEA_TILE_ROWS;
    const size_t plane = (size_t)window->output_height * window->output_width;
    const size_t columns = (size_t)images * plane;
    float *panel = aligned_alloc(64, ((size_t)depth * FOVEA_PANEL_COLUMNS * sizeof(float) + 63) / 64 * 64);
    float *product = aligned_alloc(64, (size_t)tiles * FOVEA_TILE_ROWS * FOVEA_PANEL_COLUMNS * sizeof(float));
    if (!panel || !product) abort();   // as Swift's allocations: out of memory is not recoverable here

    for (size_t p = first_panel; p < end_panel; p++) {
        const size_t first = p * FOVEA_PANEL_COLUMNS;
        if (first >= columns) break;
        const int count = columns - first < FOVEA_PANEL_COLUMNS ? (int)(columns - first) : FOVEA_PANEL_COLUMNS;
        fovea_unfold_panel(window, input, input_image_stride, first, count, panel);
        for (int k = 0; k < depth; k += FOVEA_DEPTH_BLOCK) {
            const int block = depth - k < FOVEA_DEPTH_BLOCK ? depth - k : FOVEA_DEPTH_BLOCK;
            for (int t = 0; t < tiles; t++)
                fovea_tile_multiply(block, packed_weights + ((size_t)t * depth + k) * FOVEA_TILE_ROWS,
                                    panel + (size_t)k * FOVEA_PANEL_COLUMNS,
                                    product + (size_t)t * FOVEA_TILE_ROWS * FOVEA_PANEL_COLUMNS, k > 0);
        }
        // The panel's columns, split where one image ends and the next begins.
        for (int j = 0; j < count;) {
            const size_t column = first + j;
            const size_t image = column / plane, pixel = column % plane;
            const int run = plane - pixel < (size_t)(count - j) ? (int)(plane - pixel) : count - j;
            const size_t offset = image * output_image_stride + pixel;
            for (int o = 0; o < rows; o++) {
                const size_t at = offset + (size_t)o * plane;
                store_channel(product + (size_t)o * FOVEA_PANEL_COLUMNS + j, output + at,
                              epilogue->residual ? epilogue->residual + at : NULL, run,
                              epilogue->bias ? epilogue->bias[o] : 0, epilogue->scale ? epilogue->scale[o] : 1,
                              epilogue->shift ? epilogue->shift[o] : 0, epilogue->floor, epilogue->ceiling);
            }
            j += run;
        }
    }
    free(panel);
    free(product);
}

#else

int fovea_panel_convolution_available(void) { return 0; }
size_t fovea_packed_weights_count(int rows, int depth) { (void)rows; (void)depth; return 0; }
void fovea_pack_weights(const float *weights, int rows, int depth, size_t stride, float *packed) {
    (void)weights; (void)rows; (void)depth; (void)stride; (void)packed;
}
void fovea_panel_convolution(const fovea_window *window, const float *input, size_t input_image_stride,
                             const float *packed_weights, int rows,
                             float *output, size_t output_image_stride, const fovea_epilogue *epilogue,
                             int images, size_t first_panel, size_t end_panel) {
    (void)window; (void)input; (void)input_image_stride; (void)packed_weights; (void)rows; (void)output;
    (void)output_image_stride; (void)epilogue; (void)images; (void)first_panel; (void)end_panel;
    abort();   // callers check fovea_panel_convolution_available() first
}

#endif
