// Where the lanes of a vector of output pixels read a window's taps, written once over the lanes
// of vector_lanes.h for the kernels that gather windows (im2col_lanes.h, max_pool_lanes.h).
// Included by their templates, once per width, after vector_lanes.h.
//
// Positions are whole numbers held in float lanes: exact below 2²⁴, which the callers guarantee
// (planes under 2²⁴ cells; larger ones take Swift loops).

/// Output row and column of pixels first, first + 1, … of a plane `width` pixels wide (the half
/// keeps the quotient off the integers).
static inline __attribute__((always_inline)) LANES_TARGET void LANES_NAME(pixel_positions)(int first, int width, V *row,
                                                                                          V *column) {
    const V q = v_add(v_set((float)first), v_lane_numbers());
    *row = v_floor(v_div(v_add(q, v_set(0.5f)), v_set((float)width)));
    *column = v_sub(q, v_mul(*row, v_set((float)width)));
}

/// Along one axis, the input coordinate output·stride + offset of each lane, and the mask of the
/// lanes where it lies inside 0 ..< size.
static inline __attribute__((always_inline)) LANES_TARGET v_mask LANES_NAME(tap_inside)(V output, int stride, int offset,
                                                                                       int size, V *input) {
    *input = v_add(v_mul(output, v_set((float)stride)), v_set((float)offset));
    return v_and(v_greater(*input, v_set(-0.5f)), v_less(*input, v_set(size - 0.5f)));
}
