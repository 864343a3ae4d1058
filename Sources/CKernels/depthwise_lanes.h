// The arithmetic of the channels-last depthwise convolution (depthwise_convolution.c), written
// once over the lanes of vector_lanes.h. Included once per width, after vector_lanes.h.
//
// Every array here is channels-last with a row of `stride` floats per pixel (the channel count
// rounded up to whole 16-lane vectors, so no load needs a mask): the padded input xp
// [padded_height × padded_width], the taps' weights [taps], the output or its gradient [out pixels].

/// y[p] = (Σ_t w[t] · xp[p's window at tap t] + bias)·scale + shift, clamped unless `clamp_later`
/// (a residual is added first, in the caller's pass back to NCHW). `affine` holds bias, scale,
/// shift, floor and ceiling rows of `stride` floats.
static LANES_TARGET void LANES_NAME(depthwise_forward)(const fovea_window *g, int stride, const float *xp, int padded_width,
                                                       const float *weights, const float *affine, int clamp_later,
                                                       const int *offsets, float *y) {
    const int taps = g->kernel_height * g->kernel_width;
    for (int c = 0; c < stride; c += FOVEA_LANES) {
        const V bias = v_load(affine + c), scale = v_load(affine + stride + c), shift = v_load(affine + 2 * stride + c);
        const V lo = v_load(affine + 3 * stride + c), hi = v_load(affine + 4 * stride + c);
        for (int oh = 0; oh < g->output_height; oh++) {
            const float *row = xp + (size_t)oh * g->stride_height * padded_width * stride + c;
            float *target = y + (size_t)oh * g->output_width * stride + c;
            for (int ow = 0; ow < g->output_width; ow++) {
                const float *window = row + (size_t)ow * g->stride_width * stride;
                V acc = v_zero();
                for (int t = 0; t < taps; t++) acc = v_fma(v_load(weights + (size_t)t * stride + c), v_load(window + offsets[t]), acc);
                V value = v_fma(v_add(acc, bias), scale, shift);
                if (!clamp_later) value = v_min(hi, v_max(lo, value));
                v_store(target + (size_t)ow * stride, value);
            }
        }
    }
}

/// For each tap t: tap_sums[t] += Σ_p dy[p] · xp[p's window at t], and (when dxp is given)
/// dxp[p's window at t] += w[t] · dy[p]. Tap by tap over the pixels, two accumulators (one
/// would wait on the FMA's latency at every pixel). tap_sums: [taps × channels], only the first
/// `channels` lanes of each row written.
static LANES_TARGET void LANES_NAME(depthwise_backward)(const fovea_window *g, int channels, int stride, const float *xp,
                                                        int padded_width, const float *weights, const float *dy,
                                                        const int *offsets, float *dxp, float *tap_sums) {
    const int taps = g->kernel_height * g->kernel_width, width = g->output_width;
    const size_t step = (size_t)g->stride_width * stride;
    for (int c = 0; c < stride; c += FOVEA_LANES) {
        const int lanes = channels - c < FOVEA_LANES ? channels - c : FOVEA_LANES;
        if (lanes <= 0) break;
        for (int t = 0; t < taps; t++) {
            const V w = v_load(weights + (size_t)t * stride + c);
            V a0 = v_zero(), a1 = v_zero();
            for (int oh = 0; oh < g->output_height; oh++) {
                const size_t at = (size_t)oh * g->stride_height * padded_width * stride + offsets[t] + c;
                const float *x = xp + at, *d = dy + (size_t)oh * width * stride + c;
                float *dx = dxp ? dxp + at : NULL;
                int ow = 0;
                for (; ow + 2 <= width; ow += 2) {
                    const V d0 = v_load(d + (size_t)ow * stride), d1 = v_load(d + (size_t)(ow + 1) * stride);
                    a0 = v_fma(d0, v_load(x + ow * step), a0);
                    a1 = v_fma(d1, v_load(x + (ow + 1) * step), a1);
                    if (dx) {
                        v_store(dx + ow * step, v_fma(w, d0, v_load(dx + ow * step)));
                        v_store(dx + (ow + 1) * step, v_fma(w, d1, v_load(dx + (ow + 1) * step)));
                    }
                }
                if (ow < width) {
                    const V d0 = v_load(d + (size_t)ow * stride);
                    a0 = v_fma(d0, v_load(x + ow * step), a0);
                    if (dx) v_store(dx + ow * step, v_fma(w, d0, v_load(dx + ow * step)));
                }
            }
            float *sums = tap_sums + (size_t)t * channels + c;
            const v_mask m = v_first(lanes);
            v_store_first(sums, v_add(v_load_first(sums, m), v_add(a0, a1)), m);
        }
    }
}
