#include "kernels_internal.h"

#ifdef FOVEA_X86
// im2col for 16 output pixels at a time, written in the layout the tile multiply reads, so no
// column matrix is ever built and no packing pass copies it again (OpenBLAS's packing of the
// im2col matrix was 14 % of ResNet-20's inference).
//
// Loop order: taps outside, channels inside. Which lanes read padding, and where the others
// read relative to their channel, depends only on the tap, so the masks and offsets are built
// once per tap (3 vectors each) and every channel reuses them.

enum { LANES = FOVEA_PANEL_COLUMNS, VECTORS = FOVEA_PANEL_COLUMNS / 8 };
_Static_assert(VECTORS == 2, "the stride-1 unfold below writes a panel row as two vectors");

FOVEA_AVX2 void fovea_unfold_panel(const fovea_window *g, const float *input, size_t input_image_stride,
                                   size_t first, int count, float *panel) {
    const size_t plane = (size_t)g->output_height * g->output_width;
    const size_t in_plane = (size_t)g->height * g->width;
    const int taps = g->kernel_height * g->kernel_width;
    const size_t first_image = first / plane;
    const size_t first_pixel = first % plane;

    // Where each lane's window starts (top-left tap, before padding), and its image relative to
    // the panel's first. Lanes past `count` start far outside every image, so no tap reads them.
    int lane_y[LANES], lane_x[LANES], lane_image_offset[LANES];
    {
        size_t pixel = first_pixel;
        int image = 0;
        int y = (int)(pixel / (size_t)g->output_width), x = (int)(pixel % (size_t)g->output_width);
        for (int j = 0; j < LANES; j++) {
            if (j < count) {
                lane_y[j] = y * g->stride_height - g->pad_top;
                lane_x[j] = x * g->stride_width - g->pad_left;
                lane_image_offset[j] = (int)((size_t)image * input_image_stride);
                if (++x == g->output_width) {
                    x = 0;
                    if (++y == g->output_height) { y = 0; image++; }
                }
            } else {
                lane_y[j] = -(1 << 28);
                lane_x[j] = -(1 << 28);
                lane_image_offset[j] = 0;
            }
        }
    }
    // With a horizontal stride of 1, the lanes of one output row read consecutive floats of one
    // input row: the panel is a few segments (two or three for rows of 8 to 32 pixels), each read
    // with masked vector loads. Lane j of segment s reads segment_base[s] + j + (the tap's shift).
    // Rows that continue each other in memory (stride-1 "same" rows) merge into one segment.
    // Larger strides gather lane by lane.
    const int contiguous_rows = g->stride_width == 1;
    const float *segment_base[LANES];
    __m256i segment_lanes[LANES][VECTORS];
    int segments = 0;
    if (contiguous_rows) {
        int j = 0;
        size_t pixel = first_pixel, image = first_image;
        while (j < count) {
            const int y = (int)(pixel / (size_t)g->output_width), x = (int)(pixel % (size_t)g->output_width);
            int run = g->output_width - x;
            if (run > count - j) run = count - j;
            const float *base = input + image * input_image_stride + (ptrdiff_t)y * g->stride_height * g->width + x - j;
            if (segments == 0 || base != segment_base[segments - 1]) {
                segment_base[segments] = base;
                for (int v = 0; v < VECTORS; v++) segment_lanes[segments][v] = _mm256_setzero_si256();
                segments++;
            }
            for (int v = 0; v < VECTORS; v++) {
                int lanes[8];
                for (int l = 0; l < 8; l++) lanes[l] = (8 * v + l >= j && 8 * v + l < j + run) ? -1 : 0;
                segment_lanes[segments - 1][v] = _mm256_or_si256(segment_lanes[segments - 1][v],
                                                                 _mm256_loadu_si256((const __m256i *)lanes));
            }
            j += run;
            pixel += (size_t)run;
            if (pixel == plane) { pixel = 0; image++; }
        }
    }

    __m256i ys[VECTORS], xs[VECTORS], bases[VECTORS];
    for (int v = 0; v < VECTORS; v++) {
        ys[v] = _mm256_loadu_si256((const __m256i *)(lane_y + 8 * v));
        xs[v] = _mm256_loadu_si256((const __m256i *)(lane_x + 8 * v));
        bases[v] = _mm256_loadu_si256((const __m256i *)(lane_image_offset + 8 * v));
    }
    const __m256i minus_one = _mm256_set1_epi32(-1);
    const __m256i height = _mm256_set1_epi32(g->height), width = _mm256_set1_epi32(g->width);
    const float *image_base = input + first_image * input_image_stride;
    const size_t panel_channel_stride = (size_t)taps * LANES;

    for (int ki = 0; ki < g->kernel_height; ki++) {
        for (int kj = 0; kj < g->kernel_width; kj++) {
            const int tap = ki * g->kernel_width + kj;
            const int dy = ki * g->dilation_height, dx = kj * g->dilation_width;
            __m256i masks[VECTORS], offsets[VECTORS];
            for (int v = 0; v < VECTORS; v++) {
                const __m256i y = _mm256_add_epi32(ys[v], _mm256_set1_epi32(dy));
                const __m256i x = _mm256_add_epi32(xs[v], _mm256_set1_epi32(dx));
                const __m256i inside = _mm256_and_si256(
                    _mm256_and_si256(_mm256_cmpgt_epi32(y, minus_one), _mm256_cmpgt_epi32(height, y)),
                    _mm256_and_si256(_mm256_cmpgt_epi32(x, minus_one), _mm256_cmpgt_epi32(width, x)));
                masks[v] = inside;
                offsets[v] = _mm256_add_epi32(bases[v], _mm256_add_epi32(_mm256_mullo_epi32(y, width), x));
            }
            float *row = panel + (size_t)tap * LANES;
            if (contiguous_rows) {
                const ptrdiff_t shift = (ptrdiff_t)(dy - g->pad_top) * g->width + (dx - g->pad_left);
                // The segments each vector of the panel row reads at all, and their lanes. Two
                // vectors, each with its own list, so the loop below keeps both in registers (an
                // array indexed by a run-time target went through the stack: store forwarding on
                // every load, and the unfold took 23 % of ResNet-20's batch-1 inference).
                const float *low_sources[LANES], *high_sources[LANES];
                __m256i low_lanes[LANES], high_lanes[LANES];
                int low_reads = 0, high_reads = 0;
                for (int q = 0; q < segments; q++) {
                    const __m256i low = _mm256_and_si256(masks[0], segment_lanes[q][0]);
                    const __m256i high = _mm256_and_si256(masks[1], segment_lanes[q][1]);
                    if (!_mm256_testz_si256(low, low)) {
                        low_sources[low_reads] = segment_base[q] + shift;
                        low_lanes[low_reads++] = low;
                    }
                    if (!_mm256_testz_si256(high, high)) {
                        high_sources[high_reads] = segment_base[q] + shift + 8;
                        high_lanes[high_reads++] = high;
                    }
                }
                if (low_reads == 1 && high_reads == 1) {
                    // The common case: each half of the panel row is one run of one input row.
                    const float *low_source = low_sources[0], *high_source = high_sources[0];
                    const __m256i low = low_lanes[0], high = high_lanes[0];
                    for (int c = 0; c < g->channels; c++) {
                        const size_t channel = (size_t)c * in_plane;
                        _mm256_store_ps(row, _mm256_maskload_ps(low_source + channel, low));
                        _mm256_store_ps(row + 8, _mm256_maskload_ps(high_source + channel, high));
                        row += panel_channel_stride;
                    }
                } else {
                    for (int c = 0; c < g->channels; c++) {
                        const size_t channel = (size_t)c * in_plane;
                        // Masked-off lanes are neither read nor faulted on, and load as zero.
                        __m256 low = _mm256_setzero_ps(), high = _mm256_setzero_ps();
                        for (int r = 0; r < low_reads; r++)
                            low = _mm256_or_ps(low, _mm256_maskload_ps(low_sources[r] + channel, low_lanes[r]));
                        for (int r = 0; r < high_reads; r++)
                            high = _mm256_or_ps(high, _mm256_maskload_ps(high_sources[r] + channel, high_lanes[r]));
                        _mm256_store_ps(row, low);
                        _mm256_store_ps(row + 8, high);
                        row += panel_channel_stride;
                    }
                }
            } else {
                const float *source = image_base;
                for (int c = 0; c < g->channels; c++) {
                    for (int v = 0; v < VECTORS; v++)
                        _mm256_store_ps(row + 8 * v, _mm256_mask_i32gather_ps(_mm256_setzero_ps(), source, offsets[v],
                                                                             _mm256_castsi256_ps(masks[v]), 4));
                    source += in_plane;
                    row += panel_channel_stride;
                }
            }
        }
    }
}
#endif
