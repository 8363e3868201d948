// Matrix-matrix product for prefill with bfloat16 weights and bfloat16 activations, on the CPU's
// bf16 dot-product instruction (AVX512_BF16 vdpbf16ps: 32 bf16 products summed pairwise into 16
// float lanes per instruction, twice the multiply rate of float32 FMA). Compiled with per-function
// target attributes and called only when the CPU has the instruction (see dispatch.c).
//
// Layout of the work: output rows in blocks whose weights stay in L2; inside a block, tiles of
// 4 output rows x 4 activation rows (16 accumulators in registers), so every weight load feeds four
// activation rows and every activation load four output rows. Both operands are read along the
// input dimension, which is how both are stored, so nothing is repacked.
#include "kernels_internal.h"

#if defined(OK_HAVE_X86_KERNELS)
#include <immintrin.h>

#define OK_BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))
#define OK_BF16_INLINE static inline __attribute__((always_inline)) OK_BF16_TARGET
/// Bytes of weights per output block: half of this machine's 1 MB L2 per core.
#define OK_BLOCK_BYTES (512 * 1024)

OK_BF16_INLINE __m512bh load_pairs(const uint16_t *p) { return (__m512bh)_mm512_loadu_si512(p); }
OK_BF16_INLINE __m512bh load_pairs_tail(const uint16_t *p, __mmask32 m) {
    return (__m512bh)_mm512_maskz_loadu_epi16(m, p);
}

/// y[r][o] for NO output rows (weights w, rows `in` apart) and NR activation rows (x, rows `in`
/// apart). NO and NR are constants at every call, so the loops unroll into registers.
OK_BF16_INLINE void tile(const int NO, const int NR, const uint16_t *x, int64_t in, const uint16_t *w,
                         float *y, int64_t ldy) {
    __m512 acc[4][4];
    for (int o = 0; o < NO; o++)
        for (int r = 0; r < NR; r++) acc[o][r] = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= in; i += 32) {
        __m512bh wv[4];
        for (int o = 0; o < NO; o++) wv[o] = load_pairs(w + o * in + i);
        for (int r = 0; r < NR; r++) {
            __m512bh xv = load_pairs(x + r * in + i);
            for (int o = 0; o < NO; o++) acc[o][r] = _mm512_dpbf16_ps(acc[o][r], wv[o], xv);
        }
    }
    if (i < in) {
        __mmask32 m = (__mmask32)((1ull << (in - i)) - 1);
        __m512bh wv[4];
        for (int o = 0; o < NO; o++) wv[o] = load_pairs_tail(w + o * in + i, m);
        for (int r = 0; r < NR; r++) {
            __m512bh xv = load_pairs_tail(x + r * in + i, m);
            for (int o = 0; o < NO; o++) acc[o][r] = _mm512_dpbf16_ps(acc[o][r], wv[o], xv);
        }
    }
    for (int o = 0; o < NO; o++)
        for (int r = 0; r < NR; r++) y[r * ldy + o] = _mm512_reduce_add_ps(acc[o][r]);
}

OK_BF16_TARGET void ok_avx512bf16_gemm_bf16(const uint16_t *x, int rows, int64_t in, const uint16_t *w,
                                            int64_t o0, int64_t o1, float *y, int64_t ldy) {
    int64_t block = OK_BLOCK_BYTES / (in * 2);
    block = block < 4 ? 4 : block & ~(int64_t)3;
    for (int64_t b = o0; b < o1; b += block) {
        int64_t end = b + block < o1 ? b + block : o1;
        for (int r0 = 0; r0 < rows; r0 += 4) {
            int nr = rows - r0 < 4 ? rows - r0 : 4;
            const uint16_t *xr = x + (int64_t)r0 * in;
            float *yr = y + (int64_t)r0 * ldy;
            int64_t o = b;
            for (; o + 4 <= end; o += 4) {
                const uint16_t *wo = w + o * in;
                switch (nr) {
                case 1: tile(4, 1, xr, in, wo, yr + o, ldy); break;
                case 2: tile(4, 2, xr, in, wo, yr + o, ldy); break;
                case 3: tile(4, 3, xr, in, wo, yr + o, ldy); break;
                default: tile(4, 4, xr, in, wo, yr + o, ldy); break;
                }
            }
            for (; o < end; o++) {
                const uint16_t *wo = w + o * in;
                switch (nr) {
                case 1: tile(1, 1, xr, in, wo, yr + o, ldy); break;
                case 2: tile(1, 2, xr, in, wo, yr + o, ldy); break;
                case 3: tile(1, 3, xr, in, wo, yr + o, ldy); break;
                default: tile(1, 4, xr, in, wo, yr + o, ldy); break;
                }
            }
        }
    }
}

// MARK: decode steps

/// ok_f32_to_bf16_split sixteen floats a step (the instruction rounds to nearest even, as the
/// portable code does).
OK_BF16_TARGET void ok_avx512bf16_f32_to_bf16_split(const float *src, uint16_t *high, uint16_t *low, int64_t count) {
    for (int64_t i = 0; i < count; i += 16) {
        __mmask16 m = count - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (count - i)) - 1);
        __m512 x = _mm512_maskz_loadu_ps(m, src + i);
        __m256bh l, h = ok_split_bf16(x, &l);
        _mm256_mask_storeu_epi16(high + i, m, (__m256i)h);
        _mm256_mask_storeu_epi16(low + i, m, (__m256i)l);
    }
}

/// y[r] for one weight row and R activation rows split into bf16 halves: per 64 inputs, two
/// weight loads feed four dot products per row (high and low halves, two independent chains each,
/// so the instruction's latency is hidden).
OK_BF16_INLINE void split_rows(const int R, const uint16_t *high, const uint16_t *low, int64_t in,
                               const uint16_t *w, float *out) {
    __m512 acc[OK_MAX_ROWS_PER_PASS][4];
    for (int r = 0; r < R; r++)
        for (int k = 0; k < 4; k++) acc[r][k] = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 64 <= in; i += 64) {
        __m512bh w0 = load_pairs(w + i), w1 = load_pairs(w + i + 32);
        for (int r = 0; r < R; r++) {
            const uint16_t *h = high + r * in + i, *l = low + r * in + i;
            acc[r][0] = _mm512_dpbf16_ps(acc[r][0], w0, load_pairs(h));
            acc[r][1] = _mm512_dpbf16_ps(acc[r][1], w0, load_pairs(l));
            acc[r][2] = _mm512_dpbf16_ps(acc[r][2], w1, load_pairs(h + 32));
            acc[r][3] = _mm512_dpbf16_ps(acc[r][3], w1, load_pairs(l + 32));
        }
    }
    for (; i < in; i += 32) {
        __mmask32 m = in - i >= 32 ? (__mmask32)0xffffffffu : (__mmask32)((1ull << (in - i)) - 1);
        __m512bh w0 = load_pairs_tail(w + i, m);
        for (int r = 0; r < R; r++) {
            acc[r][0] = _mm512_dpbf16_ps(acc[r][0], w0, load_pairs_tail(high + r * in + i, m));
            acc[r][1] = _mm512_dpbf16_ps(acc[r][1], w0, load_pairs_tail(low + r * in + i, m));
        }
    }
    for (int r = 0; r < R; r++)
        out[r] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc[r][0], acc[r][1]), _mm512_add_ps(acc[r][2], acc[r][3])));
}

OK_BF16_TARGET void ok_avx512bf16_matvec_bf16_split(const uint16_t *high, const uint16_t *low, int rows, int64_t in,
                                                    const uint16_t *w, int64_t o0, int64_t o1, float *y, int64_t ldy) {
    OK_EACH_TILE_AND_ROW_GROUP(o0, o1, rows, y, ldy, split_rows, high + (int64_t)r0 * in, low + (int64_t)r0 * in, in,
                               w + o * in, sums);
}

#endif
