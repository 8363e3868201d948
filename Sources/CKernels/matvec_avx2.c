// AVX2 matrix-vector kernels (AVX2, FMA; F16C for the block scales), for x86-64 CPUs without
// AVX-512 (Zen 1-3, Intel before Ice Lake). Compiled with per-function target attributes and
// called only when the CPU has them (see dispatch.c).
//
// The same layout of work as the AVX-512 kernels: output rows in tiles of OK_TILE, activation
// rows in groups of up to four that share every weight load. Without VNNI, the q8/q4 integer
// dot products take vpmaddubsw (unsigned bytes times signed bytes, pairs summed to int16) and
// vpmaddwd (pairs of int16 summed to int32); no pair can overflow int16 here (see each format).
#include "kernels_internal.h"

#if defined(OK_HAVE_X86_KERNELS)
#include <immintrin.h>

#define OK_TARGET __attribute__((target("avx2,fma,f16c")))
/// How far ahead of the loads the matrix-vector kernels ask for weights. The hardware
/// prefetcher alone left these kernels at 66-81% of a plain streaming read on the Zen 3 (their
/// arithmetic between loads keeps fewer misses in flight than a bare sum does); a software
/// prefetch 4 KB ahead (across row ends: rows are contiguous) lifted bf16 to 87-95% and q8/q4
/// to 101-107% (tools/bench/matvec_stream_bench.c).
#define OK_PREFETCH_BYTES 4096
#define OK_PREFETCH(pointer) _mm_prefetch((const char *)(pointer) + OK_PREFETCH_BYTES, _MM_HINT_T0)
#define OK_INLINE static inline __attribute__((always_inline)) OK_TARGET

// MARK: float32 and bfloat16

/// Widened weights for 8 elements starting at i: f32 loads as is, bf16 is shifted into place.
OK_INLINE __m256 load_f32(const float *w, int64_t i) { return _mm256_loadu_ps(w + i); }
OK_INLINE __m256 load_bf16(const uint16_t *w, int64_t i) {
    __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(w + i)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
}
OK_INLINE float scalar_f32(const float *w, int64_t i) { return w[i]; }
OK_INLINE float scalar_bf16(const uint16_t *w, int64_t i) { return ok_bf16_to_f32(w[i]); }

/// Two accumulators per row (16 inputs a step) keep two FMA chains in flight per row; the last
/// `in % 8` inputs are added in scalar code.
#define OK_FLOAT_ROWS(NAME, WTYPE, LOAD, SCALAR)                                                     \
    OK_INLINE void NAME(const int R, const float *x, int64_t in, const WTYPE *w, float *out) {       \
        __m256 a0[OK_MAX_ROWS_PER_PASS], a1[OK_MAX_ROWS_PER_PASS];                                   \
        for (int r = 0; r < R; r++) { a0[r] = _mm256_setzero_ps(); a1[r] = _mm256_setzero_ps(); }    \
        int64_t i = 0;                                                                               \
        for (; i + 16 <= in; i += 16) {                                                              \
            OK_PREFETCH(w + i);                                                                      \
            __m256 w0 = LOAD(w, i), w1 = LOAD(w, i + 8);                                             \
            for (int r = 0; r < R; r++) {                                                            \
                a0[r] = _mm256_fmadd_ps(_mm256_loadu_ps(x + r * in + i), w0, a0[r]);                 \
                a1[r] = _mm256_fmadd_ps(_mm256_loadu_ps(x + r * in + i + 8), w1, a1[r]);             \
            }                                                                                        \
        }                                                                                            \
        for (; i + 8 <= in; i += 8) {                                                                \
            __m256 w0 = LOAD(w, i);                                                                  \
            for (int r = 0; r < R; r++) a0[r] = _mm256_fmadd_ps(_mm256_loadu_ps(x + r * in + i), w0, a0[r]); \
        }                                                                                            \
        for (int r = 0; r < R; r++) {                                                                \
            float sum = ok_sum8(_mm256_add_ps(a0[r], a1[r]));                                        \
            for (int64_t j = i; j < in; j++) sum += x[r * in + j] * SCALAR(w, j);                    \
            out[r] = sum;                                                                            \
        }                                                                                            \
    }

OK_FLOAT_ROWS(f32_rows, float, load_f32, scalar_f32)
OK_FLOAT_ROWS(bf16_rows, uint16_t, load_bf16, scalar_bf16)

#define OK_FLOAT_MATVEC(NAME, WTYPE, ROWS)                                                           \
    OK_TARGET void NAME(const float *x, int rows, int64_t in, const WTYPE *w, int64_t o0, int64_t o1, \
                        float *y, int64_t ldy) {                                                     \
        OK_EACH_TILE_AND_ROW_GROUP(o0, o1, rows, y, ldy, ROWS, x + (int64_t)r0 * in, in, w + o * in, sums); \
    }

OK_FLOAT_MATVEC(ok_avx2_matvec_f32, float, f32_rows)
OK_FLOAT_MATVEC(ok_avx2_matvec_bf16, uint16_t, bf16_rows)

// MARK: q8 and q4 blocks

/// Eight int32 lanes holding sums of four adjacent byte products u[k] * s[k] (|u[k] * s[k]| at most
/// 127 * 127 for q8, 15 * 127 for q4, so the int16 pair sums stay exact).
OK_INLINE __m256i dot_bytes(__m256i u, __m256i s) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

/// q8: the stored bytes are q + 128, q in [-127, 127]; flipping the top bit gives q as a signed
/// byte, and |q| times x with q's sign moved onto x is the unsigned-by-signed product the
/// instruction takes. So the sum is of q * x directly, without the offset correction.
OK_INLINE void q8_rows(const int R, ok_quantized_activations a, int r0, int64_t in, const uint8_t *q,
                       const uint16_t *scales, int64_t o, float *out) {
    int64_t blocks = in / OK_BLOCK;
    const uint8_t *row = q + o * in;
    const uint16_t *row_scales = scales + o * blocks;
    const __m256i top = _mm256_set1_epi8((char)0x80);
    __m256 acc[OK_MAX_ROWS_PER_PASS];
    for (int r = 0; r < R; r++) acc[r] = _mm256_setzero_ps();
    for (int64_t b = 0; b < blocks; b++) {
        OK_PREFETCH(row + b * OK_BLOCK);
        __m256i signed_q = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(row + b * OK_BLOCK)), top);
        __m256i magnitude = _mm256_abs_epi8(signed_q);
        float d = _cvtsh_ss(row_scales[b]);
        for (int r = 0; r < R; r++) {
            int64_t xb = (int64_t)(r0 + r) * blocks + b;
            __m256i xv = _mm256_loadu_si256((const __m256i *)(a.values + xb * OK_BLOCK));
            __m256i dot = dot_bytes(magnitude, _mm256_sign_epi8(xv, signed_q));
            acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_set1_ps(d * a.scales[xb]), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) out[r] = ok_sum8(acc[r]);
}

/// Sum over blocks of (weight scale x activation scaled sum), for the offset of the stored weights.
OK_INLINE float offset_correction(const uint16_t *row_scales, const float *scaled_sums, int64_t blocks) {
    __m256 acc = _mm256_setzero_ps();
    int64_t b = 0;
    for (; b + 8 <= blocks; b += 8) {
        __m256 d = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(row_scales + b)));
        acc = _mm256_fmadd_ps(d, _mm256_loadu_ps(scaled_sums + b), acc);
    }
    float sum = ok_sum8(acc);
    for (; b < blocks; b++) sum += _cvtsh_ss(row_scales[b]) * scaled_sums[b];
    return sum;
}

/// q4: stored nibbles are q + 8 in [0, 15]. Four blocks (64 bytes) a step against the grouped
/// activations (see ok_quantized_activations): the low nibbles of bytes 0-31 are the first halves
/// of blocks b and b+1, their high nibbles the second halves, so both products of a block land
/// in the same four int32 lanes; bytes 32-63 do the same for blocks b+2 and b+3. Blocks after the
/// last group of four are in natural order and take one block a step.
OK_INLINE void q4_rows(const int R, ok_quantized_activations a, int r0, int64_t in, const uint8_t *q,
                       const uint16_t *scales, int64_t o, float *out) {
    int64_t blocks = in / OK_BLOCK;
    const uint8_t *row = q + o * (in / 2);
    const uint16_t *row_scales = scales + o * blocks;
    const __m256i nibble = _mm256_set1_epi8(0x0f);
    const __m256i spread2 = _mm256_set_epi32(1, 1, 1, 1, 0, 0, 0, 0);
    const __m256i spread2_upper = _mm256_set_epi32(3, 3, 3, 3, 2, 2, 2, 2);
    __m256 acc[OK_MAX_ROWS_PER_PASS];
    for (int r = 0; r < R; r++) acc[r] = _mm256_setzero_ps();
    int64_t b = 0;
    for (; b + 4 <= blocks; b += 4) {
        OK_PREFETCH(row + b * (OK_BLOCK / 2));
        __m256i p0 = _mm256_loadu_si256((const __m256i *)(row + b * (OK_BLOCK / 2)));
        __m256i p1 = _mm256_loadu_si256((const __m256i *)(row + b * (OK_BLOCK / 2) + 32));
        __m256i first0 = _mm256_and_si256(p0, nibble), second0 = _mm256_and_si256(_mm256_srli_epi16(p0, 4), nibble);
        __m256i first1 = _mm256_and_si256(p1, nibble), second1 = _mm256_and_si256(_mm256_srli_epi16(p1, 4), nibble);
        __m256 four = _mm256_castps128_ps256(_mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)(row_scales + b))));
        __m256 d01 = _mm256_permutevar8x32_ps(four, spread2), d23 = _mm256_permutevar8x32_ps(four, spread2_upper);
        for (int r = 0; r < R; r++) {
            int64_t xb = (int64_t)(r0 + r) * blocks + b;
            const int8_t *xv = a.grouped_values + xb * OK_BLOCK;
            // The two halves' int16 pair sums add up to at most 2 * 2 * 15 * 127, still exact.
            __m256i pairs01 = _mm256_add_epi16(_mm256_maddubs_epi16(first0, _mm256_loadu_si256((const __m256i *)xv)),
                                               _mm256_maddubs_epi16(second0, _mm256_loadu_si256((const __m256i *)(xv + 64))));
            __m256i pairs23 = _mm256_add_epi16(_mm256_maddubs_epi16(first1, _mm256_loadu_si256((const __m256i *)(xv + 32))),
                                               _mm256_maddubs_epi16(second1, _mm256_loadu_si256((const __m256i *)(xv + 96))));
            __m256i ones = _mm256_set1_epi16(1);
            __m256 s01 = _mm256_loadu_ps(a.quad_scales + xb * 4), s23 = _mm256_loadu_ps(a.quad_scales + xb * 4 + 8);
            acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_madd_epi16(pairs01, ones)), _mm256_mul_ps(d01, s01), acc[r]);
            acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_madd_epi16(pairs23, ones)), _mm256_mul_ps(d23, s23), acc[r]);
        }
    }
    for (; b < blocks; b++) {
        __m128i packed = _mm_loadu_si128((const __m128i *)(row + b * (OK_BLOCK / 2)));
        __m128i low = _mm_and_si128(packed, _mm_set1_epi8(0x0f));
        __m128i high = _mm_and_si128(_mm_srli_epi16(packed, 4), _mm_set1_epi8(0x0f));
        __m256i weights = _mm256_inserti128_si256(_mm256_castsi128_si256(low), high, 1);
        float d = _cvtsh_ss(row_scales[b]);
        for (int r = 0; r < R; r++) {
            int64_t xb = (int64_t)(r0 + r) * blocks + b;
            __m256i xv = _mm256_loadu_si256((const __m256i *)(a.grouped_values + xb * OK_BLOCK));
            acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot_bytes(weights, xv)), _mm256_set1_ps(d * a.scales[xb]), acc[r]);
        }
    }
    for (int r = 0; r < R; r++) {
        const float *sums = a.scaled_sums + (int64_t)(r0 + r) * blocks;
        out[r] = ok_sum8(acc[r]) - 8.0f * offset_correction(row_scales, sums, blocks);
    }
}

#define OK_BLOCK_MATVEC(NAME, ROWS)                                                                  \
    OK_TARGET void NAME(ok_quantized_activations a, int rows, int64_t in, const uint8_t *q,          \
                        const uint16_t *scales, int64_t o0, int64_t o1, float *y, int64_t ldy) {     \
        OK_EACH_TILE_AND_ROW_GROUP(o0, o1, rows, y, ldy, ROWS, a, r0, in, q, scales, o, sums);       \
    }

OK_BLOCK_MATVEC(ok_avx2_matvec_q8, q8_rows)
OK_BLOCK_MATVEC(ok_avx2_matvec_q4, q4_rows)

// MARK: prefill (many activation rows)

/// Bytes of weights per output block of the prefill product: half of a Zen 2/3 core's 512 KB L2.
#define OK_AVX2_BLOCK_BYTES (256 * 1024)

/// y[r][o] for NO output rows and NR activation rows: twelve accumulators at most (3 x 4), so each
/// widened weight load feeds four rows and each activation load three outputs.
#define OK_GEMM_TILE(NAME, WTYPE, LOAD, SCALAR)                                                      \
    OK_INLINE void NAME(const int NO, const int NR, const float *x, int64_t in, const WTYPE *w,      \
                        float *y, int64_t ldy) {                                                     \
        __m256 acc[3][4];                                                                            \
        for (int o = 0; o < NO; o++)                                                                 \
            for (int r = 0; r < NR; r++) acc[o][r] = _mm256_setzero_ps();                            \
        int64_t i = 0;                                                                               \
        for (; i + 8 <= in; i += 8) {                                                                \
            __m256 wv[3];                                                                            \
            for (int o = 0; o < NO; o++) wv[o] = LOAD(w + o * in, i);                                \
            for (int r = 0; r < NR; r++) {                                                           \
                __m256 xv = _mm256_loadu_ps(x + r * in + i);                                         \
                for (int o = 0; o < NO; o++) acc[o][r] = _mm256_fmadd_ps(wv[o], xv, acc[o][r]);      \
            }                                                                                        \
        }                                                                                            \
        for (int o = 0; o < NO; o++)                                                                 \
            for (int r = 0; r < NR; r++) {                                                           \
                float sum = ok_sum8(acc[o][r]);                                                      \
                for (int64_t j = i; j < in; j++) sum += x[r * in + j] * SCALAR(w + o * in, j);       \
                y[r * ldy + o] = sum;                                                                \
            }                                                                                        \
    }

OK_GEMM_TILE(f32_tile, float, load_f32, scalar_f32)
OK_GEMM_TILE(bf16_tile, uint16_t, load_bf16, scalar_bf16)

/// TILE for NO output rows at o and the `nr` (1-4) activation rows of the group; NO and each row
/// count are constants at every expansion, so the tile's loops unroll into registers.
#define OK_TILE_FOR_ROWS(TILE, NO)                                                                   \
    switch (nr) {                                                                                    \
    case 1: TILE(NO, 1, xr, in, w + o * in, yr + o, ldy); break;                                     \
    case 2: TILE(NO, 2, xr, in, w + o * in, yr + o, ldy); break;                                     \
    case 3: TILE(NO, 3, xr, in, w + o * in, yr + o, ldy); break;                                     \
    default: TILE(NO, 4, xr, in, w + o * in, yr + o, ldy); break;                                    \
    }

/// Output rows in blocks whose weights stay in L2; inside a block, activation rows four at a
/// time against output rows three at a time. The same sums as the matrix-vector kernels, in
/// another order.
#define OK_GEMM(NAME, WTYPE, TILE)                                                                   \
    OK_TARGET void NAME(const float *x, int rows, int64_t in, const WTYPE *w, int64_t o0, int64_t o1, \
                        float *y, int64_t ldy) {                                                     \
        int64_t block = OK_AVX2_BLOCK_BYTES / (in * (int64_t)sizeof(WTYPE));                         \
        block = block < 3 ? 3 : block - block % 3;                                                   \
        for (int64_t b = o0; b < o1; b += block) {                                                   \
            int64_t end = b + block < o1 ? b + block : o1;                                           \
            for (int r0 = 0; r0 < rows; r0 += 4) {                                                   \
                int nr = rows - r0 < 4 ? rows - r0 : 4;                                              \
                const float *xr = x + (int64_t)r0 * in;                                              \
                float *yr = y + (int64_t)r0 * ldy;                                                   \
                int64_t o = b;                                                                       \
                for (; o + 3 <= end; o += 3) { OK_TILE_FOR_ROWS(TILE, 3) }                           \
                for (; o < end; o++) { OK_TILE_FOR_ROWS(TILE, 1) }                                   \
            }                                                                                        \
        }                                                                                            \
    }

OK_GEMM(ok_avx2_gemm_f32, float, f32_tile)
OK_GEMM(ok_avx2_gemm_bf16_weights, uint16_t, bf16_tile)

#endif
