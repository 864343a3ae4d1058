// Max pooling (max_pool.c): 2×2 with stride 2, and any other window by gathered taps, written
// once over the lanes of vector_lanes.h. Included once per width, after vector_lanes.h.
//
// The rule (as PyTorch): the first maximum of the window in row-major order wins; a NaN beats
// everything, the first NaN among several.

#include "window_lanes.h"

/// One output by the rule, one comparison at a time (the vectors' fallback where a NaN is about).
static inline __attribute__((always_inline)) void LANES_NAME(max_pool_window)(const float *x, int top, int width,
                                                                            int ow, float *value, int32_t *index) {
    const int cells[4] = { top + 2 * ow, top + 2 * ow + 1, top + width + 2 * ow, top + width + 2 * ow + 1 };
    int best = cells[0];
    for (int i = 1; i < 4; i++) {
        const float v = x[cells[i]], b = x[best];
        if (b == b && (v > b || v != v)) best = cells[i];
    }
    *value = x[best];
    if (index) *index = best;
}

/// n ≤ FOVEA_LANES outputs of one output row from its two input rows (`upper`, `lower`): m1 and m2
/// take the first and second vector's lanes of the 2n input floats, `out_mask` the n outputs.
static inline __attribute__((always_inline)) LANES_TARGET void LANES_NAME(max_pool_vector)(
    const float *x, int top, int width, int ow, int n, v_mask m1, v_mask m2, v_mask out_mask, float *y, int32_t *w) {
    const float *upper = x + top + 2 * ow, *lower = upper + width;
    const V u0 = v_load_first(upper, m1), u1 = v_load_first(upper + FOVEA_LANES, m2);
    const V l0 = v_load_first(lower, m1), l1 = v_load_first(lower + FOVEA_LANES, m2);
    const V a = v_even(u0, u1), b = v_odd(u0, u1), c = v_even(l0, l1), d = v_odd(l0, l1);
    const V total = v_add(v_add(a, b), v_add(c, d));
    // The sum is NaN where a NaN (or infinities of both signs) is in the window: the rule, one by one.
    if (v_any(v_and(out_mask, v_is_nan(total)))) {
        for (int j = 0; j < n; j++) LANES_NAME(max_pool_window)(x, top, width, ow + j, y + j, w ? w + j : NULL);
        return;
    }
    const V upper_best = v_select(v_greater(b, a), b, a), lower_best = v_select(v_greater(d, c), d, c);
    const V best = v_select(v_greater(lower_best, upper_best), lower_best, upper_best);
    v_store_first(y, best, out_mask);
    if (w) {
        // Offsets of the four cells; the earliest that holds the best value wins.
        const V base = v_add(v_set((float)(top + 2 * ow)), v_add(v_lane_numbers(), v_lane_numbers()));
        const V down = v_set((float)width), one = v_set(1.0f);
        V index = v_add(v_add(base, down), one);
        index = v_select(v_equal(c, best), v_add(base, down), index);
        index = v_select(v_equal(b, best), v_add(base, one), index);
        index = v_select(v_equal(a, best), base, index);
        v_store_ints_first(w, index, out_mask);
    }
}

/// Planes [first, end) of `planes` H × W planes → floor(H/2) × floor(W/2) outputs each, output
/// rows [first_row, end_row) of them; the winners' offsets within their plane to `indices` when given. Whole vectors of outputs first,
/// then the row's rest, with its masks made once per call (keras-cifar-cnn's rows of 15 outputs
/// are all rest: made per row, the masks and their spills cost more than the maxima).
static LANES_TARGET void LANES_NAME(max_pool_halving)(const float *input, int height, int width, int first, int end,
                                                      int first_row, int end_row, float *output, int32_t *indices) {
    const int out_h = height / 2, out_w = width / 2;
    const size_t in_plane = (size_t)height * width, out_plane = (size_t)out_h * out_w;
    const int whole = out_w - out_w % FOVEA_LANES, rest = out_w - whole;
    const v_mask all = v_first(FOVEA_LANES);
    const int rest_first = 2 * rest < FOVEA_LANES ? 2 * rest : FOVEA_LANES;
    const v_mask rest_m1 = v_first(rest_first), rest_m2 = v_first(2 * rest - rest_first), rest_out = v_first(rest);
    for (int p = first; p < end; p++) {
        const float *x = input + (size_t)p * in_plane;
        float *y = output + (size_t)p * out_plane;
        int32_t *w = indices ? indices + (size_t)p * out_plane : NULL;
        for (int oh = first_row; oh < end_row && oh < out_h; oh++) {
            const int top = 2 * oh * width;
            float *y_row = y + (size_t)oh * out_w;
            int32_t *w_row = w ? w + (size_t)oh * out_w : NULL;
            for (int ow = 0; ow < whole; ow += FOVEA_LANES)
                LANES_NAME(max_pool_vector)(x, top, width, ow, FOVEA_LANES, all, all, all, y_row + ow, w_row ? w_row + ow : NULL);
            if (rest)
                LANES_NAME(max_pool_vector)(x, top, width, whole, rest, rest_m1, rest_m2, rest_out, y_row + whole,
                                            w_row ? w_row + whole : NULL);
        }
    }
}

/// The backward pass of max_pool_halving, gathered: each input cell of planes [first, end) gets
/// the output gradient of its window where it was the winner, else 0 (every cell written once;
/// cells past the last whole window get 0). Each vector of cells reads its windows' gradients
/// and winners, every lane twice (two cells per window in a row).
static LANES_TARGET void LANES_NAME(max_pool_halving_backward)(const float *output_gradient, const int32_t *indices,
                                                               int height, int width, int first, int end,
                                                               float *input_gradient) {
    const int out_h = height / 2, out_w = width / 2, covered = 2 * out_w;
    const size_t in_plane = (size_t)height * width, out_plane = (size_t)out_h * out_w;
    for (int p = first; p < end; p++) {
        const float *dy = output_gradient + (size_t)p * out_plane;
        const int32_t *w = indices + (size_t)p * out_plane;
        float *dx = input_gradient + (size_t)p * in_plane;
        for (int r = 0; r < height; r++) {
            float *row = dx + (size_t)r * width;
            int c = 0;
            if (r < 2 * out_h) {
                const float *dy_row = dy + (size_t)(r / 2) * out_w;
                const int32_t *w_row = w + (size_t)(r / 2) * out_w;
                for (; c < covered; c += FOVEA_LANES) {
                    const int n = covered - c < FOVEA_LANES ? covered - c : FOVEA_LANES, windows = (n + 1) / 2;
                    const v_mask m = v_first(windows);
                    const V d = v_pairs(v_load_first(dy_row + c / 2, m)), winner = v_pairs(v_load_ints_first(w_row + c / 2, m));
                    const V cell = v_add(v_set((float)(r * width + c)), v_lane_numbers());
                    v_store_first(row + c, v_keep(v_equal(winner, cell), d), v_first(n));
                }
                c = covered;
            }
            for (; c < width; c++) row[c] = 0;
        }
    }
}

/// Any window, stride and padding (padding counts as −∞), by the same rule: planes [first, end)
/// of H × W planes to out_h × out_w outputs each, a vector of outputs at a time, each tap of their
/// windows gathered (masked where the tap lands in padding). Every window holds at least one cell
/// (padding ≤ half the window, as PyTorch asks); its first cell is the winner until a greater
/// value or a NaN comes.
static LANES_TARGET void LANES_NAME(max_pool_gathered)(const float *input, const fovea_window *g, int first, int end,
                                                       float *output, int32_t *indices) {
    const int height = g->height, width = g->width, out_w = g->output_width, count = g->output_height * out_w;
    const size_t in_plane = (size_t)height * width;
    for (int p = first; p < end; p++) {
        const float *x = input + (size_t)p * in_plane;
        float *y = output + (size_t)p * count;
        int32_t *w = indices ? indices + (size_t)p * count : NULL;
        for (int q0 = 0; q0 < count; q0 += FOVEA_LANES) {
            const int n = count - q0 < FOVEA_LANES ? count - q0 : FOVEA_LANES;
            const v_mask outputs = v_first(n);
            V oh, ow, ih, iw;
            LANES_NAME(pixel_positions)(q0, out_w, &oh, &ow);
            V best = v_set(-INFINITY), winner = v_set(-1.0f);
            for (int ki = 0; ki < g->kernel_height; ki++) {
                const v_mask rows = v_and(outputs, LANES_NAME(tap_inside)(oh, g->stride_height,
                                                                          ki * g->dilation_height - g->pad_top, height, &ih));
                for (int kj = 0; kj < g->kernel_width; kj++) {
                    const v_mask inside = v_and(rows, LANES_NAME(tap_inside)(ow, g->stride_width,
                                                                             kj * g->dilation_width - g->pad_left, width, &iw));
                    const V cell = v_add(v_mul(ih, v_set((float)width)), iw);
                    const V v = v_gather_first(x, cell, inside);
                    // The window's first cell, then greater values and the first NaN (none after a NaN).
                    const v_mask first_cell = v_and(inside, v_less(winner, v_zero()));
                    const v_mask better = v_or(v_greater(v, best), v_and(v_is_nan(v), v_equal(best, best)));
                    const v_mask take = v_or(first_cell, v_and(inside, better));
                    best = v_select(take, v, best);
                    winner = v_select(take, cell, winner);
                }
            }
            v_store_first(y + q0, best, outputs);
            if (w) v_store_ints_first(w + q0, winner, outputs);
        }
    }
}
