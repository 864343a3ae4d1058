// One vector width for the kernels written once over "lanes" and compiled three times: define
// FOVEA_LANES as 16 (AVX-512), 8 (AVX2 + FMA) or 1 (plain C, any CPU), include this file, then
// the kernel template. No include guard on purpose: each inclusion redefines the macros.
//
//   V, v_mask          a vector of FOVEA_LANES floats, and a lane mask
//   LANES_TARGET       the function attribute that lets the compiler use the width's instructions
//   LANES_NAME(f)      f with the width's suffix (f_wide, f_avx2, f_plain)
//   v_zero, v_set      zero; one float in every lane
//   v_load, v_store    FOVEA_LANES floats, unaligned
//   v_first(n)         the mask of the first n lanes (n ≤ FOVEA_LANES); v_load_first, v_store_first
//                      read and write only those (the others read as zero and are not touched)
//   v_range(lo, hi)    the mask of lanes lo ≤ i < hi (any ints: clipped to the vector)
//   v_add, v_sub, v_mul, v_div, v_sqrt, v_fma (a·b + c), v_min, v_max (x86 order: the second operand when NaN)
//   v_greater, v_less  lane masks of a > b, a < b (false where NaN); v_and, v_or; v_keep(m, v): v where m, else 0
//   v_sum              the sum of the lanes
//   v_even, v_odd      of 2·FOVEA_LANES floats in two vectors a, b: the even-numbered ones, the odd ones
//   v_equal, v_select(m, a, b) (a where m, else b), v_any(m), v_is_nan, v_lane_numbers() (0, 1, 2, … as floats)
//   v_store_ints_first(p, v, m)  the lanes of m, converted to int32 (truncated), to p
//   v_load_ints_first(p, m)      int32s of the lanes of m, as floats (0 elsewhere)
//   v_pairs(v)         lanes 0, 0, 1, 1, 2, 2, … of v (its first half, each lane twice)
//   v_shift2(a, b)     lanes 2, 3, … of a followed by b's first two (not with one lane)
//   v_floor(v)         each lane rounded down to an integer
//   v_gather_first(p, i, m)  p[i] for each lane of m, i a vector of whole numbers as floats (0 elsewhere;
//                      the others' addresses are not read)

#undef V
#undef v_mask
#undef LANES_TARGET
#undef LANES_NAME
#undef v_zero
#undef v_set
#undef v_load
#undef v_store
#undef v_first
#undef v_range
#undef v_load_first
#undef v_store_first
#undef v_add
#undef v_sub
#undef v_mul
#undef v_div
#undef v_sqrt
#undef v_fma
#undef v_min
#undef v_max
#undef v_greater
#undef v_less
#undef v_and
#undef v_or
#undef v_keep
#undef v_sum
#undef v_even
#undef v_odd
#undef v_equal
#undef v_select
#undef v_any
#undef v_is_nan
#undef v_lane_numbers
#undef v_store_ints_first
#undef v_load_ints_first
#undef v_pairs
#undef v_shift2
#undef v_floor
#undef v_gather_first

#if FOVEA_LANES == 16

#ifndef FOVEA_LANES_AVX512_HELPERS
#define FOVEA_LANES_AVX512_HELPERS
static inline __attribute__((always_inline)) __mmask16 fovea_lane_range16(int lo, int hi) {
    lo = lo < 0 ? 0 : (lo > 16 ? 16 : lo);
    hi = hi < lo ? lo : (hi > 16 ? 16 : hi);
    return (__mmask16)(((1u << hi) - 1u) & ~((1u << lo) - 1u));
}
#endif

#define V __m512
#define v_mask __mmask16
#define LANES_TARGET __attribute__((target("avx512f")))
#define LANES_NAME(f) f##_wide
#define v_zero() _mm512_setzero_ps()
#define v_set(x) _mm512_set1_ps(x)
#define v_load(p) _mm512_loadu_ps(p)
#define v_store(p, v) _mm512_storeu_ps(p, v)
#define v_first(n) ((__mmask16)((1u << (n)) - 1u))
#define v_range(lo, hi) fovea_lane_range16(lo, hi)
#define v_load_first(p, m) _mm512_maskz_loadu_ps(m, p)
#define v_store_first(p, v, m) _mm512_mask_storeu_ps(p, m, v)
#define v_add(a, b) _mm512_add_ps(a, b)
#define v_sub(a, b) _mm512_sub_ps(a, b)
#define v_mul(a, b) _mm512_mul_ps(a, b)
#define v_div(a, b) _mm512_div_ps(a, b)
#define v_sqrt(a) _mm512_sqrt_ps(a)
#define v_fma(a, b, c) _mm512_fmadd_ps(a, b, c)
#define v_min(a, b) _mm512_min_ps(a, b)
#define v_max(a, b) _mm512_max_ps(a, b)
#define v_greater(a, b) _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ)
#define v_less(a, b) _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ)
#define v_and(m1, m2) ((__mmask16)((m1) & (m2)))
#define v_or(m1, m2) ((__mmask16)((m1) | (m2)))
#define v_keep(m, v) _mm512_maskz_mov_ps(m, v)
#define v_sum(v) _mm512_reduce_add_ps(v)
#define v_even(a, b) _mm512_permutex2var_ps(a, _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), b)
#define v_odd(a, b) _mm512_permutex2var_ps(a, _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31), b)
#define v_equal(a, b) _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ)
#define v_select(m, a, b) _mm512_mask_blend_ps(m, b, a)
#define v_any(m) ((m) != 0)
#define v_is_nan(v) _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q)
#define v_lane_numbers() _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
#define v_store_ints_first(p, v, m) _mm512_mask_storeu_epi32(p, m, _mm512_cvttps_epi32(v))
#define v_load_ints_first(p, m) _mm512_cvtepi32_ps(_mm512_maskz_loadu_epi32(m, p))
#define v_pairs(v) _mm512_permutexvar_ps(_mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7), v)
#define v_shift2(a, b) _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(b), _mm512_castps_si512(a), 2))
#define v_floor(v) _mm512_roundscale_ps(v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)
#define v_gather_first(p, i, m) _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, _mm512_cvttps_epi32(i), p, 4)

#elif FOVEA_LANES == 8

#ifndef FOVEA_LANES_AVX2_HELPERS
#define FOVEA_LANES_AVX2_HELPERS
static inline __attribute__((always_inline, target("avx2,fma"))) __m256i fovea_first_lanes8(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
static inline __attribute__((always_inline, target("avx2,fma"))) __m256i fovea_lane_range8(int lo, int hi) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_and_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(hi), lanes), _mm256_cmpgt_epi32(lanes, _mm256_set1_epi32(lo - 1)));
}
static inline __attribute__((always_inline, target("avx2,fma"))) float fovea_sum_lanes8(__m256 v) {
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}
#endif

#define V __m256
#define v_mask __m256i
#define LANES_TARGET __attribute__((target("avx2,fma")))
#define LANES_NAME(f) f##_avx2
#define v_zero() _mm256_setzero_ps()
#define v_set(x) _mm256_set1_ps(x)
#define v_load(p) _mm256_loadu_ps(p)
#define v_store(p, v) _mm256_storeu_ps(p, v)
#define v_first(n) fovea_first_lanes8(n)
#define v_range(lo, hi) fovea_lane_range8(lo, hi)
#define v_load_first(p, m) _mm256_maskload_ps(p, m)
#define v_store_first(p, v, m) _mm256_maskstore_ps(p, m, v)
#define v_add(a, b) _mm256_add_ps(a, b)
#define v_sub(a, b) _mm256_sub_ps(a, b)
#define v_mul(a, b) _mm256_mul_ps(a, b)
#define v_div(a, b) _mm256_div_ps(a, b)
#define v_sqrt(a) _mm256_sqrt_ps(a)
#define v_fma(a, b, c) _mm256_fmadd_ps(a, b, c)
#define v_min(a, b) _mm256_min_ps(a, b)
#define v_max(a, b) _mm256_max_ps(a, b)
#define v_greater(a, b) _mm256_castps_si256(_mm256_cmp_ps(a, b, _CMP_GT_OQ))
#define v_less(a, b) _mm256_castps_si256(_mm256_cmp_ps(a, b, _CMP_LT_OQ))
#define v_and(m1, m2) _mm256_and_si256(m1, m2)
#define v_or(m1, m2) _mm256_or_si256(m1, m2)
#define v_keep(m, v) _mm256_and_ps(_mm256_castsi256_ps(m), v)
#define v_sum(v) fovea_sum_lanes8(v)
// shuffle_ps takes lanes 0 and 2 (or 1 and 3) of each 128-bit half of a and b; the 64-bit permute puts a's before b's.
#define v_even(a, b) _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0))), _MM_SHUFFLE(3, 1, 2, 0)))
#define v_odd(a, b) _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1))), _MM_SHUFFLE(3, 1, 2, 0)))
#define v_equal(a, b) _mm256_castps_si256(_mm256_cmp_ps(a, b, _CMP_EQ_OQ))
#define v_select(m, a, b) _mm256_blendv_ps(b, a, _mm256_castsi256_ps(m))
#define v_any(m) (_mm256_movemask_ps(_mm256_castsi256_ps(m)) != 0)
#define v_is_nan(v) _mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_UNORD_Q))
#define v_lane_numbers() _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7)
#define v_store_ints_first(p, v, m) _mm256_maskstore_epi32((int *)(p), m, _mm256_cvttps_epi32(v))
#define v_load_ints_first(p, m) _mm256_cvtepi32_ps(_mm256_maskload_epi32((const int *)(p), m))
#define v_pairs(v) _mm256_permutevar8x32_ps(v, _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3))
#define v_shift2(a, b) _mm256_blend_ps(_mm256_permutevar8x32_ps(a, _mm256_setr_epi32(2, 3, 4, 5, 6, 7, 0, 1)), \
                                       _mm256_permutevar8x32_ps(b, _mm256_setr_epi32(2, 3, 4, 5, 6, 7, 0, 1)), 0xC0)
#define v_floor(v) _mm256_floor_ps(v)
#define v_gather_first(p, i, m) _mm256_mask_i32gather_ps(_mm256_setzero_ps(), p, _mm256_cvttps_epi32(i), _mm256_castsi256_ps(m), 4)

#elif FOVEA_LANES == 1

#include <math.h>

#define V float
#define v_mask int
#define LANES_TARGET
#define LANES_NAME(f) f##_plain
#define v_zero() 0.0f
#define v_set(x) (x)
#define v_load(p) (*(p))
#define v_store(p, v) (*(p) = (v))
#define v_first(n) ((n) > 0)
#define v_range(lo, hi) ((lo) <= 0 && 0 < (hi))
#define v_load_first(p, m) ((m) ? *(p) : 0.0f)
#define v_store_first(p, v, m) ((m) ? (void)(*(p) = (v)) : (void)0)
#define v_add(a, b) ((a) + (b))
#define v_sub(a, b) ((a) - (b))
#define v_mul(a, b) ((a) * (b))
#define v_div(a, b) ((a) / (b))
#define v_sqrt(a) sqrtf(a)
#define v_fma(a, b, c) ((a) * (b) + (c))
// As x86's min/max: the second operand unless the comparison holds (so a NaN second operand passes).
#define v_min(a, b) ((a) < (b) ? (a) : (b))
#define v_max(a, b) ((a) > (b) ? (a) : (b))
#define v_greater(a, b) ((a) > (b))
#define v_less(a, b) ((a) < (b))
#define v_and(m1, m2) ((m1) && (m2))
#define v_or(m1, m2) ((m1) || (m2))
#define v_keep(m, v) ((m) ? (v) : 0.0f)
#define v_sum(v) (v)
#define v_even(a, b) (a)
#define v_odd(a, b) (b)
#define v_equal(a, b) ((a) == (b))
#define v_select(m, a, b) ((m) ? (a) : (b))
#define v_any(m) (m)
#define v_is_nan(v) ((v) != (v))
#define v_lane_numbers() 0.0f
#define v_store_ints_first(p, v, m) ((m) ? (void)(*(p) = (int32_t)(v)) : (void)0)
#define v_load_ints_first(p, m) ((m) ? (float)*(p) : 0.0f)
#define v_pairs(v) (v)
#define v_floor(v) floorf(v)
#define v_gather_first(p, i, m) ((m) ? (p)[(int)(i)] : 0.0f)

#else
#error "FOVEA_LANES must be 16, 8 or 1"
#endif
