#include "kernels_internal.h"
#include <stdlib.h>
#include <string.h>

#ifdef FOVEA_X86

int fovea_panel_convolution_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

FOVEA_AVX2 void fovea_panel_convolution(const fovea_window *window, const float *input, size_t input_image_stride,
                                        const float *weights, int first_row, int end_row,
                                        float *output, size_t output_image_stride, const fovea_epilogue *epilogue,
                                        int images, size_t first_panel, size_t end_panel) {
    const int depth = window->channels * window->kernel_height * window->kernel_width;
    const int rows = end_row - first_row;
    if (rows <= 0) return;
    const int tiles = (rows + FOVEA_TILE_ROWS - 1) / FOVEA_TILE_ROWS, whole_tiles = rows / FOVEA_TILE_ROWS;
    const size_t plane = (size_t)window->output_height * window->output_width;
    const size_t columns = (size_t)images * plane;
    float *panel = aligned_alloc(64, ((size_t)depth * FOVEA_PANEL_COLUMNS * sizeof(float) + 63) / 64 * 64);
    float *product = aligned_alloc(64, (size_t)tiles * FOVEA_TILE_ROWS * FOVEA_PANEL_COLUMNS * sizeof(float));
    // The rows past the last whole tile, padded with zero rows to a whole one.
    const int wide = fovea_wide_tiles_available();
    float *tail = !wide && whole_tiles < tiles ? calloc((size_t)FOVEA_TILE_ROWS * depth, sizeof(float)) : NULL;
    if (!panel || !product || (!wide && whole_tiles < tiles && !tail)) abort();   // as Swift's allocations: out of memory is fatal
    const float *first_weights = weights + (size_t)first_row * depth;
    // AVX-512: tiles of up to 12 rows, the rows shared evenly between them (16 rows: 8 and 8;
    // 32: 11, 11 and 10). Pairs of 6-row tiles left the odd tile and the rows past the last
    // whole one to the AVX2 tile at half the rate: 16 output channels took as long as 24.
    const int wide_tiles = (rows + FOVEA_WIDE_TILE_ROWS - 1) / FOVEA_WIDE_TILE_ROWS;
    if (tail) memcpy(tail, first_weights + (size_t)whole_tiles * FOVEA_TILE_ROWS * depth,
                     (size_t)(rows - whole_tiles * FOVEA_TILE_ROWS) * depth * sizeof(float));

    for (size_t p = first_panel; p < end_panel; p++) {
        const size_t first = p * FOVEA_PANEL_COLUMNS;
        if (first >= columns) break;
        const int count = columns - first < FOVEA_PANEL_COLUMNS ? (int)(columns - first) : FOVEA_PANEL_COLUMNS;
        fovea_unfold_panel(window, input, input_image_stride, first, count, panel);
        for (int k = 0; k < depth; k += FOVEA_DEPTH_BLOCK) {
            const int block = depth - k < FOVEA_DEPTH_BLOCK ? depth - k : FOVEA_DEPTH_BLOCK;
            if (wide) {
                for (int t = 0, r = 0; t < wide_tiles; t++) {
                    const int n = fovea_even_share(rows - r, wide_tiles - t);
                    fovea_wide_tile_multiply(n, block, first_weights + (size_t)r * depth + k, depth,
                                             panel + (size_t)k * FOVEA_PANEL_COLUMNS, product + (size_t)r * FOVEA_PANEL_COLUMNS,
                                             k > 0);
                    r += n;
                }
                continue;
            }
            for (int t = 0; t < tiles; t++)
                fovea_tile_multiply(block, (t < whole_tiles ? first_weights + (size_t)t * FOVEA_TILE_ROWS * depth : tail) + k, depth,
                                    panel + (size_t)k * FOVEA_PANEL_COLUMNS,
                                    product + (size_t)t * FOVEA_TILE_ROWS * FOVEA_PANEL_COLUMNS, k > 0);
        }
        // The panel's columns, split where one image ends and the next begins.
        for (int j = 0; j < count;) {
            const size_t column = first + j;
            const size_t image = column / plane, pixel = column % plane;
            const int run = plane - pixel < (size_t)(count - j) ? (int)(plane - pixel) : count - j;
            const size_t offset = image * output_image_stride + pixel;
            for (int r = 0; r < rows; r++) {
                const int o = first_row + r;
                const size_t at = offset + (size_t)o * plane;
                fovea_store_channel(product + (size_t)r * FOVEA_PANEL_COLUMNS + j, output + at,
                                    epilogue->residual ? epilogue->residual + at : NULL, run,
                                    epilogue->bias ? epilogue->bias[o] : 0, epilogue->scale ? epilogue->scale[o] : 1,
                                    epilogue->shift ? epilogue->shift[o] : 0, epilogue->floor, epilogue->ceiling);
            }
            j += run;
        }
    }
    free(panel);
    free(product);
    free(tail);
}

#else

int fovea_panel_convolution_available(void) { return 0; }
void fovea_panel_convolution(const fovea_window *window, const float *input, size_t input_image_stride,
                             const float *weights, int first_row, int end_row,
                             float *output, size_t output_image_stride, const fovea_epilogue *epilogue,
                             int images, size_t first_panel, size_t end_panel) {
    (void)window; (void)input; (void)input_image_stride; (void)weights; (void)first_row; (void)end_row; (void)output;
    (void)output_image_stride; (void)epilogue; (void)images; (void)first_panel; (void)end_panel;
    abort();   // callers check fovea_panel_convolution_available() first
}

#endif
