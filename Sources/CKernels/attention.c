// One query row of one attention head against the cached keys and values of its sequence:
// scores = q·k_s × scale for s < span, softmax, out = Σ p_s v_s. The Swift code around it runs
// one such job per (token, head) on every core; here the dot products and the weighted sum run
// at the CPU's full vector width (AVX-512 where present, chosen at start like the products).
#include "kernels_internal.h"

#include <math.h>

// The same job over keys and values stored as float32 or as bfloat16 (a KV cache at half the
// bytes: guided pictures read three caches at every step). TYPE is the element type, TO_FLOAT
// widens one element.
#define OK_PORTABLE_ATTENTION(NAME, TYPE, TO_FLOAT)                                                   \
    void NAME(const float *q, int64_t hd, const TYPE *keys, const TYPE *values, int64_t stride,        \
              int64_t span, float scale, float *scores, float *out) {                                  \
        for (int64_t s = 0; s < span; s++) {                                                           \
            const TYPE *k = keys + s * stride;                                                         \
            float sum = 0;                                                                             \
            for (int64_t d = 0; d < hd; d++) sum += q[d] * TO_FLOAT(k[d]);                             \
            scores[s] = sum * scale;                                                                   \
        }                                                                                              \
        ok_softmax_in_place(scores, span);                                                             \
        for (int64_t d = 0; d < hd; d++) out[d] = 0;                                                   \
        for (int64_t s = 0; s < span; s++) {                                                           \
            const TYPE *v = values + s * stride;                                                       \
            float p = scores[s];                                                                       \
            for (int64_t d = 0; d < hd; d++) out[d] += p * TO_FLOAT(v[d]);                             \
        }                                                                                              \
    }

#define OK_SAME_FLOAT(x) (x)
OK_PORTABLE_ATTENTION(ok_portable_attention_row, float, OK_SAME_FLOAT)
OK_PORTABLE_ATTENTION(ok_portable_attention_row_bf16, uint16_t, ok_bf16_to_f32)

#if defined(OK_HAVE_X86_KERNELS)
#include <immintrin.h>

#define OK_ATTENTION_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma")))
#define OK_ATTENTION_INLINE static inline __attribute__((always_inline)) OK_ATTENTION_TARGET
/// Head dimensions held in registers: up to 256 floats (16 vectors).
#define OK_MAX_HEAD_VECTORS 16

OK_ATTENTION_INLINE __m512 load_f32(const float *p, __mmask16 m) { return _mm512_maskz_loadu_ps(m, p); }

#define OK_AVX512_ATTENTION(NAME, TYPE, LOAD, PORTABLE)                                               \
    OK_ATTENTION_TARGET void NAME(const float *q, int64_t hd, const TYPE *keys, const TYPE *values,    \
                                  int64_t stride, int64_t span, float scale, float *scores, float *out) { \
        int64_t vectors = (hd + 15) / 16;                                                              \
        if (vectors > OK_MAX_HEAD_VECTORS) {                                                           \
            PORTABLE(q, hd, keys, values, stride, span, scale, scores, out);                           \
            return;                                                                                    \
        }                                                                                              \
        __mmask16 tail = (hd % 16) ? (__mmask16)((1u << (hd % 16)) - 1) : (__mmask16)0xffff;           \
        __m512 qv[OK_MAX_HEAD_VECTORS];                                                                \
        for (int64_t j = 0; j < vectors; j++)                                                          \
            qv[j] = _mm512_maskz_loadu_ps(j == vectors - 1 ? tail : (__mmask16)0xffff, q + 16 * j);    \
        /* Scores: four keys at a time, so four independent chains hide the FMA latency. */            \
        int64_t s = 0;                                                                                 \
        for (; s + 4 <= span; s += 4) {                                                                \
            __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();                                 \
            __m512 a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();                                 \
            const TYPE *k0 = keys + s * stride, *k1 = k0 + stride, *k2 = k1 + stride, *k3 = k2 + stride; \
            for (int64_t j = 0; j < vectors; j++) {                                                    \
                __mmask16 m = j == vectors - 1 ? tail : (__mmask16)0xffff;                             \
                a0 = _mm512_fmadd_ps(qv[j], LOAD(k0 + 16 * j, m), a0);                                 \
                a1 = _mm512_fmadd_ps(qv[j], LOAD(k1 + 16 * j, m), a1);                                 \
                a2 = _mm512_fmadd_ps(qv[j], LOAD(k2 + 16 * j, m), a2);                                 \
                a3 = _mm512_fmadd_ps(qv[j], LOAD(k3 + 16 * j, m), a3);                                 \
            }                                                                                          \
            scores[s] = _mm512_reduce_add_ps(a0) * scale;                                              \
            scores[s + 1] = _mm512_reduce_add_ps(a1) * scale;                                          \
            scores[s + 2] = _mm512_reduce_add_ps(a2) * scale;                                          \
            scores[s + 3] = _mm512_reduce_add_ps(a3) * scale;                                          \
        }                                                                                              \
        for (; s < span; s++) {                                                                        \
            __m512 a = _mm512_setzero_ps();                                                            \
            const TYPE *k = keys + s * stride;                                                         \
            for (int64_t j = 0; j < vectors; j++)                                                      \
                a = _mm512_fmadd_ps(qv[j], LOAD(k + 16 * j, j == vectors - 1 ? tail : (__mmask16)0xffff), a); \
            scores[s] = _mm512_reduce_add_ps(a) * scale;                                               \
        }                                                                                              \
        ok_softmax_in_place(scores, span);                                                             \
        /* Weighted sum of values, the output held in registers. */                                    \
        __m512 acc[OK_MAX_HEAD_VECTORS];                                                               \
        for (int64_t j = 0; j < vectors; j++) acc[j] = _mm512_setzero_ps();                            \
        for (s = 0; s < span; s++) {                                                                   \
            __m512 p = _mm512_set1_ps(scores[s]);                                                      \
            const TYPE *v = values + s * stride;                                                       \
            for (int64_t j = 0; j < vectors; j++)                                                      \
                acc[j] = _mm512_fmadd_ps(p, LOAD(v + 16 * j, j == vectors - 1 ? tail : (__mmask16)0xffff), acc[j]); \
        }                                                                                              \
        for (int64_t j = 0; j < vectors; j++)                                                          \
            _mm512_mask_storeu_ps(out + 16 * j, j == vectors - 1 ? tail : (__mmask16)0xffff, acc[j]);  \
    }

OK_AVX512_ATTENTION(ok_avx512_attention_row, float, load_f32, ok_portable_attention_row)
OK_AVX512_ATTENTION(ok_avx512_attention_row_bf16, uint16_t, ok_load_bf16_masked, ok_portable_attention_row_bf16)
#endif
