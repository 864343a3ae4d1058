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

/// Each of `planes` planes of `plane` contiguous floats to its mean (global average pooling).
static LANES_TARGET void LANES_NAME(plane_means)(const float *x, size_t planes, size_t plane, float *means) {
    for (size_t p = 0; p < planes; p++, x += plane) {
        V sums = v_zero();
        size_t i = 0;
        for (; i + FOVEA_LANES <= plane; i += FOVEA_LANES) sums = v_add(sums, v_load(x + i));
        if (i < plane) {
            const v_mask m = v_first((int)(plane - i));
            sums = v_add(sums, v_load_first(x + i, m));
        }
        means[p] = v_sum(sums) / (float)plane;
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

/// `planes` planes of `rows` rows of `width` floats, contiguous in `source`, into planes
/// `target_plane` floats apart with rows `target_stride` apart: an image into a padded copy's
/// interiors in one call (the Swift loop of a call per plane was a fifth of the copy's time).
static LANES_TARGET void LANES_NAME(copy_planes)(const float *source, size_t planes, size_t rows, size_t width, float *target,
                                                 size_t target_stride, size_t target_plane) {
    for (size_t p = 0; p < planes; p++)
        LANES_NAME(copy_rows)(source + p * rows * width, rows, width, target + p * target_plane, target_stride);
}

/// One SGD step over `count` parameters (PyTorch's rule): g = grad + wd·θ; with momentum
/// v = μ·v + g and the step v (Nesterov: g + μ·v), else g; θ −= lr·step. Multiplies and adds
/// kept apart (no FMA), so every width gives the same floats as the scalar rule.
static inline LANES_TARGET V LANES_NAME(sgd_new_theta)(V th, V grad, float *velocity, V old_velocity, V *new_velocity,
                                                        float lr, float wd, float mu, int nesterov) {
    const V g = v_add(grad, v_mul(v_set(wd), th));
    V step = g;
    if (velocity) {
        *new_velocity = v_add(v_mul(v_set(mu), old_velocity), g);
        step = nesterov ? v_add(g, v_mul(v_set(mu), *new_velocity)) : *new_velocity;
    }
    return v_sub(th, v_mul(v_set(lr), step));
}

static LANES_TARGET void LANES_NAME(sgd_step)(float *theta, const float *grad, float *velocity, size_t count,
                                              float lr, float wd, float mu, int nesterov) {
    size_t i = 0;
    V v = v_zero();
    for (; i + FOVEA_LANES <= count; i += FOVEA_LANES) {
        const V th = LANES_NAME(sgd_new_theta)(v_load(theta + i), v_load(grad + i), velocity,
                                                velocity ? v_load(velocity + i) : v_zero(), &v, lr, wd, mu, nesterov);
        if (velocity) v_store(velocity + i, v);
        v_store(theta + i, th);
    }
    if (i < count) {
        const v_mask m = v_first((int)(count - i));
        const V th = LANES_NAME(sgd_new_theta)(v_load_first(theta + i, m), v_load_first(grad + i, m), velocity,
                                                velocity ? v_load_first(velocity + i, m) : v_zero(), &v, lr, wd, mu, nesterov);
        if (velocity) v_store_first(velocity + i, v, m);
        v_store_first(theta + i, th, m);
    }
}

/// One Adam step over `count` parameters (PyTorch's rule, operation for operation): g = grad +
/// l2·θ; θ ·= shrink (AdamW's decoupled decay); m = β1·m + (1 − β1)·g; v = β2·v + (1 − β2)·g·g;
/// θ −= step_size · m / (√v / root_correction2 + ε).
static inline LANES_TARGET V LANES_NAME(adam_new_theta)(V th, V grad, V *m, V *v, float l2, float shrink, float beta1,
                                                  float beta2, float step_size, float root_correction2, float epsilon) {
    const V g = v_add(grad, v_mul(v_set(l2), th));
    th = v_mul(th, v_set(shrink));
    *m = v_add(v_mul(v_set(beta1), *m), v_mul(v_set(1 - beta1), g));
    *v = v_add(v_mul(v_set(beta2), *v), v_mul(v_mul(v_set(1 - beta2), g), g));
    const V denominator = v_add(v_div(v_sqrt(*v), v_set(root_correction2)), v_set(epsilon));
    return v_sub(th, v_div(v_mul(v_set(step_size), *m), denominator));
}

static LANES_TARGET void LANES_NAME(adam_step)(float *theta, const float *grad, float *m, float *v, size_t count, float l2,
                                               float shrink, float beta1, float beta2, float step_size,
                                               float root_correction2, float epsilon) {
    size_t i = 0;
    for (; i + FOVEA_LANES <= count; i += FOVEA_LANES) {
        V mi = v_load(m + i), vi = v_load(v + i);
        const V th = LANES_NAME(adam_new_theta)(v_load(theta + i), v_load(grad + i), &mi, &vi, l2, shrink, beta1, beta2,
                                                 step_size, root_correction2, epsilon);
        v_store(m + i, mi);
        v_store(v + i, vi);
        v_store(theta + i, th);
    }
    if (i < count) {
        const v_mask k = v_first((int)(count - i));
        V mi = v_load_first(m + i, k), vi = v_load_first(v + i, k);
        const V th = LANES_NAME(adam_new_theta)(v_load_first(theta + i, k), v_load_first(grad + i, k), &mi, &vi, l2, shrink,
                                                 beta1, beta2, step_size, root_correction2, epsilon);
        v_store_first(m + i, mi, k);
        v_store_first(v + i, vi, k);
        v_store_first(theta + i, th, k);
    }
}

/// y = max(x, 0), a NaN passing through (x86's max returns its second operand when either is NaN).
static LANES_TARGET void LANES_NAME(relu)(const float *x, float *y, size_t count) {
    size_t i = 0;
    for (; i + FOVEA_LANES <= count; i += FOVEA_LANES) v_store(y + i, v_max(v_zero(), v_load(x + i)));
    if (i < count) {
        const v_mask m = v_first((int)(count - i));
        v_store_first(y + i, v_max(v_zero(), v_load_first(x + i, m)), m);
    }
}
