// Matrix-vector kernels for weights stored as float32, bfloat16, 8-bit or 4-bit blocks.
//
// Every kernel computes y[r * ldy + o] = sum_i x_r[i] * W[o][i] for output rows o in [o0, o1)
// and activation rows r in [0, rows): the product a PyTorch Linear layer computes, with W in
// its (out, in) layout. Callers split [0, out) between threads. Up to four activation rows share
// each pass over a weight row, so guidance rows cost one read of the weights.
//
// Each kernel has a portable C version and faster ones for CPUs with AVX2 or AVX-512 (F, BW, VL,
// VNNI); the choice is made once at load time (see ok_kernel_level), so one binary runs anywhere.
//
// Block formats (32 weights per block along the input dimension; `in` must be a multiple of 32):
//   q8: one byte per weight, stored as q + 128 with q = round(w / d) in [-127, 127], d = max|w| / 127
//   q4: 16 bytes per block, byte j holds element j (low nibble) and element j + 16 (high nibble),
//       stored as q + 8 with q = round(w / d) clamped to [-8, 7], d = (the w of largest magnitude) / -8
//   Each block has its scale d as an IEEE half float.
// Activations for q8/q4 are quantized per block of 32 to int8 (ok_quantize_activations), so the
// inner loop is an integer dot product.
#ifndef OMNICHAT_KERNELS_H
#define OMNICHAT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Weights per quantization block.
#define OK_BLOCK 32

/// A hint to the CPU inside a spin-wait loop (PAUSE on x86).
static inline void ok_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/// Which implementation the kernels use: 0 portable C, 1 AVX2 with FMA and F16C, 2 AVX-512 with
/// VNNI, 3 that plus the bf16 dot-product instruction (AVX512_BF16), which the prefill product of
/// bf16 weights uses, 4 that plus the matrix unit (AMX-BF16), which then runs that product.
int ok_kernel_level(void);
/// The best level this CPU supports.
int ok_best_kernel_level(void);
/// Forces a level (clamped to what the CPU supports); for tests and benchmarks.
void ok_set_kernel_level(int level);

/// Memory for a weight matrix: 64-byte aligned; from 2 MB up, 2 MB aligned and advised for
/// transparent huge pages (unless OMNICHAT_HUGEPAGES=off). NULL when memory is exhausted.
void *ok_allocate_weights(size_t bytes);
void ok_free_weights(void *memory);

/// float32 <-> bfloat16 (round to nearest even; NaN stays NaN).
void ok_f32_to_bf16(const float *src, uint16_t *dst, int64_t count);
/// bfloat16 -> float32, exact (the bits become the high half of each float).
void ok_bf16_to_f32_array(const uint16_t *src, float *dst, int64_t count);
/// Splits floats into two bf16 halves, high = bf16(x) and low = bf16(x - high), whose sum holds x
/// to about 16 significant bits (NaN and infinity go whole into `high`, with `low` 0).
void ok_f32_to_bf16_split(const float *src, uint16_t *high, uint16_t *low, int64_t count);
/// float32 <-> IEEE half (round to nearest even).
uint16_t ok_f32_to_f16(float value);
float ok_f16_to_f32(uint16_t bits);

/// Quantizes `rows` weight rows of `in` floats (in % 32 == 0) to q8: rows*in bytes, rows*in/32 scales.
void ok_quantize_q8(const float *w, int64_t rows, int64_t in, uint8_t *q, uint16_t *scales);
/// Quantizes to q4: rows*in/2 bytes, rows*in/32 scales.
void ok_quantize_q4(const float *w, int64_t rows, int64_t in, uint8_t *q, uint16_t *scales);
/// Dequantizes one q8 or q4 row back to floats (for tests and fidelity reports).
void ok_dequantize_q8_row(const uint8_t *q, const uint16_t *scales, int64_t in, float *out);
void ok_dequantize_q4_row(const uint8_t *q, const uint16_t *scales, int64_t in, float *out);

/// Activations prepared for the q8/q4 kernels: per row, `in` int8 values, and per block its scale
/// and its scale times the sum of its int8 values (the offset correction).
///
/// The AVX-512 q4 kernel reads four blocks (128 values, 64 weight bytes) a step and unpacks their
/// nibbles without shuffling: the low nibbles give the first 16 values of each of the four blocks,
/// the high nibbles their last 16. `grouped_values` holds the activations in that order (per row,
/// each whole group of four blocks as [first halves of blocks 0-3, second halves of blocks 0-3];
/// blocks past the last whole group as in `values`), and `quad_scales` each block's scale four
/// times (the int32 lanes its products land in), so the kernel loads both instead of shuffling.
typedef struct {
    int8_t *values;          // rows * in
    float *scales;           // rows * in / 32
    float *scaled_sums;      // rows * in / 32
    int8_t *grouped_values;  // rows * in
    float *quad_scales;      // rows * in / 32 * 4
} ok_quantized_activations;

/// Fills `values`, `scales` and `scaled_sums`, and with `for_q4` also `grouped_values` and
/// `quad_scales` (only the q4 kernels read them).
void ok_quantize_activations(const float *x, int rows, int64_t in, ok_quantized_activations a, int for_q4);

void ok_matvec_f32(const float *x, int rows, int64_t in, const float *w, int64_t o0, int64_t o1,
                   float *y, int64_t ldy);
void ok_matvec_bf16(const float *x, int rows, int64_t in, const uint16_t *w, int64_t o0, int64_t o1,
                    float *y, int64_t ldy);
void ok_matvec_q8(ok_quantized_activations a, int rows, int64_t in, const uint8_t *q,
                  const uint16_t *scales, int64_t o0, int64_t o1, float *y, int64_t ldy);
void ok_matvec_q4(ok_quantized_activations a, int rows, int64_t in, const uint8_t *q,
                  const uint16_t *scales, int64_t o0, int64_t o1, float *y, int64_t ldy);

/// The prefill product with bf16 weights *and* bf16 activations: y[r * ldy + o] = sum_i x[r][i] *
/// W[o][i] for o in [o0, o1), with x already rounded to bf16 (ok_f32_to_bf16), sums in float. On
/// level 3 it runs on the bf16 dot-product instruction in register tiles; elsewhere in portable C.
void ok_gemm_bf16(const uint16_t *x, int rows, int64_t in, const uint16_t *w, int64_t o0, int64_t o1,
                  float *y, int64_t ldy);

/// The prefill product of ok_gemm_bf16 on the matrix unit (level 4 only; a programmer error
/// elsewhere): `packed` holds x as ok_pack_bf16_pairs lays it out, `in` is a multiple of 32.
/// Outputs past the last whole 16 of [o0, o1) take the level-3 kernel, which reads `x`.
void ok_amx_gemm_bf16(const uint32_t *packed, const uint16_t *x, int rows, int64_t in, const uint16_t *w,
                      int64_t o0, int64_t o1, float *y, int64_t ldy);
/// Lays out bf16 activations x (rows × in, in a multiple of 32) for ok_amx_gemm_bf16: groups of 16
/// rows (the last padded with zero rows), each as in/32 tiles of 16 input pairs × 16 rows (pair k
/// of row r at tile[k * 16 + r]). Writes groups [group0, group1) of the (rows + 15) / 16, so
/// threads can share the work; `packed` holds (rows + 15) / 16 * 16 * in / 2 values.
void ok_pack_bf16_pairs(const uint16_t *x, int rows, int64_t in, int group0, int group1, uint32_t *packed);

/// The decode-step product with bf16 weights against activations split by ok_f32_to_bf16_split:
/// y[r * ldy + o] = sum_i (high[r][i] + low[r][i]) * W[o][i], for up to any number of rows (four
/// share each weight read). On level 3 each weight load feeds two bf16 dot products per row, so
/// the weights are never widened to float32; elsewhere in portable C.
void ok_matvec_bf16_split(const uint16_t *high, const uint16_t *low, int rows, int64_t in, const uint16_t *w,
                          int64_t o0, int64_t o1, float *y, int64_t ldy);

/// One query row of one attention head: scores[s] = (q · k_s) * scale for s < span (k_s at
/// keys + s * stride), softmax over them, out = sum_s p_s v_s (v_s at values + s * stride).
/// `scores` is scratch of `span` floats (the float32 kernels leave the probabilities there), `out`
/// hd floats.
void ok_attention_row(const float *q, int64_t hd, const float *keys, const float *values, int64_t stride,
                      int64_t span, float scale, float *scores, float *out);
/// The same with keys and values stored as bfloat16 (a KV cache at half the bytes). On level 3,
/// for head sizes that are multiples of 32, both products run on the bf16 dot-product
/// instruction with the query and the probabilities split into two bf16 parts (about 16
/// significant bits; attention_avx512bf16.c).
void ok_attention_row_bf16(const float *q, int64_t hd, const uint16_t *keys, const uint16_t *values, int64_t stride,
                           int64_t span, float scale, float *scores, float *out);

/// Columns of B in one packed panel of the blocked float32 product, and rows of A in one tile.
#define OK_PANEL_WIDTH 16
#define OK_TILE_ROWS 8

/// One register tile of the blocked float32 product: C[r * ldc + j] += sum over k < k_count of
/// a[r * lda + k] * panel[k * OK_PANEL_WIDTH + j], for r < rows (1...OK_TILE_ROWS) and
/// j < columns (1...OK_PANEL_WIDTH). The panel holds OK_PANEL_WIDTH floats per k (zeros past
/// `columns`).
void ok_gemm_tile_f32(int rows, int columns, int64_t k_count, const float *a, int64_t lda, const float *panel,
                      float *c, int64_t ldc);

// The implementations behind the calls above, for tests that compare them directly (the
// AVX2 ones only where ok_best_kernel_level() >= 1, the AVX-512 ones where it is >= 2).
void ok_portable_matvec_f32(const float *x, int rows, int64_t in, const float *w, int64_t o0, int64_t o1,
                            float *y, int64_t ldy);
void ok_portable_matvec_bf16(const float *x, int rows, int64_t in, const uint16_t *w, int64_t o0, int64_t o1,
                             float *y, int64_t ldy);
void ok_portable_matvec_q8(ok_quantized_activations a, int rows, int64_t in, const uint8_t *q,
                           const uint16_t *scales, int64_t o0, int64_t o1, float *y, int64_t ldy);
void ok_portable_matvec_q4(ok_quantized_activations a, int rows, int64_t in, const uint8_t *q,
                           const uint16_t *scales, int64_t o0, int64_t o1, float *y, int64_t ldy);
void ok_portable_attention_row(const float *q, int64_t hd, const float *keys, const float *values, int64_t stride,
                               int64_t span, float scale, float *scores, float *out);
void ok_portable_attention_row_bf16(const float *q, int64_t hd, const uint16_t *keys, const uint16_t *values,
                                    int64_t stride, int64_t span, float scale, float *scores, float *out);
void ok_portable_gemm_bf16(const uint16_t *x, int rows, int64_t in, const uint16_t *w, int64_t o0, int64_t o1,
                           float *y, int64_t ldy);
void ok_portable_matvec_bf16_split(const uint16_t *high, const uint16_t *low, int rows, int64_t in,
                                   const uint16_t *w, int64_t o0, int64_t o1, float *y, int64_t ldy);
void ok_portable_f32_to_bf16_split(const float *src, uint16_t *high, uint16_t *low, int64_t count);
void ok_portable_gemm_tile_f32(int rows, int columns, int64_t k_count, const float *a, int64_t lda,
                               const float *panel, float *c, int64_t ldc);
void ok_portable_quantize_q4(const float *w, int64_t rows, int64_t in, uint8_t *q, uint16_t *scales);

#if defined(__x86_64__)
#define OK_HAVE_X86_KERNELS 1
void ok_avx2_matvec_f32(const float *x, int rows, int64_t in, const float *w, int64_t o0, int64_t o1,
                        float *y, int64_t ldy);
void ok_avx2_matvec_bf16(const float *x, int rows, int64_t in, const uint16_t *w, int64_t o0, int64_t o1,
                         float *y, int64_t ldy);
void ok_avx2_matvec_q8(ok_quantized_activations a, int rows, int64_t in, const uint8_t *q,
                       const uint16_t *scales, int64_t o0, int64_t o1, float *y, int64_t ldy);
void ok_avx2_matvec_q4(ok_quantized_activations a, int rows, int64_t in, const uint8_t *q,
                       const uint16_t *scales, int64_t o0, int64_t o1, float *y, int64_t ldy);
void ok_avx2_attention_row(const float *q, int64_t hd, const float *keys, const float *values, int64_t stride,
                           int64_t span, float scale, float *scores, float *out);
void ok_avx2_attention_row_bf16(const float *q, int64_t hd, const uint16_t *keys, const uint16_t *values,
                                int64_t stride, int64_t span, float scale, float *scores, float *out);
void ok_avx2_gemm_tile_f32(int rows, int columns, int64_t k_count, const float *a, int64_t lda,
                           const float *panel, float *c, int64_t ldc);
/// The products of ok_matvec_f32 / ok_matvec_bf16 for many activation rows (a prefill chunk),
/// in register tiles of 3 output rows x 4 activation rows over blocks of weights kept in L2.
void ok_avx2_gemm_f32(const float *x, int rows, int64_t in, const float *w, int64_t o0, int64_t o1,
                      float *y, int64_t ldy);
void ok_avx2_gemm_bf16_weights(const float *x, int rows, int64_t in, const uint16_t *w, int64_t o0, int64_t o1,
                               float *y, int64_t ldy);
/// The same bytes as ok_portable_quantize_q4, eight lanes a step.
void ok_avx2_quantize_q4(const float *w, int64_t rows, int64_t in, uint8_t *q, uint16_t *scales);
void ok_avx512_matvec_f32(const float *x, int rows, int64_t in, const float *w, int64_t o0, int64_t o1,
                          float *y, int64_t ldy);
void ok_avx512_matvec_bf16(const float *x, int rows, int64_t in, const uint16_t *w, int64_t o0, int64_t o1,
                           float *y, int64_t ldy);
void ok_avx512_matvec_q8(ok_quantized_activations a, int rows, int64_t in, const uint8_t *q,
                         const uint16_t *scales, int64_t o0, int64_t o1, float *y, int64_t ldy);
void ok_avx512_matvec_q4(ok_quantized_activations a, int rows, int64_t in, const uint8_t *q,
                         const uint16_t *scales, int64_t o0, int64_t o1, float *y, int64_t ldy);
void ok_avx512_attention_row(const float *q, int64_t hd, const float *keys, const float *values, int64_t stride,
                             int64_t span, float scale, float *scores, float *out);
void ok_avx512_attention_row_bf16(const float *q, int64_t hd, const uint16_t *keys, const uint16_t *values,
                                  int64_t stride, int64_t span, float scale, float *scores, float *out);
void ok_avx512_gemm_tile_f32(int rows, int columns, int64_t k_count, const float *a, int64_t lda,
                             const float *panel, float *c, int64_t ldc);
/// The same bytes as ok_portable_quantize_q4, sixteen lanes a step.
void ok_avx512_quantize_q4(const float *w, int64_t rows, int64_t in, uint8_t *q, uint16_t *scales);
/// Only where ok_best_kernel_level() >= 3.
void ok_avx512bf16_f32_to_bf16_split(const float *src, uint16_t *high, uint16_t *low, int64_t count);
void ok_avx512bf16_matvec_bf16_split(const uint16_t *high, const uint16_t *low, int rows, int64_t in,
                                     const uint16_t *w, int64_t o0, int64_t o1, float *y, int64_t ldy);
void ok_avx512bf16_gemm_bf16(const uint16_t *x, int rows, int64_t in, const uint16_t *w, int64_t o0, int64_t o1,
                             float *y, int64_t ldy);
void ok_avx512bf16_attention_row_bf16(const float *q, int64_t hd, const uint16_t *keys, const uint16_t *values,
                                      int64_t stride, int64_t span, float scale, float *scores, float *out);
#endif

#ifdef __cplusplus
}
#endif

#endif
