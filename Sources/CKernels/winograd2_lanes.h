// Winograd F(2×2, 3×3)'s input transform (winograd2.c), written once over the lanes of
// vector_lanes.h. Included once per width, after vector_lanes.h.
//
// V = Bᵀ d B for tiles [first_tile, first_tile + count) of one tile row, Bᵀ = [1 0 −1 0; 0 1 1 0;
// 0 −1 1 0; 0 1 0 −1]: the tile row's four input rows (zero outside the image) are combined down the
// columns as whole rows into the scratch; across each combined row tile q reads columns 2q … 2q + 3,
// so the even and odd lanes of loads at 2q and 2q + 2 are the four taps of FOVEA_LANES tiles.

static LANES_TARGET void LANES_NAME(winograd2_transform_input)(const float *image, int channels, int height, int width,
                                                               int pad_top, int pad_left, int tile_row, int first_tile,
                                                               int count, float *v, size_t stride, float *scratch) {
    const int span = 2 * count + 2, row_length = WINOGRAD2_ROW(count);
    const int first_column = 2 * first_tile - pad_left;
    // Columns of a row that lie inside the image (the padding may be wider than the whole span).
    int inside_start = -first_column > 0 ? -first_column : 0;
    if (inside_start > span) inside_start = span;
    int inside_end = width - first_column < span ? width - first_column : span;
    if (inside_end < inside_start) inside_end = inside_start;
    const size_t plane = (size_t)height * width, xi_stride = (size_t)channels * stride;
    float *combined = scratch;
    for (int c = 0; c < channels; c++) {
        // The four input rows, read in place (lanes outside the image masked to zero; rows outside are zero).
        const float *r[4];
        int valid[4];
        for (int a = 0; a < 4; a++) {
            const int y = 2 * tile_row - pad_top + a;
            valid[a] = y >= 0 && y < height;
            r[a] = image + (size_t)c * plane + (size_t)(valid[a] ? y : 0) * width + first_column;
        }
        // Bᵀ down the columns: r0 − r2, r1 + r2, r2 − r1, r1 − r3, written once; reading the rows
        // from a copy just stored would wait on store forwarding (perf: half this function's time).
        for (int x = 0; x < span; x += FOVEA_LANES) {
            const v_mask m = v_range(inside_start - x, inside_end - x);
            const V a = valid[0] ? v_load_first(r[0] + x, m) : v_zero(), b = valid[1] ? v_load_first(r[1] + x, m) : v_zero();
            const V mid = valid[2] ? v_load_first(r[2] + x, m) : v_zero(), d = valid[3] ? v_load_first(r[3] + x, m) : v_zero();
            v_store(combined + x, v_sub(a, mid));
            v_store(combined + row_length + x, v_add(b, mid));
            v_store(combined + 2 * row_length + x, v_sub(mid, b));
            v_store(combined + 3 * row_length + x, v_sub(b, d));
        }
        // B across each combined row, FOVEA_LANES tiles at a time.
        float *out = v + (size_t)c * stride;
        for (int a = 0; a < 4; a++) {
            const float *row = combined + a * row_length;
            float *target = out + 4 * (size_t)a * xi_stride;
            for (int q = 0; q < count; q += FOVEA_LANES) {
                const int n = count - q < FOVEA_LANES ? count - q : FOVEA_LANES;
                const v_mask m = v_first(n);
                const V low0 = v_load(row + 2 * q), low1 = v_load(row + 2 * q + FOVEA_LANES);
#if FOVEA_LANES > 1
                // Columns 2q + 2 on, shifted out of the vectors already loaded: loads at those columns
                // would straddle two of the stores just made, which cannot forward (perf: 70 % here).
                const V low2 = v_load(row + 2 * q + 2 * FOVEA_LANES);
                const V high0 = v_shift2(low0, low1), high1 = v_shift2(low1, low2);
#else
                const V high0 = v_load(row + 2 * q + 2), high1 = v_load(row + 2 * q + 3);
#endif
                const V d0 = v_even(low0, low1), d1 = v_odd(low0, low1), d2 = v_even(high0, high1), d3 = v_odd(high0, high1);
                v_store_first(target + q, v_sub(d0, d2), m);
                v_store_first(target + xi_stride + q, v_add(d1, d2), m);
                v_store_first(target + 2 * xi_stride + q, v_sub(d2, d1), m);
                v_store_first(target + 3 * xi_stride + q, v_sub(d1, d3), m);
            }
        }
    }
}
