// q4 weight quantization for AVX2 (with F16C), eight blocks at a time.
//
// The scalar search in formats.c (candidate scales around extreme / -8, each refitted by least
// squares, the one with the smallest error kept) spends most of its time adding up 16 lane sums
// inside each block, one dependent add after another. Here each of the eight vector lanes holds a
// different block, so every step is a plain vertical operation, and every float operation of a
// block is the one the scalar search does, in the same order: the bytes are identical to the
// portable version's (tests compare them), in about half the time (tools/bench/quantize_q4_bench.c).
#include "kernels_internal.h"

#if defined(OK_HAVE_X86_KERNELS)
#include <immintrin.h>

#pragma STDC FP_CONTRACT OFF

#define OK_TARGET __attribute__((target("avx2,fma,f16c")))
#define OK_INLINE static inline __attribute__((always_inline)) OK_TARGET
#define LANES 16  // as the scalar search: element l and l + 16 summed into lane l

/// Eight blocks side by side: element j of block k in lane k of `values[j]`.
typedef struct { __m256 values[OK_BLOCK]; } block_columns;

/// x rounded to the nearest half float and back, as ok_f32_to_f16 / ok_f16_to_f32 do (NaN
/// becomes the quiet NaN 0x7e00 with x's sign, as there); the half bits are written to `half`.
OK_INLINE __m256 round_to_half(__m256 x, __m128i *half) {
    __m128i converted = _mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 nan = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
    __m256i bits = _mm256_castps_si256(x);
    __m256i quiet = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(0x8000)),
                                    _mm256_set1_epi32(0x7e00));
    __m128i quiet16 = _mm_packus_epi32(_mm256_castsi256_si128(quiet), _mm256_extracti128_si256(quiet, 1));
    __m256i nan32 = _mm256_castps_si256(nan);
    __m128i nan16 = _mm_packs_epi32(_mm256_castsi256_si128(nan32), _mm256_extracti128_si256(nan32, 1));
    *half = _mm_blendv_epi8(converted, quiet16, nan16);
    return _mm256_cvtph_ps(*half);
}

/// The q4 code (-8...7) of x, rounded to nearest even; NaN gets 0 (formats.c's q4_code).
OK_INLINE __m256 q4_code(__m256 x) {
    const __m256 round_magic = _mm256_set1_ps(12582912.0f);
    // max and min return their second operand when either is NaN, so NaN passes both, as the
    // scalar comparisons let it.
    x = _mm256_max_ps(_mm256_set1_ps(-8.0f), x);
    x = _mm256_min_ps(_mm256_set1_ps(7.0f), x);
    x = _mm256_and_ps(x, _mm256_cmp_ps(x, x, _CMP_EQ_OQ));
    return _mm256_sub_ps(_mm256_add_ps(x, round_magic), round_magic);
}

/// Sums lane(0) ... lane(15) in formats.c's fixed order (halves, then quarters, ...: lane l and
/// l + 8 first, and so on), computing each lane just before it is added, so that no more than a
/// few partial sums are live at once (AVX2 has 16 vector registers).
#define OK_LANE_TOTAL(lane)                                                                        \
    ({                                                                                             \
        __m256 a0 = _mm256_add_ps(lane(0), lane(8)), a4 = _mm256_add_ps(lane(4), lane(12));        \
        __m256 a2 = _mm256_add_ps(lane(2), lane(10)), a6 = _mm256_add_ps(lane(6), lane(14));       \
        __m256 c0 = _mm256_add_ps(_mm256_add_ps(a0, a4), _mm256_add_ps(a2, a6));                   \
        __m256 a1 = _mm256_add_ps(lane(1), lane(9)), a5 = _mm256_add_ps(lane(5), lane(13));        \
        __m256 a3 = _mm256_add_ps(lane(3), lane(11)), a7 = _mm256_add_ps(lane(7), lane(15));       \
        __m256 c1 = _mm256_add_ps(_mm256_add_ps(a1, a5), _mm256_add_ps(a3, a7));                   \
        _mm256_add_ps(c0, c1);                                                                     \
    })

/// Lane l of the squared error: elements l and l + 16 quantized with scale d (inverse 1/d),
/// their codes stored.
OK_INLINE __m256 error_lane(const block_columns *src, __m256 d, __m256 inverse, block_columns *codes, int l) {
    __m256 w0 = src->values[l], w1 = src->values[l + LANES];
    __m256 c0 = q4_code(_mm256_mul_ps(w0, inverse)), c1 = q4_code(_mm256_mul_ps(w1, inverse));
    codes->values[l] = c0;
    codes->values[l + LANES] = c1;
    __m256 e0 = _mm256_sub_ps(w0, _mm256_mul_ps(d, c0)), e1 = _mm256_sub_ps(w1, _mm256_mul_ps(d, c1));
    return _mm256_add_ps(_mm256_mul_ps(e0, e0), _mm256_mul_ps(e1, e1));
}

/// Squared error of each block quantized with its scale in `d`, and the codes.
OK_INLINE __m256 q4_error(const block_columns *src, __m256 d, block_columns *codes) {
    __m256 inverse = _mm256_and_ps(_mm256_div_ps(_mm256_set1_ps(1.0f), d),
                                   _mm256_cmp_ps(d, _mm256_setzero_ps(), _CMP_NEQ_UQ));
#define OK_ERROR_LANE(l) error_lane(src, d, inverse, codes, l)
    return OK_LANE_TOTAL(OK_ERROR_LANE);
#undef OK_ERROR_LANE
}

/// The least-squares scale for fixed codes, or `fallback` where all of a block's codes are 0.
OK_INLINE __m256 q4_refit(const block_columns *src, const block_columns *codes, __m256 fallback) {
#define OK_WQ_LANE(l) _mm256_add_ps(_mm256_mul_ps(src->values[l], codes->values[l]), \
                                    _mm256_mul_ps(src->values[(l) + LANES], codes->values[(l) + LANES]))
#define OK_QQ_LANE(l) _mm256_add_ps(_mm256_mul_ps(codes->values[l], codes->values[l]), \
                                    _mm256_mul_ps(codes->values[(l) + LANES], codes->values[(l) + LANES]))
    __m256 den = OK_LANE_TOTAL(OK_QQ_LANE);
    __m256 fitted = _mm256_div_ps(OK_LANE_TOTAL(OK_WQ_LANE), den);
#undef OK_WQ_LANE
#undef OK_QQ_LANE
    return _mm256_blendv_ps(fallback, fitted, _mm256_cmp_ps(den, _mm256_setzero_ps(), _CMP_GT_OQ));
}

/// The eight consecutive blocks at `w` (256 floats) as columns: eight loads and an 8 x 8
/// transpose per eighth of a block (gathering them instead took a fifth of the kernel's time).
OK_INLINE void transpose_blocks(const float *w, block_columns *columns) {
    for (int g = 0; g < OK_BLOCK / 8; g++) {
        __m256 r[8], t[8];
        for (int k = 0; k < 8; k++) r[k] = _mm256_loadu_ps(w + k * OK_BLOCK + g * 8);
        for (int k = 0; k < 8; k += 2) {
            t[k] = _mm256_unpacklo_ps(r[k], r[k + 1]);
            t[k + 1] = _mm256_unpackhi_ps(r[k], r[k + 1]);
        }
        for (int k = 0; k < 8; k += 4) {
            r[k] = _mm256_shuffle_ps(t[k], t[k + 2], _MM_SHUFFLE(1, 0, 1, 0));
            r[k + 1] = _mm256_shuffle_ps(t[k], t[k + 2], _MM_SHUFFLE(3, 2, 3, 2));
            r[k + 2] = _mm256_shuffle_ps(t[k + 1], t[k + 3], _MM_SHUFFLE(1, 0, 1, 0));
            r[k + 3] = _mm256_shuffle_ps(t[k + 1], t[k + 3], _MM_SHUFFLE(3, 2, 3, 2));
        }
        // r[0..3] hold elements 0-3 (and 4-7 in the upper halves) of blocks 0-3, r[4..7] of blocks 4-7.
        for (int e = 0; e < 4; e++) {
            columns->values[g * 8 + e] = _mm256_permute2f128_ps(r[e], r[e + 4], 0x20);
            columns->values[g * 8 + e + 4] = _mm256_permute2f128_ps(r[e], r[e + 4], 0x31);
        }
    }
}

/// Quantizes the eight consecutive blocks at `w` (256 floats) to 128 bytes at `q` and 8 scales.
OK_INLINE void quantize_eight_blocks(const float *w, uint8_t *q, uint16_t *scales) {
    block_columns src, codes, best_codes;
    transpose_blocks(w, &src);
    __m256 extreme = _mm256_setzero_ps();
    const __m256 magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    for (int j = 0; j < OK_BLOCK; j++) {
        __m256 v = src.values[j];
        __m256 larger = _mm256_cmp_ps(_mm256_and_ps(v, magnitude), _mm256_and_ps(extreme, magnitude), _CMP_GT_OQ);
        extreme = _mm256_blendv_ps(extreme, v, larger);
    }
    __m128i best_half, half;
    __m256 best_error = q4_error(&src, round_to_half(_mm256_div_ps(extreme, _mm256_set1_ps(-8.0f)), &best_half), &best_codes);
    // The scalar search skips the candidates of an all-zero block: its lanes never take them.
    __m256 searching = _mm256_cmp_ps(extreme, _mm256_setzero_ps(), _CMP_NEQ_UQ);
    for (int step = -2; step <= 3; step++) {
        __m256 d = _mm256_div_ps(extreme, _mm256_set1_ps(-8.0f + 0.25f * (float)step));
        q4_error(&src, d, &codes);
        __m256 candidates[2] = {d, q4_refit(&src, &codes, d)};
        for (int c = 0; c < 2; c++) {
            __m256 error = q4_error(&src, round_to_half(candidates[c], &half), &codes);
            __m256 better = _mm256_and_ps(_mm256_cmp_ps(error, best_error, _CMP_LT_OQ), searching);
            best_error = _mm256_blendv_ps(best_error, error, better);
            __m256i better32 = _mm256_castps_si256(better);
            __m128i better16 = _mm_packs_epi32(_mm256_castsi256_si128(better32), _mm256_extracti128_si256(better32, 1));
            best_half = _mm_blendv_epi8(best_half, half, better16);
            for (int j = 0; j < OK_BLOCK; j++) {
                best_codes.values[j] = _mm256_blendv_ps(best_codes.values[j], codes.values[j], better);
            }
        }
    }
    _mm_storeu_si128((__m128i *)scales, best_half);
    // Codes back to each block's row: two nibbles of code + 8 a byte, elements j and j + 16.
    int32_t offset_codes[OK_BLOCK][8];
    for (int j = 0; j < OK_BLOCK; j++) {
        __m256i code = _mm256_add_epi32(_mm256_cvttps_epi32(best_codes.values[j]), _mm256_set1_epi32(8));
        _mm256_storeu_si256((__m256i *)offset_codes[j], code);
    }
    for (int k = 0; k < 8; k++) {
        uint8_t *out = q + k * (OK_BLOCK / 2);
        for (int j = 0; j < OK_BLOCK / 2; j++) {
            out[j] = (uint8_t)(offset_codes[j][k] | offset_codes[j + OK_BLOCK / 2][k] << 4);
        }
    }
}

OK_TARGET
void ok_avx2_quantize_q4(const float *w, int64_t rows, int64_t in, uint8_t *q, uint16_t *scales) {
    int64_t blocks = rows * (in / OK_BLOCK), b = 0;
    for (; b + 8 <= blocks; b += 8) {
        quantize_eight_blocks(w + b * OK_BLOCK, q + b * (OK_BLOCK / 2), scales + b);
    }
    // The last few blocks (fewer than eight) one at a time, by the scalar search.
    if (b < blocks) ok_portable_quantize_q4(w + b * OK_BLOCK, blocks - b, OK_BLOCK, q + b * (OK_BLOCK / 2), scales + b);
}
#endif
