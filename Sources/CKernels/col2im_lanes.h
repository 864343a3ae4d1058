// col2im, the adjoint of im2col (col2im.c), written once over the lanes of vector_lanes.h.
// Included once per width, after vector_lanes.h.
//
// Row (c, ki, kj) of the column matrix holds, for every output pixel (oh, ow), the value at tap
// (ki, kj) of its window: input row oh·sh − pad_top + ki·dh, column ow·sw − pad_left + kj·dw.
// col2im adds each such value back into that input cell (none outside the image).

/// Output columns ow whose input column ow·sw + offset lies inside a row of `width`: [*first, *last).
static inline __attribute__((always_inline)) void LANES_NAME(inside_columns)(int offset, int sw, int width, int out_width,
                                                                           int *first, int *last) {
    int lo = offset >= 0 ? 0 : (-offset + sw - 1) / sw;
    int hi = width - offset <= 0 ? 0 : (width - offset + sw - 1) / sw;
    lo = lo < out_width ? lo : out_width;
    hi = hi < out_width ? hi : out_width;
    *first = lo;
    *last = hi > lo ? hi : lo;
}

/// col2im with a horizontal stride of 1, gathered: each vector of an image row is loaded once,
/// every column row whose window covers it added in registers (masked to the columns it reaches),
/// and stored once. Scattering each column row into the image instead (one read-modify-write per
/// tap) made the next tap's loads wait on the previous tap's masked stores, overlapping them by a
/// float: masked stores do not forward to loads (perf: 65 % of col2im on that one load).
static inline __attribute__((always_inline)) LANES_TARGET void LANES_NAME(col2im_gather)(const fovea_window *g,
                                                                                       const float *columns, float *output,
                                                                                       size_t row_stride) {
    const int out_h = g->output_height, out_w = g->output_width;
    for (int c = 0; c < g->channels; c++) {
        float *channel = output + (size_t)c * g->height * g->width;
        const float *rows = columns + (size_t)c * g->kernel_height * g->kernel_width * row_stride;
        for (int ih = 0; ih < g->height; ih++) {
            float *target = channel + (size_t)ih * g->width;
            for (int x = 0; x < g->width; x += FOVEA_LANES) {
                const int lanes = g->width - x < FOVEA_LANES ? g->width - x : FOVEA_LANES;
                V acc = lanes == FOVEA_LANES ? v_load(target + x) : v_load_first(target + x, v_first(lanes));
                for (int ki = 0; ki < g->kernel_height; ki++) {
                    const int reach = ih + g->pad_top - ki * g->dilation_height;
                    if (reach < 0 || reach % g->stride_height != 0 || reach / g->stride_height >= out_h) continue;
                    const int oh = reach / g->stride_height;
                    for (int kj = 0; kj < g->kernel_width; kj++) {
                        // Input column iw is output column iw − offset: those in [0, out_w) reach it.
                        const int offset = kj * g->dilation_width - g->pad_left;
                        const int lo = offset - x, hi = offset + out_w - x;
                        if (hi <= 0 || lo >= lanes) continue;
                        const float *source = rows + (size_t)(ki * g->kernel_width + kj) * row_stride + (size_t)oh * out_w - offset + x;
                        if (lo <= 0 && hi >= FOVEA_LANES && lanes == FOVEA_LANES) acc = v_add(acc, v_load(source));
                        else acc = v_add(acc, v_load_first(source, v_range(lo, hi < lanes ? hi : lanes)));
                    }
                }
                if (lanes == FOVEA_LANES) v_store(target + x, acc);
                else v_store_first(target + x, acc, v_first(lanes));
            }
        }
    }
}

/// col2im: gathered with a horizontal stride of 1, else each column row added into its strided image cells.
static LANES_TARGET void LANES_NAME(col2im)(const fovea_window *g, const float *columns, float *output, size_t row_stride) {
    if (g->stride_width == 1) {
        LANES_NAME(col2im_gather)(g, columns, output, row_stride);
        return;
    }
    const int out_h = g->output_height, out_w = g->output_width, sw = g->stride_width;
    for (int c = 0; c < g->channels; c++) {
        float *channel = output + (size_t)c * g->height * g->width;
        for (int ki = 0; ki < g->kernel_height; ki++)
            for (int kj = 0; kj < g->kernel_width; kj++) {
                const float *row = columns + ((size_t)(c * g->kernel_height + ki) * g->kernel_width + kj) * row_stride;
                const int offset = kj * g->dilation_width - g->pad_left;
                int first, last;
                LANES_NAME(inside_columns)(offset, sw, g->width, out_w, &first, &last);
                if (first >= last) continue;
                for (int oh = 0; oh < out_h; oh++) {
                    const int ih = oh * g->stride_height - g->pad_top + ki * g->dilation_height;
                    if (ih < 0 || ih >= g->height) continue;
                    float *target = channel + (size_t)ih * g->width + offset;
                    const float *source = row + (size_t)oh * out_w;
                    for (int ow = first; ow < last; ow++) target[(ptrdiff_t)ow * sw] += source[ow];
                }
            }
    }
}
