// Batch norm's passes and the fused-activation mask they start from, written once over the
// lanes of vector_lanes.h (batch_norm.c compiles them for AVX-512, AVX2 and plain C).
// Included once per width, after vector_lanes.h: no include guard on purpose.
//
// Two families: the channel passes take one channel's run of floats and that channel's
// statistics as scalars (planes of 64 pixels and up); the slice passes take a contiguous run of
// several small planes with the statistics expanded to one value per float, so that 1×1 to 4×4
// planes (MobileNetV2's later stages at CIFAR sizes) still fill whole vectors.

/// Sums of a channel's floats go to double every BATCH_NORM_BLOCK values: float lanes within a
/// block are fast, and doubles across blocks keep large planes from drifting.
#ifndef BATCH_NORM_BLOCK
#define BATCH_NORM_BLOCK 1024
#endif

/// d where the fused activation let its output y through, else 0 (as FusedActivation.passes:
/// ReLU y > 0, ReLU6 0 < y < 6, false where y is NaN).
static inline __attribute__((always_inline)) LANES_TARGET V LANES_NAME(passed)(V d, V y, int activation) {
    if (activation == FOVEA_ACTIVATION_NONE) return d;
    v_mask m = v_greater(y, v_zero());
    if (activation == FOVEA_ACTIVATION_RELU6) m = v_and(m, v_less(y, v_set(6.0f)));
    return v_keep(m, d);
}

static LANES_TARGET float LANES_NAME(mask_gradient)(const float *dy, const float *y, float *target, size_t count,
                                                    int activation) {
    V sums = v_zero();
    size_t i = 0;
    for (; i + FOVEA_LANES <= count; i += FOVEA_LANES) {
        const V kept = LANES_NAME(passed)(v_load(dy + i), v_load(y + i), activation);
        v_store(target + i, kept);
        sums = v_add(sums, kept);
    }
    if (i < count) {
        const v_mask m = v_first((int)(count - i));
        const V kept = LANES_NAME(passed)(v_load_first(dy + i, m), v_load_first(y + i, m), activation);
        v_store_first(target + i, kept, m);
        sums = v_add(sums, kept);
    }
    return v_sum(sums);
}

// ---- channel passes ----

static LANES_TARGET void LANES_NAME(shifted_sums)(const float *x, size_t count, float shift, double *sum, double *squares) {
    const V k = v_set(shift);
    for (size_t start = 0; start < count; start += BATCH_NORM_BLOCK) {
        const size_t end = count - start < BATCH_NORM_BLOCK ? count : start + BATCH_NORM_BLOCK;
        // Two accumulators each: one add chain would wait on the add's latency every step.
        V s0 = v_zero(), s1 = v_zero(), q0 = v_zero(), q1 = v_zero();
        size_t i = start;
        for (; i + 2 * FOVEA_LANES <= end; i += 2 * FOVEA_LANES) {
            const V a = v_sub(v_load(x + i), k), b = v_sub(v_load(x + i + FOVEA_LANES), k);
            s0 = v_add(s0, a); q0 = v_fma(a, a, q0);
            s1 = v_add(s1, b); q1 = v_fma(b, b, q1);
        }
        for (; i < end; i += FOVEA_LANES) {
            const int n = end - i < FOVEA_LANES ? (int)(end - i) : FOVEA_LANES;
            const v_mask m = v_first(n);
            const V a = v_keep(m, v_sub(v_load_first(x + i, m), k));
            s0 = v_add(s0, a); q0 = v_fma(a, a, q0);
        }
        *sum += v_sum(v_add(s0, s1));
        *squares += v_sum(v_add(q0, q1));
    }
}

static LANES_TARGET void LANES_NAME(gradient_sums)(const float *dy, const float *y, float *masked, const float *x,
                                                   size_t count, float mean, int activation, double *sum, double *centered) {
    const V mu = v_set(mean);
    for (size_t start = 0; start < count; start += BATCH_NORM_BLOCK) {
        const size_t end = count - start < BATCH_NORM_BLOCK ? count : start + BATCH_NORM_BLOCK;
        V s0 = v_zero(), s1 = v_zero(), p0 = v_zero(), p1 = v_zero();
        size_t i = start;
        for (; i + 2 * FOVEA_LANES <= end; i += 2 * FOVEA_LANES) {
            V a = v_load(dy + i), b = v_load(dy + i + FOVEA_LANES);
            if (activation != FOVEA_ACTIVATION_NONE) {
                a = LANES_NAME(passed)(a, v_load(y + i), activation);
                b = LANES_NAME(passed)(b, v_load(y + i + FOVEA_LANES), activation);
                v_store(masked + i, a);
                v_store(masked + i + FOVEA_LANES, b);
            }
            s0 = v_add(s0, a); p0 = v_fma(a, v_sub(v_load(x + i), mu), p0);
            s1 = v_add(s1, b); p1 = v_fma(b, v_sub(v_load(x + i + FOVEA_LANES), mu), p1);
        }
        for (; i < end; i += FOVEA_LANES) {
            const int n = end - i < FOVEA_LANES ? (int)(end - i) : FOVEA_LANES;
            const v_mask m = v_first(n);
            V a = v_load_first(dy + i, m);
            if (activation != FOVEA_ACTIVATION_NONE) {
                a = LANES_NAME(passed)(a, v_load_first(y + i, m), activation);
                v_store_first(masked + i, a, m);
            }
            s0 = v_add(s0, a); p0 = v_fma(a, v_sub(v_load_first(x + i, m), mu), p0);
        }
        *sum += v_sum(v_add(s0, s1));
        *centered += v_sum(v_add(p0, p1));
    }
}

/// clamp((x − mean)·scale + shift + r): subtract first, as PyTorch (see BatchNormalization.swift).
static inline __attribute__((always_inline)) LANES_TARGET V LANES_NAME(normalised)(V x, V mean, V scale, V shift, V r,
                                                                                 V lo, V hi) {
    return v_min(hi, v_max(lo, v_add(v_fma(v_sub(x, mean), scale, shift), r)));
}

static LANES_TARGET void LANES_NAME(normalise)(const float *x, float *out, const float *residual, size_t count,
                                               float mean, float scale, float shift, float floor, float ceiling) {
    const V mu = v_set(mean), s = v_set(scale), t = v_set(shift), lo = v_set(floor), hi = v_set(ceiling);
    size_t i = 0;
    for (; i + FOVEA_LANES <= count; i += FOVEA_LANES) {
        const V r = residual ? v_load(residual + i) : v_zero();
        v_store(out + i, LANES_NAME(normalised)(v_load(x + i), mu, s, t, r, lo, hi));
    }
    if (i < count) {
        const v_mask m = v_first((int)(count - i));
        const V r = residual ? v_load_first(residual + i, m) : v_zero();
        v_store_first(out + i, LANES_NAME(normalised)(v_load_first(x + i, m), mu, s, t, r, lo, hi), m);
    }
}

/// scale·(d − mean_dy − (x − mean)·k), or scale·d without x.
static inline __attribute__((always_inline)) LANES_TARGET V LANES_NAME(input_gradient_of)(V d, const float *x, V xv, V scale,
                                                                                        V mean_dy, V mean, V k) {
    return x ? v_mul(scale, v_sub(v_sub(d, mean_dy), v_mul(v_sub(xv, mean), k))) : v_mul(scale, d);
}

static LANES_TARGET void LANES_NAME(input_gradient)(const float *d, const float *x, float *dx, size_t count, float scale,
                                                    float mean_dy, float mean, float k) {
    const V s = v_set(scale), md = v_set(mean_dy), mu = v_set(mean), kv = v_set(k);
    size_t i = 0;
    for (; i + FOVEA_LANES <= count; i += FOVEA_LANES)
        v_store(dx + i, LANES_NAME(input_gradient_of)(v_load(d + i), x, x ? v_load(x + i) : v_zero(), s, md, mu, kv));
    if (i < count) {
        const v_mask m = v_first((int)(count - i));
        const V xv = x ? v_load_first(x + i, m) : v_zero();
        v_store_first(dx + i, LANES_NAME(input_gradient_of)(v_load_first(d + i, m), x, xv, s, md, mu, kv), m);
    }
}

// ---- slice passes: statistics one per float, sums one per float (the caller adds up each plane) ----

static LANES_TARGET void LANES_NAME(slice_sums)(const float *x, const float *shifts, size_t count, float *sums,
                                                float *squares) {
    size_t i = 0;
    for (; i + FOVEA_LANES <= count; i += FOVEA_LANES) {
        const V a = v_sub(v_load(x + i), v_load(shifts + i));
        v_store(sums + i, v_add(v_load(sums + i), a));
        v_store(squares + i, v_fma(a, a, v_load(squares + i)));
    }
    if (i < count) {
        const v_mask m = v_first((int)(count - i));
        const V a = v_sub(v_load_first(x + i, m), v_load_first(shifts + i, m));
        v_store_first(sums + i, v_add(v_load_first(sums + i, m), a), m);
        v_store_first(squares + i, v_fma(a, a, v_load_first(squares + i, m)), m);
    }
}

static LANES_TARGET void LANES_NAME(slice_gradient_sums)(const float *dy, const float *y, float *masked, const float *x,
                                                         const float *means, size_t count, int activation, float *sums,
                                                         float *centered) {
    size_t i = 0;
    for (; i + FOVEA_LANES <= count; i += FOVEA_LANES) {
        V d = v_load(dy + i);
        if (activation != FOVEA_ACTIVATION_NONE) {
            d = LANES_NAME(passed)(d, v_load(y + i), activation);
            v_store(masked + i, d);
        }
        v_store(sums + i, v_add(v_load(sums + i), d));
        v_store(centered + i, v_fma(d, v_sub(v_load(x + i), v_load(means + i)), v_load(centered + i)));
    }
    if (i < count) {
        const v_mask m = v_first((int)(count - i));
        V d = v_load_first(dy + i, m);
        if (activation != FOVEA_ACTIVATION_NONE) {
            d = LANES_NAME(passed)(d, v_load_first(y + i, m), activation);
            v_store_first(masked + i, d, m);
        }
        v_store_first(sums + i, v_add(v_load_first(sums + i, m), d), m);
        v_store_first(centered + i, v_fma(d, v_sub(v_load_first(x + i, m), v_load_first(means + i, m)),
                                          v_load_first(centered + i, m)), m);
    }
}

static LANES_TARGET void LANES_NAME(slice_normalise)(const float *x, float *out, const float *residual, size_t count,
                                                     const float *means, const float *scales, const float *shifts,
                                                     float floor, float ceiling) {
    const V lo = v_set(floor), hi = v_set(ceiling);
    size_t i = 0;
    for (; i + FOVEA_LANES <= count; i += FOVEA_LANES) {
        const V r = residual ? v_load(residual + i) : v_zero();
        v_store(out + i, LANES_NAME(normalised)(v_load(x + i), v_load(means + i), v_load(scales + i), v_load(shifts + i),
                                                r, lo, hi));
    }
    if (i < count) {
        const v_mask m = v_first((int)(count - i));
        const V r = residual ? v_load_first(residual + i, m) : v_zero();
        v_store_first(out + i, LANES_NAME(normalised)(v_load_first(x + i, m), v_load_first(means + i, m),
                                                      v_load_first(scales + i, m), v_load_first(shifts + i, m), r, lo, hi), m);
    }
}

static LANES_TARGET void LANES_NAME(slice_input_gradient)(const float *d, const float *x, float *dx, size_t count,
                                                          const float *scales, const float *mean_dys, const float *means,
                                                          const float *ks) {
    size_t i = 0;
    for (; i + FOVEA_LANES <= count; i += FOVEA_LANES) {
        const V xv = x ? v_load(x + i) : v_zero();
        v_store(dx + i, LANES_NAME(input_gradient_of)(v_load(d + i), x, xv, v_load(scales + i), v_load(mean_dys + i),
                                                      v_load(means + i), v_load(ks + i)));
    }
    if (i < count) {
        const v_mask m = v_first((int)(count - i));
        const V xv = x ? v_load_first(x + i, m) : v_zero();
        v_store_first(dx + i, LANES_NAME(input_gradient_of)(v_load_first(d + i, m), x, xv, v_load_first(scales + i, m),
                                                            v_load_first(mean_dys + i, m), v_load_first(means + i, m),
                                                            v_load_first(ks + i, m)), m);
    }
}

// ---- inference: the folded scale ----

/// scale = γ / √(σ² + ε) per channel (a convolution's folded batch norm at inference).
static LANES_TARGET void LANES_NAME(folded_scale)(const float *gamma, const float *variance, float epsilon, size_t count,
                                                  float *scale) {
    const V e = v_set(epsilon);
    size_t i = 0;
    for (; i + FOVEA_LANES <= count; i += FOVEA_LANES)
        v_store(scale + i, v_div(v_load(gamma + i), v_sqrt(v_add(v_load(variance + i), e))));
    if (i < count) {
        const v_mask m = v_first((int)(count - i));
        // Lanes past the end divide 0 by √ε (no NaN, not stored).
        v_store_first(scale + i, v_div(v_load_first(gamma + i, m), v_sqrt(v_add(v_load_first(variance + i, m), e))), m);
    }
}
