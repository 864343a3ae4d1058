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

// ---- the moves between NCHW and the channels-last copies: 8 channels × 8 pixels at a time
// through an AVX transpose where the vectors exist, one float at a time at the edges ----

#if FOVEA_LANES > 1
#define DEPTHWISE_BLOCKS 1
#else
#define DEPTHWISE_BLOCKS 0
#endif

/// Rows [0, rows) and columns [0, columns) of each plane (stride plane_width, planes `plane`
/// apart) to or from the channels-last copy (pixel (r, c) at copy + ((r + top)·copy_width + c + left)·stride).
/// Blocks of 8 channels × up to 8 pixels that are consecutive in the planes (across rows where a
/// plane's rows are whole), the short ones through masked loads and stores; one-pixel planes are
/// already channels-last and are copied.
static LANES_TARGET void LANES_NAME(depthwise_move)(int to_copy, int channels, int rows, int columns, float *planes,
                                                    int plane_width, size_t plane, float *copy, int copy_width, int top,
                                                    int left, int stride) {
    const int pixels = rows * columns, whole_rows = columns == plane_width;
    int c0 = 0;
#if DEPTHWISE_BLOCKS
    if (plane == 1 && pixels == 1) {
        float *last = copy + ((size_t)top * copy_width + left) * stride;
        for (; c0 + 8 <= channels; c0 += 8) {
            if (to_copy) _mm256_storeu_ps(last + c0, _mm256_loadu_ps(planes + c0));
            else _mm256_storeu_ps(planes + c0, _mm256_loadu_ps(last + c0));
        }
    }
    for (; c0 + 8 <= channels; c0 += 8) {
        for (int q = 0; q < pixels;) {
            const int r = q / columns, x = q % columns;
            const int left_in_run = whole_rows ? pixels - q : columns - x;
            const int n = left_in_run < 8 ? left_in_run : 8;
            const __m256i first = _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
            float *nchw = planes + (size_t)r * plane_width + x + (size_t)c0 * plane;
            float *at[8];
            for (int j = 0, rj = r, xj = x; j < n; j++) {
                at[j] = copy + ((size_t)(rj + top) * copy_width + xj + left) * stride + c0;
                if (++xj == columns) xj = 0, rj++;
            }
            __m256 v[8];
            if (to_copy) {
                for (int i = 0; i < 8; i++) v[i] = _mm256_maskload_ps(nchw + (size_t)i * plane, first);
                fovea_transpose8(v);
                for (int j = 0; j < n; j++) _mm256_storeu_ps(at[j], v[j]);
            } else {
                for (int j = 0; j < 8; j++) v[j] = j < n ? _mm256_loadu_ps(at[j]) : _mm256_setzero_ps();
                fovea_transpose8(v);
                for (int i = 0; i < 8; i++) _mm256_maskstore_ps(nchw + (size_t)i * plane, first, v[i]);
            }
            q += n;
        }
    }
#endif
    // The channels left over (all of them in plain C), one float at a time.
    for (int r = 0; r < rows; r++)
        for (int x = 0; x < columns; x++) {
            float *nchw = planes + (size_t)r * plane_width + x;
            float *last = copy + ((size_t)(r + top) * copy_width + x + left) * stride;
            for (int c = c0; c < channels; c++) {
                if (to_copy) last[c] = nchw[(size_t)c * plane];
                else nchw[(size_t)c * plane] = last[c];
            }
        }
}

/// The output's gradient [channels × pixels], masked by the fused activation at `output`, into
/// dy [pixels × stride]; each channel's masked sum added to bias_sums.
static LANES_TARGET void LANES_NAME(depthwise_gradient_in)(int channels, int pixels, const float *output_gradient,
                                                           const float *output, int activation, float *dy, int stride,
                                                           float *bias_sums) {
    int c0 = 0;
#if DEPTHWISE_BLOCKS
    for (; c0 + 8 <= channels; c0 += 8) {
        __m256 sums = _mm256_setzero_ps();
        for (int p = 0; p < pixels; p += 8) {
            const int n = pixels - p < 8 ? pixels - p : 8;
            const __m256i first = _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
            __m256 d[8], y[8];
            for (int i = 0; i < 8; i++) d[i] = _mm256_maskload_ps(output_gradient + (size_t)(c0 + i) * pixels + p, first);
            fovea_transpose8(d);
            if (activation != FOVEA_ACTIVATION_NONE) {
                for (int i = 0; i < 8; i++) y[i] = _mm256_maskload_ps(output + (size_t)(c0 + i) * pixels + p, first);
                fovea_transpose8(y);
                for (int j = 0; j < n; j++) {
                    __m256 keep = _mm256_cmp_ps(y[j], _mm256_setzero_ps(), _CMP_GT_OQ);
                    if (activation == FOVEA_ACTIVATION_RELU6)
                        keep = _mm256_and_ps(keep, _mm256_cmp_ps(y[j], _mm256_set1_ps(6.0f), _CMP_LT_OQ));
                    d[j] = _mm256_and_ps(keep, d[j]);
                }
            }
            for (int j = 0; j < n; j++) {
                _mm256_storeu_ps(dy + (size_t)(p + j) * stride + c0, d[j]);
                sums = _mm256_add_ps(sums, d[j]);
            }
        }
        _mm256_storeu_ps(bias_sums + c0, _mm256_add_ps(_mm256_loadu_ps(bias_sums + c0), sums));
    }
#endif
    // The channels left over (all of them in plain C), one float at a time.
    for (int c = c0; c < channels; c++)
        for (int p = 0; p < pixels; p++) {
            const size_t at = (size_t)c * pixels + p;
            const float y = output[at];
            const int passes = activation == FOVEA_ACTIVATION_NONE || (y > 0 && (activation != FOVEA_ACTIVATION_RELU6 || y < 6));
            const float d = passes ? output_gradient[at] : 0;
            dy[(size_t)p * stride + c] = d;
            bias_sums[c] += d;
        }
}

#undef DEPTHWISE_BLOCKS
