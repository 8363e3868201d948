// AVX-512 matrix-vector kernels (F, BW, VL, VNNI; F16C for the block scales). Compiled with
// per-function target attributes and called only when the CPU has them (see dispatch.c).
//
// Layout of the work: output rows in tiles of OK_TILE (their weights stay in L2), activation
// rows in groups of up to four that share every weight load. q8/q4 blocks are multiplied in
// integers (vpdpbusd: unsigned weight bytes times signed activation bytes), then scaled.
#include "kernels_internal.h"

#if defined(OK_HAVE_X86_KERNELS)
#include <immintrin.h>

#define OK_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512dq,avx2,fma,f16c")))
#define OK_INLINE static inline __attribute__((always_inline)) OK_TARGET

// MARK: float32 and bfloat16

/// Widened weights for 16 elements starting at i: f32 loads as is, bf16 is shifted into place.
OK_INLINE __m512 load_f32(const float *w, int64_t i) { return _mm512_loadu_ps(w + i); }
OK_INLINE __m512 load_bf16(const uint16_t *w, int64_t i) {
    __m512i wide = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(w + i)));
    return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
}
OK_INLINE __m512 load_f32_tail(const float *w, int64_t i, __mmask16 m) { return _mm512_maskz_loadu_ps(m, w + i); }
OK_INLINE __m512 load_bf16_tail(const uint16_t *w, int64_t i, __mmask16 m) { return ok_load_bf16_masked(w + i, m); }

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
        OK_EACH_TILE_AND_ROW_GROUP(o0, o1, rows, y, ldy, ROWS, x + (int64_t)r0 * in, in, w + o * in, sums); \
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
/// Blocks b and b+1 of a q8 row in one register (block b in the low half).
OK_INLINE __m512i pair_q8(const uint8_t *row, int64_t b) {
    return _mm512_loadu_si512((const void *)(row + b * OK_BLOCK));
}
/// [s[0] x 8, s[1] x 8]: one scale per block, spread over the block's eight int32 lanes.
OK_INLINE __m512 spread_pair(__m128 two) {
    return _mm512_permutexvar_ps(_mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0),
                                 _mm512_castps128_ps512(two));
}

/// Sum over blocks of (weight scale x activation scaled sum), for the offset of the stored weights.
OK_INLINE float offset_correction(const uint16_t *row_scales, const float *scaled_sums, int64_t blocks) {
    __m512 acc = _mm512_setzero_ps();
    int64_t b = 0;
    for (; b + 16 <= blocks; b += 16) {
        __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(row_scales + b)));
        acc = _mm512_fmadd_ps(d, _mm512_loadu_ps(scaled_sums + b), acc);
    }
    if (b < blocks) {
        __mmask16 m = (__mmask16)((1u << (blocks - b)) - 1);
        __m512 d = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, row_scales + b));
        acc = _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(m, scaled_sums + b), acc);
    }
    return _mm512_reduce_add_ps(acc);
}

// q8: two blocks per 512-bit step: the weight bytes, their two scales and the integer products of
// a pair are formed once per instruction instead of once per block; each activation row then costs
// a load, a dot product, a conversion and two multiplies per pair. An odd last block takes the
// 256-bit path.
#define OK_BLOCK_ROWS(NAME, BLOCK, PAIR, OFFSET, ROW_BYTES)                                          \
    OK_INLINE void NAME(const int R, ok_quantized_activations a, int r0, int64_t in,                 \
                        const uint8_t *q, const uint16_t *scales, int64_t o, float *out) {           \
        int64_t blocks = in / OK_BLOCK;                                                              \
        const uint8_t *row = q + o * (ROW_BYTES);                                                    \
        const uint16_t *row_scales = scales + o * blocks;                                            \
        __m512 acc[OK_MAX_ROWS_PER_PASS];                                                            \
        for (int r = 0; r < R; r++) acc[r] = _mm512_setzero_ps();                                    \
        int64_t b = 0;                                                                               \
        for (; b + 2 <= blocks; b += 2) {                                                            \
            __m512i weights = PAIR(row, b);                                                          \
            uint32_t two_scales;                                                                     \
            memcpy(&two_scales, row_scales + b, 4);                                                  \
            __m512 d = spread_pair(_mm_cvtph_ps(_mm_cvtsi32_si128((int)two_scales)));                \
            for (int r = 0; r < R; r++) {                                                            \
                int64_t xb = (int64_t)(r0 + r) * blocks + b;                                         \
                __m512i xv = _mm512_loadu_si512((const void *)(a.values + xb * OK_BLOCK));           \
                __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), weights, xv);              \
                __m512 s = spread_pair(_mm_castsi128_ps(_mm_loadl_epi64((const __m128i *)(a.scales + xb)))); \
                acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(d, s), acc[r]);      \
            }                                                                                        \
        }                                                                                            \
        if (b < blocks) {                                                                            \
            __m256i weights = BLOCK(row, b);                                                         \
            float d = _cvtsh_ss(row_scales[b]);                                                      \
            for (int r = 0; r < R; r++) {                                                            \
                int64_t xb = (int64_t)(r0 + r) * blocks + b;                                         \
                __m256i xv = _mm256_loadu_si256((const __m256i *)(a.values + xb * OK_BLOCK));        \
                __m256i dot = _mm256_dpbusd_epi32(_mm256_setzero_si256(), weights, xv);              \
                __m256 term = _mm256_mul_ps(_mm256_cvtepi32_ps(dot), _mm256_set1_ps(d * a.scales[xb])); \
                acc[r] = _mm512_add_ps(acc[r], _mm512_zextps256_ps512(term));                        \
            }                                                                                        \
        }                                                                                            \
        for (int r = 0; r < R; r++) {                                                                \
            const float *sums = a.scaled_sums + (int64_t)(r0 + r) * blocks;                          \
            out[r] = _mm512_reduce_add_ps(acc[r]) - (OFFSET) * offset_correction(row_scales, sums, blocks); \
        }                                                                                            \
    }

OK_BLOCK_ROWS(q8_rows, block_q8, pair_q8, 128.0f, in)

// q4 takes four blocks (64 bytes) per step, against activations in the grouped order (see
// ok_quantized_activations): the low nibbles of the 64 bytes are the first halves of the four
// blocks and the high nibbles their second halves, so masking and one shift unpack them, and the
// products of both halves land in the same int32 lanes (four per block) and add up before the
// single scaling. Blocks past the last group of four take the 256-bit path one at a time.
OK_INLINE void q4_rows(const int R, ok_quantized_activations a, int r0, int64_t in, const uint8_t *q,
                       const uint16_t *scales, int64_t o, float *out) {
    int64_t blocks = in / OK_BLOCK;
    const uint8_t *row = q + o * (in / 2);
    const uint16_t *row_scales = scales + o * blocks;
    const __m512i nibble = _mm512_set1_epi8(0x0f);
    const __m512i spread4 = _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0);
    __m512 acc[OK_MAX_ROWS_PER_PASS];
    for (int r = 0; r < R; r++) acc[r] = _mm512_setzero_ps();
    int64_t b = 0;
    for (; b + 4 <= blocks; b += 4) {
        __m512i packed = _mm512_loadu_si512((const void *)(row + b * (OK_BLOCK / 2)));
        __m512i first = _mm512_and_si512(packed, nibble);
        __m512i second = _mm512_and_si512(_mm512_srli_epi16(packed, 4), nibble);
        __m128 four = _mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)(row_scales + b)));
        __m512 d = _mm512_permutexvar_ps(spread4, _mm512_castps128_ps512(four));
        for (int r = 0; r < R; r++) {
            int64_t xb = (int64_t)(r0 + r) * blocks + b;
            const int8_t *xv = a.grouped_values + xb * OK_BLOCK;
            __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), first, _mm512_loadu_si512((const void *)xv));
            dot = _mm512_dpbusd_epi32(dot, second, _mm512_loadu_si512((const void *)(xv + 64)));
            __m512 s = _mm512_loadu_ps(a.quad_scales + xb * 4);
            acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(d, s), acc[r]);
        }
    }
    for (; b < blocks; b++) {
        __m256i weights = block_q4(row, b);
        float d = _cvtsh_ss(row_scales[b]);
        for (int r = 0; r < R; r++) {
            int64_t xb = (int64_t)(r0 + r) * blocks + b;
            __m256i xv = _mm256_loadu_si256((const __m256i *)(a.grouped_values + xb * OK_BLOCK));
            __m256i dot = _mm256_dpbusd_epi32(_mm256_setzero_si256(), weights, xv);
            __m256 term = _mm256_mul_ps(_mm256_cvtepi32_ps(dot), _mm256_set1_ps(d * a.scales[xb]));
            acc[r] = _mm512_add_ps(acc[r], _mm512_zextps256_ps512(term));
        }
    }
    for (int r = 0; r < R; r++) {
        const float *sums = a.scaled_sums + (int64_t)(r0 + r) * blocks;
        out[r] = _mm512_reduce_add_ps(acc[r]) - 8.0f * offset_correction(row_scales, sums, blocks);
    }
}

#define OK_BLOCK_MATVEC(NAME, ROWS)                                                                  \
    OK_TARGET void NAME(ok_quantized_activations a, int rows, int64_t in, const uint8_t *q,          \
                        const uint16_t *scales, int64_t o0, int64_t o1, float *y, int64_t ldy) {     \
        OK_EACH_TILE_AND_ROW_GROUP(o0, o1, rows, y, ldy, ROWS, a, r0, in, q, scales, o, sums);       \
    }

OK_BLOCK_MATVEC(ok_avx512_matvec_q8, q8_rows)
OK_BLOCK_MATVEC(ok_avx512_matvec_q4, q4_rows)

#endif
