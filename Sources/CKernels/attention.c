// One query row of one attention head against the cached keys and values of its sequence:
// scores = q·k_s × scale for s < span, softmax, out = Σ p_s v_s. The Swift code around it runs
// one such job per (token, head) on every core; here the dot products and the weighted sum run
// at the CPU's full vector width (AVX-512 where present, chosen at start like the products).
#include "kernels_internal.h"

#include <math.h>

/// Softmax of `n` scores in place (max subtracted first); all −∞ gives all zeros.
static inline void softmax(float *x, int64_t n) {
    float max_value = -INFINITY;
    for (int64_t i = 0; i < n; i++) if (x[i] > max_value) max_value = x[i];
    if (max_value == -INFINITY) {
        for (int64_t i = 0; i < n; i++) x[i] = 0;
        return;
    }
    float sum = 0;
    for (int64_t i = 0; i < n; i++) {
        float e = expf(x[i] - max_value);
        x[i] = e;
        sum += e;
    }
    float inv = 1 / sum;
    for (int64_t i = 0; i < n; i++) x[i] *= inv;
}

void ok_portable_attention_row(const float *q, int64_t hd, const float *keys, const float *values, int64_t stride,
                               int64_t span, float scale, float *scores, float *out) {
    for (int64_t s = 0; s < span; s++) {
        const float *k = keys + s * stride;
        float sum = 0;
        for (int64_t d = 0; d < hd; d++) sum += q[d] * k[d];
        scores[s] = sum * scale;
    }
    softmax(scores, span);
    for (int64_t d = 0; d < hd; d++) out[d] = 0;
    for (int64_t s = 0; s < span; s++) {
        const float *v = values + s * stride;
        float p = scores[s];
        for (int64_t d = 0; d < hd; d++) out[d] += p * v[d];
    }
}

#if defined(OK_HAVE_AVX512_KERNELS)
#include <immintrin.h>

#define OK_ATTENTION_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma")))
/// Head dimensions held in registers: up to 256 floats (16 vectors).
#define OK_MAX_HEAD_VECTORS 16

OK_ATTENTION_TARGET void ok_avx512_attention_row(const float *q, int64_t hd, const float *keys, const float *values,
                                                 int64_t stride, int64_t span, float scale, float *scores, float *out) {
    int64_t vectors = (hd + 15) / 16;
    if (vectors > OK_MAX_HEAD_VECTORS) {
        ok_portable_attention_row(q, hd, keys, values, stride, span, scale, scores, out);
        return;
    }
    __mmask16 tail = (hd % 16) ? (__mmask16)((1u << (hd % 16)) - 1) : (__mmask16)0xffff;
    __m512 qv[OK_MAX_HEAD_VECTORS];
    for (int64_t j = 0; j < vectors; j++)
        qv[j] = j == vectors - 1 ? _mm512_maskz_loadu_ps(tail, q + 16 * j) : _mm512_loadu_ps(q + 16 * j);
    // Scores: four keys at a time, so four independent accumulator chains hide FMA latency.
    int64_t s = 0;
    for (; s + 4 <= span; s += 4) {
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
        const float *k0 = keys + s * stride, *k1 = k0 + stride, *k2 = k1 + stride, *k3 = k2 + stride;
        for (int64_t j = 0; j < vectors; j++) {
            __mmask16 m = j == vectors - 1 ? tail : (__mmask16)0xffff;
            a0 = _mm512_fmadd_ps(qv[j], _mm512_maskz_loadu_ps(m, k0 + 16 * j), a0);
            a1 = _mm512_fmadd_ps(qv[j], _mm512_maskz_loadu_ps(m, k1 + 16 * j), a1);
            a2 = _mm512_fmadd_ps(qv[j], _mm512_maskz_loadu_ps(m, k2 + 16 * j), a2);
            a3 = _mm512_fmadd_ps(qv[j], _mm512_maskz_loadu_ps(m, k3 + 16 * j), a3);
        }
        scores[s] = _mm512_reduce_add_ps(a0) * scale;
        scores[s + 1] = _mm512_reduce_add_ps(a1) * scale;
        scores[s + 2] = _mm512_reduce_add_ps(a2) * scale;
        scores[s + 3] = _mm512_reduce_add_ps(a3) * scale;
    }
    for (; s < span; s++) {
        __m512 a = _mm512_setzero_ps();
        const float *k = keys + s * stride;
        for (int64_t j = 0; j < vectors; j++) {
            __mmask16 m = j == vectors - 1 ? tail : (__mmask16)0xffff;
            a = _mm512_fmadd_ps(qv[j], _mm512_maskz_loadu_ps(m, k + 16 * j), a);
        }
        scores[s] = _mm512_reduce_add_ps(a) * scale;
    }
    softmax(scores, span);
    // Weighted sum of values, the output held in registers.
    __m512 acc[OK_MAX_HEAD_VECTORS];
    for (int64_t j = 0; j < vectors; j++) acc[j] = _mm512_setzero_ps();
    for (s = 0; s < span; s++) {
        __m512 p = _mm512_set1_ps(scores[s]);
        const float *v = values + s * stride;
        for (int64_t j = 0; j < vectors; j++) {
            __mmask16 m = j == vectors - 1 ? tail : (__mmask16)0xffff;
            acc[j] = _mm512_fmadd_ps(p, _mm512_maskz_loadu_ps(m, v + 16 * j), acc[j]);
        }
    }
    for (int64_t j = 0; j < vectors; j++) {
        __mmask16 m = j == vectors - 1 ? tail : (__mmask16)0xffff;
        _mm512_mask_storeu_ps(out + 16 * j, m, acc[j]);
    }
}
#endif
