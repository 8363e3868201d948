// AVX-512 matrix-vector kernels (F, BW, VL, VNNI; F16C for the block scales). Compiled with
// per-function target attributes and called only when the CPU has them (see dispatch.c).
//
// Layout of the work: output rows in tiles of OK_TILE (their weights stay in L2), activation
// rows in groups of up to four that share every weight load. q8/q4 blocks are multiplied in
// integers (vpdpbusd: unsigned weight bytes times signed activation bytes), then scaled.
#include "kernels_internal.h"

#if defined(OK_HAVE_AVX512_KERNELS)
#include <immintrin.h>

#define OK_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512dq,avx2,fma,f16c")))
#define OK_INLINE static inline __attribute__((always_inline)) OK_TARGET
/// Output rows per tile: 16 rows of a 5504-wide f32 matrix are 352 KB, within L2.
#define OK_TILE 16

OK_INLINE float sum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// MARK: float32 and bfloat16

/// Widened weights for 16 elements starting at i: f32 loads as is, bf16 is shifted into place.
OK_INLINE __m512 load_f32(const float *w, int64_t i) { return _mm512_loadu_ps(w + i); }
OK_INLINE __m512 load_bf16(const uint16_t *w, int64_t i) {
    __m512i wide = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(w + i)));
    return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
}
OK_INLINE __m512 load_f32_tail(const float *w, int64_t i, __mmask16 m) { return _mm512_maskz_loadu_ps(m, w + i); }
OK_INLINE __m512 load_bf16_tail(const uint16_t *w, int64_t i, __mmask16 m) {
    __m512i wide = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, w + i));
    return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
}

#define OK_FLOAT_ROWS(NAME, WTYPE, LOAD, LOAD_TAIL)                                                  \
    OK_INLINE void NAME(const int R, const float *x, int64_t in, const WTYPE *w, float *out) {       \
        __m512 a0[OK_MAX_ROWS_PER_PASS], a1[OK_MAX_ROWS_PER_PASS];                                   \
        for (int r = 0; r < R; r++) { a0[r] = _mm512_setzero_ps(); a1[r] = _mm512_setzero_ps(); }    \
        int64_t i = 0;                                                                               \
        for (; i + 32 <= in; i += 32) {                                                              \
            __m512 w0 = LOAD(w, i), w1 = LOAD(w, i + 16);                                            \
            for (int r = 0; r < R; r++) {                                                            \
                a0[r] = _mm512_fmadd_ps(_mm512_loadu_ps(x + r * in + i), w0, a0[r]);                 \
                a1[r] = _mm512_fmadd_ps(_mm512_loadu_ps(x + r * in + i + 16), w1, a1[r]);            \
            }                                                                                        \
        }                                                                                            \
        for (; i < in; i += 16) {                                                                    \
            __mmask16 m = in - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (in - i)) - 1);      \
            __m512 w0 = LOAD_TAIL(w, i, m);                                                          \
            for (int r = 0; r < R; r++)                                                              \
                a0[r] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + r * in + i), w0, a0[r]);        \
        }                                                                                            \
        for (int r = 0; r < R; r++) out[r] = _mm512_reduce_add_ps(_mm512_add_ps(a0[r], a1[r]));      \
    }

OK_FLOAT_ROWS(f32_rows, float, load_f32, load_f32_tail)
OK_FLOAT_ROWS(bf16_rows, uint16_t, load_bf16, load_bf16_tail)

#define OK_FLOAT_MATVEC(NAME, WTYPE, ROWS)                                                           \
    OK_TARGET void NAME(const float *x, int rows, int64_t in, const WTYPE *w, int64_t o0, int64_t o1, \
                        float *y, int64_t ldy) {                                                     \
        float sums[OK_MAX_ROWS_PER_PASS];                                                            \
        for (int64_t t = o0; t < o1; t += OK_TILE) {                                                 \
            int64_t end = t + OK_TILE < o1 ? t + OK_TILE : o1;                                       \
            for (int r0 = 0; r0 < rows; r0 += OK_MAX_ROWS_PER_PASS) {                                \
                int count = rows - r0 < OK_MAX_ROWS_PER_PASS ? rows - r0 : OK_MAX_ROWS_PER_PASS;     \
                const float *xr = x + (int64_t)r0 * in;                                              \
                for (int64_t o = t; o < end; o++) {                                                  \
                    const WTYPE *row = w + o * in;                                                   \
                    switch (count) {                                                                 \
                    case 1: ROWS(1, xr, in, row, sums); break;                                       \
                    case 2: ROWS(2, xr, in, row, sums); break;                                       \
                    case 3: ROWS(3, xr, in, row, sums); break;                                       \
                    default: ROWS(4, xr, in, row, sums); break;                                      \
                    }                                                                                \
                    for (int r = 0; r < count; r++) y[(r0 + r) * ldy + o] = sums[r];                 \
                }                                                                                    \
            }                                                                                        \
        }                                                                                            \
    }

OK_FLOAT_MATVEC(ok_avx512_matvec_f32, float, f32_rows)
OK_FLOAT_MATVEC(ok_avx512_matvec_bf16, uint16_t, bf16_rows)

// MARK: q8 and q4 blocks

/// Block b of a q8 row: 32 weight bytes as they are stored (q + 128).
OK_INLINE __m256i block_q8(const uint8_t *row, int64_t b) {
    return _mm256_loadu_si256((const __m256i *)(row + b * OK_BLOCK));
}
/// Block b of a q4 row: 16 bytes unpacked to 32 values (q + 8), low nibbles first.
OK_INLINE __m256i block_q4(const uint8_t *row, int64_t b) {
    __m128i packed = _mm_loadu_si128((const __m128i *)(row + b * (OK_BLOCK / 2)));
    __m128i nibble = _mm_set1_epi8(0x0f);
    __m128i low = _mm_and_si128(packed, nibble);
    __m128i high = _mm_and_si128(_mm_srli_epi16(packed, 4), nibble);
    return _mm256_inserti128_si256(_mm256_castsi128_si256(low), high, 1);
}

#define OK_BLOCK_ROWS(NAME, BLOCK, OFFSET, ROW_BYTES)                                                \
    OK_INLINE void NAME(const int R, ok_quantized_activations a, int r0, int64_t in,                 \
                        const uint8_t *q, const uint16_t *scales, int64_t o, float *out) {           \
        int64_t blocks = in / OK_BLOCK;                                                              \
        const uint8_t *row = q + o * (ROW_BYTES);                                                    \
        const uint16_t *row_scales = scales + o * blocks;                                            \
        __m256 acc[OK_MAX_ROWS_PER_PASS];                                                            \
        float correction[OK_MAX_ROWS_PER_PASS];                                                      \
        for (int r = 0; r < R; r++) { acc[r] = _mm256_setzero_ps(); correction[r] = 0; }             \
        for (int64_t b = 0; b < blocks; b++) {                                                       \
            __m256i weights = BLOCK(row, b);                                                         \
            float d = _cvtsh_ss(row_scales[b]);                                                      \
            for (int r = 0; r < R; r++) {                                                            \
                int64_t xb = (int64_t)(r0 + r) * blocks + b;                                         \
                __m256i xv = _mm256_loadu_si256((const __m256i *)(a.values + xb * OK_BLOCK));        \
                __m256i dot = _mm256_dpbusd_epi32(_mm256_setzero_si256(), weights, xv);              \
                acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_set1_ps(d * a.scales[xb]), acc[r]); \
                correction[r] += d * a.scaled_sums[xb];                                              \
            }                                                                                        \
        }                                                                                            \
        for (int r = 0; r < R; r++) out[r] = sum256(acc[r]) - (OFFSET) * correction[r];              \
    }

OK_BLOCK_ROWS(q8_rows, block_q8, 128.0f, in)
OK_BLOCK_ROWS(q4_rows, block_q4, 8.0f, in / 2)

#define OK_BLOCK_MATVEC(NAME, ROWS)                                                                  \
    OK_TARGET void NAME(ok_quantized_activations a, int rows, int64_t in, const uint8_t *q,          \
                        const uint16_t *scales, int64_t o0, int64_t o1, float *y, int64_t ldy) {     \
        float sums[OK_MAX_ROWS_PER_PASS];                                                            \
        for (int64_t t = o0; t < o1; t += OK_TILE) {                                                 \
            int64_t end = t + OK_TILE < o1 ? t + OK_TILE : o1;                                       \
            for (int r0 = 0; r0 < rows; r0 += OK_MAX_ROWS_PER_PASS) {                                \
                int count = rows - r0 < OK_MAX_ROWS_PER_PASS ? rows - r0 : OK_MAX_ROWS_PER_PASS;     \
                for (int64_t o = t; o < end; o++) {                                                  \
                    switch (count) {                                                                 \
                    case 1: ROWS(1, a, r0, in, q, scales, o, sums); break;                           \
                    case 2: ROWS(2, a, r0, in, q, scales, o, sums); break;                           \
                    case 3: ROWS(3, a, r0, in, q, scales, o, sums); break;                           \
                    default: ROWS(4, a, r0, in, q, scales, o, sums); break;                          \
                    }                                                                                \
                    for (int r = 0; r < count; r++) y[(r0 + r) * ldy + o] = sums[r];                 \
                }                                                                                    \
            }                                                                                        \
        }                                                                                            \
    }

OK_BLOCK_MATVEC(ok_avx512_matvec_q8, q8_rows)
OK_BLOCK_MATVEC(ok_avx512_matvec_q4, q4_rows)

#endif
