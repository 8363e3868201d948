// Shared between the kernel files; not part of the module's interface.
#ifndef OMNICHAT_KERNELS_INTERNAL_H
#define OMNICHAT_KERNELS_INTERNAL_H

#include "omnichat_kernels.h"
#include <math.h>
#include <string.h>

/// Activation rows that share one pass over a weight row.
#define OK_MAX_ROWS_PER_PASS 4
/// Output rows per tile of the vector matrix-vector kernels: 16 rows of a 5504-wide f32 matrix
/// are 352 KB, within L2, so more than four activation rows read a tile's weights from there.
#define OK_TILE 16

/// The loop the vector matrix-vector kernels share: output rows [o0, o1) in tiles of OK_TILE,
/// activation rows in groups of up to OK_MAX_ROWS_PER_PASS, and for each output row `o` and the
/// group starting at row `r0`, ROWS(N, ...) fills sums[0..N) (N a constant at every expansion, so
/// its row loops unroll), which land in y[(r0 + r) * ldy + o]. The arguments after ROWS may name
/// `o`, `r0` and `sums`, which this loop declares.
#define OK_EACH_TILE_AND_ROW_GROUP(o0, o1, rows, y, ldy, ROWS, ...)                                  \
    do {                                                                                             \
        float sums[OK_MAX_ROWS_PER_PASS];                                                            \
        for (int64_t t = (o0); t < (o1); t += OK_TILE) {                                             \
            int64_t end = t + OK_TILE < (o1) ? t + OK_TILE : (o1);                                   \
            for (int r0 = 0; r0 < (rows); r0 += OK_MAX_ROWS_PER_PASS) {                              \
                int count = (rows) - r0 < OK_MAX_ROWS_PER_PASS ? (rows) - r0 : OK_MAX_ROWS_PER_PASS; \
                for (int64_t o = t; o < end; o++) {                                                  \
                    switch (count) {                                                                 \
                    case 1: ROWS(1, __VA_ARGS__); break;                                             \
                    case 2: ROWS(2, __VA_ARGS__); break;                                             \
                    case 3: ROWS(3, __VA_ARGS__); break;                                             \
                    default: ROWS(4, __VA_ARGS__); break;                                            \
                    }                                                                                \
                    for (int r = 0; r < count; r++) (y)[(r0 + r) * (ldy) + o] = sums[r];             \
                }                                                                                    \
            }                                                                                        \
        }                                                                                            \
    } while (0)

/// Softmax of `n` scores in place (max subtracted first); all −∞ gives all zeros.
static inline void ok_softmax_in_place(float *x, int64_t n) {
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

static inline float ok_bf16_to_f32(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

#if defined(OK_HAVE_X86_KERNELS)
#include <immintrin.h>

/// The sum of a 256-bit vector's eight floats (AVX; for the AVX2 kernels).
static inline __attribute__((always_inline, target("avx"))) float ok_sum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// Sixteen bf16 values at p (lanes outside m read as zero) widened to float32.
static inline __attribute__((always_inline, target("avx512f,avx512bw,avx512vl"))) __m512
ok_load_bf16_masked(const uint16_t *p, __mmask16 m) {
    __m512i wide = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, p));
    return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
}

/// x split into two bf16 parts, x = high + low to about 16 significant bits (each rounded to
/// nearest even): returns high and stores low. Lanes whose rest is not finite (x NaN or
/// infinite) get a low part of 0. Only for CPUs with AVX512_BF16 (level 3).
static inline __attribute__((always_inline, target("avx512f,avx512bw,avx512vl,avx512bf16"))) __m256bh
ok_split_bf16(__m512 x, __m256bh *low) {
    __m256bh high = _mm512_cvtneps_pbh(x);
    __m512 widened = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32((__m256i)high), 16));
    __m512 rest = _mm512_sub_ps(x, widened);
    *low = _mm512_cvtneps_pbh(_mm512_maskz_mov_ps(_mm512_cmp_ps_mask(rest, rest, _CMP_ORD_Q), rest));
    return high;
}
#endif

#endif
