// One attention row (see attention.c) on AVX2 and FMA, for CPUs without AVX-512: the query and
// the output are walked in chunks of 64 floats (eight 256-bit registers), so any head size fits.
// Scores are taken eight keys at a time and reduced by one transpose-and-add tree, and the
// softmax's exponentials run eight lanes at a time (on the built-in model's 64-wide heads the
// scalar expf had cost more than the dot products).
#include "kernels_internal.h"

#if defined(OK_HAVE_X86_KERNELS)
#include <immintrin.h>

#define OK_AVX2_TARGET __attribute__((target("avx2,fma")))
#define OK_AVX2_INLINE static inline __attribute__((always_inline)) OK_AVX2_TARGET
/// Floats of the head handled per pass of the weighted sum (eight registers of accumulators).
#define OK_CHUNK 64
/// Keys whose values one pass of the weighted sum takes (64 keys of a 128-wide f32 head: 32 KB,
/// within L1, where the pass for the head's next chunk finds them).
#define OK_KEY_BLOCK 64
/// Keys (and values) ahead of the one in use that the loops ask for.
#define OK_KEYS_AHEAD 16

/// Asks for one head's key or value (`bytes` bytes at `p`). A head's keys are contiguous in the
/// cache (see KVCache), yet the hardware prefetcher alone left a long row at 7-8 GB/s on one
/// core; asking 16 keys ahead made it 10 GB/s (64-wide heads, 1,600 keys, from memory).
OK_AVX2_INLINE void prefetch_slice(const void *p, int64_t bytes) {
    for (int64_t b = 0; b < bytes; b += 64) _mm_prefetch((const char *)p + b, _MM_HINT_T0);
}

OK_AVX2_INLINE __m256 load8_f32(const float *p) { return _mm256_loadu_ps(p); }
OK_AVX2_INLINE __m256 load8_bf16(const uint16_t *p) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p)), 16));
}
OK_AVX2_INLINE float one_f32(const float *p) { return *p; }
OK_AVX2_INLINE float one_bf16(const uint16_t *p) { return ok_bf16_to_f32(*p); }

/// Lane k of the result is the sum of the eight lanes of a[k]: one transpose-and-add tree for
/// eight keys' scores instead of a horizontal sum per key.
OK_AVX2_INLINE __m256 transpose_sum8(const __m256 a[8]) {
    __m256 u0 = _mm256_hadd_ps(_mm256_hadd_ps(a[0], a[1]), _mm256_hadd_ps(a[2], a[3]));
    __m256 u1 = _mm256_hadd_ps(_mm256_hadd_ps(a[4], a[5]), _mm256_hadd_ps(a[6], a[7]));
    return _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20), _mm256_permute2f128_ps(u0, u1, 0x31));
}

OK_AVX2_INLINE float max8(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    return _mm_cvtss_f32(_mm_max_ss(m, _mm_movehdup_ps(m)));
}

/// e^x for eight lanes with x <= 0 (a softmax's shifted scores): x = n ln2 + r with |r| <= ln2/2,
/// e^r by a degree-6 polynomial, times 2^n built in the exponent bits (about 2 ulp); lanes below
/// -87 give 0.
OK_AVX2_INLINE __m256 exp8_nonpositive(__m256 x) {
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.3f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693145751953125f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(1.428606765330187045e-06f), r);
    __m256 p = _mm256_set1_ps(1.0f / 720);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    __m256 power = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23));
    return _mm256_and_ps(_mm256_mul_ps(p, power), _mm256_cmp_ps(x, _mm256_set1_ps(-87.0f), _CMP_GT_OQ));
}

/// softmax(scale * x) in place, for scale > 0 (so the largest x gives the largest scaled score
/// and the scaling can wait until the shift): eight lanes at a time, the tail in scalar code.
OK_AVX2_TARGET static void softmax_scaled_in_place(float *x, int64_t n, float scale) {
    int64_t whole = n & ~(int64_t)7, i;
    __m256 top = _mm256_set1_ps(-INFINITY);
    for (i = 0; i < whole; i += 8) top = _mm256_max_ps(top, _mm256_loadu_ps(x + i));
    float max_value = max8(top);
    for (; i < n; i++) if (x[i] > max_value) max_value = x[i];
    if (max_value == -INFINITY) {
        for (i = 0; i < n; i++) x[i] = 0;
        return;
    }
    __m256 shift = _mm256_set1_ps(max_value), factor = _mm256_set1_ps(scale), total = _mm256_setzero_ps();
    for (i = 0; i < whole; i += 8) {
        __m256 e = exp8_nonpositive(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), shift), factor));
        _mm256_storeu_ps(x + i, e);
        total = _mm256_add_ps(total, e);
    }
    float sum = ok_sum8(total);
    for (; i < n; i++) {
        x[i] = expf((x[i] - max_value) * scale);
        sum += x[i];
    }
    float inverse = 1 / sum;
    for (i = 0; i < whole; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), _mm256_set1_ps(inverse)));
    for (; i < n; i++) x[i] *= inverse;
}

#define OK_AVX2_ATTENTION(NAME, TYPE, LOAD8, ONE)                                                      \
    OK_AVX2_TARGET void NAME(const float *q, int64_t hd, const TYPE *keys, const TYPE *values,         \
                             int64_t stride, int64_t span, float scale, float *scores, float *out) {   \
        int64_t whole = hd & ~(int64_t)7;                                                              \
        /* Raw scores (the scale is applied in the softmax): eight keys at a time, one chain each. */ \
        int64_t s = 0;                                                                                 \
        for (; s + 8 <= span; s += 8) {                                                               \
            const TYPE *k = keys + s * stride;                                                         \
            for (int j = 0; j < 8; j++) prefetch_slice(k + (OK_KEYS_AHEAD + j) * stride, hd * (int64_t)sizeof(TYPE)); \
            __m256 a[8];                                                                               \
            for (int j = 0; j < 8; j++) a[j] = _mm256_setzero_ps();                                    \
            for (int64_t d = 0; d < whole; d += 8) {                                                   \
                __m256 qv = _mm256_loadu_ps(q + d);                                                    \
                for (int j = 0; j < 8; j++) a[j] = _mm256_fmadd_ps(qv, LOAD8(k + j * stride + d), a[j]); \
            }                                                                                          \
            _mm256_storeu_ps(scores + s, transpose_sum8(a));                                           \
            for (int64_t d = whole; d < hd; d++)                                                       \
                for (int j = 0; j < 8; j++) scores[s + j] += q[d] * ONE(k + j * stride + d);           \
        }                                                                                              \
        for (; s < span; s++) {                                                                        \
            const TYPE *k = keys + s * stride;                                                         \
            __m256 a = _mm256_setzero_ps();                                                            \
            for (int64_t d = 0; d < whole; d += 8) a = _mm256_fmadd_ps(_mm256_loadu_ps(q + d), LOAD8(k + d), a); \
            float t = ok_sum8(a);                                                                      \
            for (int64_t d = whole; d < hd; d++) t += q[d] * ONE(k + d);                               \
            scores[s] = t;                                                                             \
        }                                                                                              \
        softmax_scaled_in_place(scores, span, scale);                                                  \
        /* Weighted sum of values: keys in blocks of OK_KEY_BLOCK, and within a block one chunk of   \
           the head at a time held in registers, so a head wider than a chunk reads each block's    \
           values from memory once (the later chunks find them in L1). */                           \
        for (int64_t s0 = 0; s0 < span; s0 += OK_KEY_BLOCK) {                                          \
            int64_t s1 = s0 + OK_KEY_BLOCK < span ? s0 + OK_KEY_BLOCK : span;                          \
            for (int64_t d0 = 0; d0 < whole; d0 += OK_CHUNK) {                                         \
                int64_t vectors = (whole - d0 < OK_CHUNK ? whole - d0 : OK_CHUNK) / 8;                 \
                __m256 acc[OK_CHUNK / 8];                                                              \
                for (int64_t j = 0; j < vectors; j++)                                                  \
                    acc[j] = s0 == 0 ? _mm256_setzero_ps() : _mm256_loadu_ps(out + d0 + 8 * j);        \
                for (s = s0; s < s1; s++) {                                                            \
                    __m256 p = _mm256_set1_ps(scores[s]);                                              \
                    const TYPE *v = values + s * stride + d0;                                          \
                    if (d0 == 0) prefetch_slice(values + (s + OK_KEYS_AHEAD) * stride, hd * (int64_t)sizeof(TYPE)); \
                    for (int64_t j = 0; j < vectors; j++) acc[j] = _mm256_fmadd_ps(p, LOAD8(v + 8 * j), acc[j]); \
                }                                                                                      \
                for (int64_t j = 0; j < vectors; j++) _mm256_storeu_ps(out + d0 + 8 * j, acc[j]);      \
            }                                                                                          \
        }                                                                                              \
        for (int64_t d = whole; d < hd; d++) {                                                         \
            float t = 0;                                                                               \
            for (s = 0; s < span; s++) t += scores[s] * ONE(values + s * stride + d);                  \
            out[d] = t;                                                                                \
        }                                                                                              \
    }

OK_AVX2_ATTENTION(ok_avx2_attention_row, float, load8_f32, one_f32)
OK_AVX2_ATTENTION(ok_avx2_attention_row_bf16, uint16_t, load8_bf16, one_bf16)
#endif
