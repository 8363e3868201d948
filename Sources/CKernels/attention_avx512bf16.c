// One query row of one attention head against a bfloat16 KV cache, on the CPU's bf16 dot-product
// instruction (AVX512_BF16), for head sizes that are multiples of 32 up to 256; others take the
// float32-product kernel of attention.c. Compiled with per-function target attributes and called
// only where the CPU has the instruction (dispatch.c).
//
// Both products feed bf16 pairs to vdpbf16ps without widening the cache to float32:
// * scores: the query (times the scale) is split into bf16 high and low parts (q = high + low to
//   about 16 significant bits), and each key's 32-element chunk meets both; sixteen keys' sums are
//   then reduced together by a transpose-and-add tree instead of one horizontal sum each;
// * values: the probabilities, split the same way, pair up keys s and s + 1, whose value rows are
//   interleaved element by element, so one dot product adds two keys' contributions.
// The softmax's exponentials run sixteen lanes at a time and its normalisation is applied once to
// the output. `scores` is scratch: it ends holding the split probabilities, not floats.
#include "kernels_internal.h"

#if defined(OK_HAVE_X86_KERNELS)
#include <immintrin.h>
#include <math.h>
#include <string.h>

#define OK_BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,fma")))
#define OK_BF16_INLINE static inline __attribute__((always_inline)) OK_BF16_TARGET
/// Head dimensions up to 256 (eight chunks of 32).
#define OK_MAX_HEAD_CHUNKS 8

/// Lane i = sum of the lanes of v[i], for sixteen vectors (a transpose-and-add tree: 45
/// instructions for sixteen sums instead of about eight per sum).
OK_BF16_INLINE __m512 sum16(const __m512 v[16]) {
    __m512 a[8], b[4], c[2];
    for (int i = 0; i < 8; i++)
        a[i] = _mm512_add_ps(_mm512_unpacklo_ps(v[2 * i], v[2 * i + 1]), _mm512_unpackhi_ps(v[2 * i], v[2 * i + 1]));
    for (int i = 0; i < 4; i++)
        b[i] = _mm512_add_ps(_mm512_shuffle_ps(a[2 * i], a[2 * i + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                             _mm512_shuffle_ps(a[2 * i], a[2 * i + 1], _MM_SHUFFLE(3, 2, 3, 2)));
    for (int i = 0; i < 2; i++)
        c[i] = _mm512_add_ps(_mm512_shuffle_f32x4(b[2 * i], b[2 * i + 1], _MM_SHUFFLE(2, 0, 2, 0)),
                             _mm512_shuffle_f32x4(b[2 * i], b[2 * i + 1], _MM_SHUFFLE(3, 1, 3, 1)));
    return _mm512_add_ps(_mm512_shuffle_f32x4(c[0], c[1], _MM_SHUFFLE(2, 0, 2, 0)),
                         _mm512_shuffle_f32x4(c[0], c[1], _MM_SHUFFLE(3, 1, 3, 1)));
}

/// e^x for sixteen lanes: x = n ln2 + r with |r| <= ln2/2, e^r by a degree-6 polynomial, scaled by 2^n
/// (about 2 ulp; lanes below -87.3 give 0, as the scores' −∞ must).
OK_BF16_INLINE __m512 exp16(__m512 x) {
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.3f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.428606765330187045e-06f), r);
    __m512 p = _mm512_set1_ps(1.0f / 720);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    __m512 e = _mm512_scalef_ps(p, n);
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, _mm512_set1_ps(-87.0f), _CMP_GT_OQ), e);
}

OK_BF16_TARGET void ok_avx512bf16_attention_row_bf16(const float *q, int64_t hd, const uint16_t *keys,
                                                     const uint16_t *values, int64_t stride, int64_t span,
                                                     float scale, float *scores, float *out) {
    if (hd % 32 != 0 || hd > 32 * OK_MAX_HEAD_CHUNKS) {
        ok_avx512_attention_row_bf16(q, hd, keys, values, stride, span, scale, scores, out);
        return;
    }
    int64_t chunks = hd / 32;
    __m512bh qh[OK_MAX_HEAD_CHUNKS], ql[OK_MAX_HEAD_CHUNKS];
    for (int64_t j = 0; j < chunks; j++) {
        __m512 a = _mm512_mul_ps(_mm512_loadu_ps(q + 32 * j), _mm512_set1_ps(scale));
        __m512 b = _mm512_mul_ps(_mm512_loadu_ps(q + 32 * j + 16), _mm512_set1_ps(scale));
        __m256bh la, lb, ha = ok_split_bf16(a, &la), hb = ok_split_bf16(b, &lb);
        qh[j] = (__m512bh)_mm512_inserti64x4(_mm512_castsi256_si512((__m256i)ha), (__m256i)hb, 1);
        ql[j] = (__m512bh)_mm512_inserti64x4(_mm512_castsi256_si512((__m256i)la), (__m256i)lb, 1);
    }
    int64_t s = 0;
    __m512 maxv = _mm512_set1_ps(-INFINITY);
    for (; s + 16 <= span; s += 16) {
        __m512 acc[16];
        for (int t = 0; t < 16; t++) {
            const uint16_t *k = keys + (s + t) * stride;
            __m512 a = _mm512_setzero_ps(), b = _mm512_setzero_ps();
            for (int64_t j = 0; j < chunks; j++) {
                __m512bh kv = (__m512bh)_mm512_loadu_si512(k + 32 * j);
                a = _mm512_dpbf16_ps(a, qh[j], kv);
                b = _mm512_dpbf16_ps(b, ql[j], kv);
            }
            acc[t] = _mm512_add_ps(a, b);
        }
        __m512 sc = sum16(acc);
        _mm512_storeu_ps(scores + s, sc);
        maxv = _mm512_max_ps(maxv, sc);
    }
    float maxs = _mm512_reduce_max_ps(maxv);
    for (; s < span; s++) {  // the last span % 16 keys one at a time
        const uint16_t *k = keys + s * stride;
        __m512 a = _mm512_setzero_ps();
        for (int64_t j = 0; j < chunks; j++) {
            __m512bh kv = (__m512bh)_mm512_loadu_si512(k + 32 * j);
            a = _mm512_dpbf16_ps(a, qh[j], kv);
            a = _mm512_dpbf16_ps(a, ql[j], kv);
        }
        scores[s] = _mm512_reduce_add_ps(a);
        if (scores[s] > maxs) maxs = scores[s];
    }
    if (!(maxs > -INFINITY)) {  // no finite score (as the float32 kernels: all zeros)
        memset(out, 0, (size_t)hd * sizeof(float));
        return;
    }
    // Softmax, its normalisation folded into the output. Each p is split into bf16 high and low
    // parts, stored over the scores in place as 32-bit words in the order the values loop reads
    // them: [high(p0, p1), low(p0, p1), high(p2, p3), low(p2, p3), ...]. An odd span's last key
    // has no partner and is added as float32 at the end.
    __m512 m = _mm512_set1_ps(maxs), total = _mm512_setzero_ps();
    const __m512i interleave = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    float last = 0;
    for (s = 0; s < span; s += 16) {
        __mmask16 mk = span - s >= 16 ? 0xffff : (__mmask16)((1u << (span - s)) - 1);
        __m512 e = _mm512_maskz_mov_ps(mk, exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(mk, scores + s), m)));
        total = _mm512_add_ps(total, e);
        if (s + 16 >= span && (span & 1)) {
            float lanes[16];
            _mm512_storeu_ps(lanes, e);
            last = lanes[span - 1 - s];
        }
        __m256bh low, high = ok_split_bf16(e, &low);
        __m512i words = _mm512_permutex2var_epi32(_mm512_castsi256_si512((__m256i)high), interleave,
                                                  _mm512_castsi256_si512((__m256i)low));
        _mm512_mask_storeu_epi32(scores + s, mk, words);
    }
    float inv = 1 / _mm512_reduce_add_ps(total);
    const uint32_t *pairs = (const uint32_t *)scores;
    // Weighted sum of values, two keys per dot product: rows s and s+1 interleaved by
    // unpacklo/unpackhi (within 128-bit lanes, so the accumulators hold the dimensions in that
    // permuted order until the end), against (p_s, p_s+1) in high and low parts, each part with its
    // own accumulators so that no dot product waits for another.
    __m512 lo[OK_MAX_HEAD_CHUNKS], hi[OK_MAX_HEAD_CHUNKS], lo2[OK_MAX_HEAD_CHUNKS], hi2[OK_MAX_HEAD_CHUNKS];
    for (int64_t j = 0; j < chunks; j++) lo[j] = hi[j] = lo2[j] = hi2[j] = _mm512_setzero_ps();
    for (s = 0; s + 1 < span; s += 2) {
        __m512bh ph = (__m512bh)_mm512_set1_epi32((int)pairs[s]), pl = (__m512bh)_mm512_set1_epi32((int)pairs[s + 1]);
        const uint16_t *v0 = values + s * stride;
        for (int64_t j = 0; j < chunks; j++) {
            __m512i a = _mm512_loadu_si512(v0 + 32 * j);
            __m512i b = _mm512_loadu_si512(v0 + stride + 32 * j);
            __m512bh l = (__m512bh)_mm512_unpacklo_epi16(a, b), h = (__m512bh)_mm512_unpackhi_epi16(a, b);
            lo[j] = _mm512_dpbf16_ps(lo[j], l, ph);
            lo2[j] = _mm512_dpbf16_ps(lo2[j], l, pl);
            hi[j] = _mm512_dpbf16_ps(hi[j], h, ph);
            hi2[j] = _mm512_dpbf16_ps(hi2[j], h, pl);
        }
    }
    // lo holds dimensions {0-3, 8-11, 16-19, 24-27} of each 32, hi {4-7, 12-15, 20-23, 28-31}.
    const __m512i first = _mm512_set_epi32(23, 22, 21, 20, 7, 6, 5, 4, 19, 18, 17, 16, 3, 2, 1, 0);
    const __m512i second = _mm512_set_epi32(31, 30, 29, 28, 15, 14, 13, 12, 27, 26, 25, 24, 11, 10, 9, 8);
    __m512 norm = _mm512_set1_ps(inv), p_last = _mm512_set1_ps(last);
    const uint16_t *v_last = values + (span - 1) * stride;
    for (int64_t j = 0; j < chunks; j++) {
        __m512 l = _mm512_add_ps(lo[j], lo2[j]), h = _mm512_add_ps(hi[j], hi2[j]);
        __m512 o0 = _mm512_permutex2var_ps(l, first, h), o1 = _mm512_permutex2var_ps(l, second, h);
        if (span & 1) {
            o0 = _mm512_fmadd_ps(p_last, ok_load_bf16_masked(v_last + 32 * j, 0xffff), o0);
            o1 = _mm512_fmadd_ps(p_last, ok_load_bf16_masked(v_last + 32 * j + 16, 0xffff), o1);
        }
        _mm512_storeu_ps(out + 32 * j, _mm512_mul_ps(o0, norm));
        _mm512_storeu_ps(out + 32 * j + 16, _mm512_mul_ps(o1, norm));
    }
}

#endif
