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
