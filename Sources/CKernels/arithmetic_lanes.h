// Element-wise arithmetic (arithmetic.c), written once over the lanes of vector_lanes.h.
// Included once per width, after vector_lanes.h.

static LANES_TARGET void LANES_NAME(add)(const float *a, const float *b, float *out, size_t count) {
    size_t i = 0;
    for (; i + FOVEA_LANES <= count; i += FOVEA_LANES) v_store(out + i, v_add(v_load(a + i), v_load(b + i)));
    if (i < count) {
        const v_mask m = v_first((int)(count - i));
        v_store_first(out + i, v_add(v_load_first(a + i, m), v_load_first(b + i, m)), m);
    }
}

/// `rows` rows of `width` floats, contiguous in `source`, to rows `target_stride` apart: a plane
/// into a padded copy's interior (one memmove call per row of 16–32 floats cost more than the move).
static LANES_TARGET void LANES_NAME(copy_rows)(const float *source, size_t rows, size_t width, float *target,
                                               size_t target_stride) {
    const size_t whole = width / FOVEA_LANES * FOVEA_LANES;
    const v_mask m = v_first((int)(width - whole));
    for (size_t r = 0; r < rows; r++, source += width, target += target_stride) {
        for (size_t i = 0; i < whole; i += FOVEA_LANES) v_store(target + i, v_load(source + i));
        if (whole < width) v_store_first(target + whole, v_load_first(source + whole, m), m);
    }
}
