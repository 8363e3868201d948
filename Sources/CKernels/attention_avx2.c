// One attention row (see attention.c) on AVX2 and FMA, for CPUs without AVX-512: the query and
// the output are walked in chunks of 64 floats (eight 256-bit registers), so any head size fits.
#include "kernels_internal.h"

#if defined(OK_HAVE_X86_KERNELS)
#include <immintrin.h>

#define OK_AVX2_TARGET __attribute__((target("avx2,fma")))
#define OK_AVX2_INLINE static inline __attribute__((always_inline)) OK_AVX2_TARGET
/// Floats of the head handled per pass of the weighted sum (eight registers of accumulators).
#define OK_CHUNK 64

OK_AVX2_INLINE __m256 load8_f32(const float *p) { return _mm256_loadu_ps(p); }
OK_AVX2_INLINE __m256 load8_bf16(const uint16_t *p) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p)), 16));
}
OK_AVX2_INLINE float one_f32(const float *p) { return *p; }
OK_AVX2_INLINE float one_bf16(const uint16_t *p) { return ok_bf16_to_f32(*p); }

#define OK_AVX2_ATTENTION(NAME, TYPE, LOAD8, ONE)                                                      \
    OK_AVX2_TARGET void NAME(const float *q, int64_t hd, const TYPE *keys, const TYPE *values,         \
                             int64_t stride, int64_t span, float scale, float *scores, float *out) {   \
        int64_t whole = hd & ~(int64_t)7;                                                              \
        /* Scores: two keys at a time, two chains each. */                                             \
        int64_t s = 0;                                                                                 \
        for (; s + 2 <= span; s += 2) {                                                                \
            const TYPE *k0 = keys + s * stride, *k1 = k0 + stride;                                     \
            __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();                                 \
            for (int64_t d = 0; d < whole; d += 8) {                                                   \
                __m256 qv = _mm256_loadu_ps(q + d);                                                    \
                a0 = _mm256_fmadd_ps(qv, LOAD8(k0 + d), a0);                                           \
                a1 = _mm256_fmadd_ps(qv, LOAD8(k1 + d), a1);                                           \
            }                                                                                          \
            float t0 = ok_sum8(a0), t1 = ok_sum8(a1);                                                  \
            for (int64_t d = whole; d < hd; d++) { t0 += q[d] * ONE(k0 + d); t1 += q[d] * ONE(k1 + d); } \
            scores[s] = t0 * scale;                                                                    \
            scores[s + 1] = t1 * scale;                                                                \
        }                                                                                              \
        for (; s < span; s++) {                                                                        \
            const TYPE *k = keys + s * stride;                                                         \
            __m256 a = _mm256_setzero_ps();                                                            \
            for (int64_t d = 0; d < whole; d += 8) a = _mm256_fmadd_ps(_mm256_loadu_ps(q + d), LOAD8(k + d), a); \
            float t = ok_sum8(a);                                                                      \
            for (int64_t d = whole; d < hd; d++) t += q[d] * ONE(k + d);                               \
            scores[s] = t * scale;                                                                     \
        }                                                                                              \
        ok_softmax_in_place(scores, span);                                                             \
        /* Weighted sum of values, one chunk of the head at a time, held in registers. */              \
        for (int64_t d0 = 0; d0 < whole; d0 += OK_CHUNK) {                                             \
            int64_t vectors = (whole - d0 < OK_CHUNK ? whole - d0 : OK_CHUNK) / 8;                     \
            __m256 acc[OK_CHUNK / 8];                                                                  \
            for (int64_t j = 0; j < vectors; j++) acc[j] = _mm256_setzero_ps();                        \
            for (s = 0; s < span; s++) {                                                               \
                __m256 p = _mm256_set1_ps(scores[s]);                                                  \
                const TYPE *v = values + s * stride + d0;                                              \
                for (int64_t j = 0; j < vectors; j++) acc[j] = _mm256_fmadd_ps(p, LOAD8(v + 8 * j), acc[j]); \
            }                                                                                          \
            for (int64_t j = 0; j < vectors; j++) _mm256_storeu_ps(out + d0 + 8 * j, acc[j]);          \
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
