// Number formats: bfloat16 and half conversions, weight quantization to q8/q4 blocks, and the
// per-call quantization of activations that the integer kernels multiply against.
#include "omnichat_kernels.h"

#include <math.h>
#include <string.h>

static uint32_t bits_of(float f) { uint32_t b; memcpy(&b, &f, 4); return b; }
static float float_of(uint32_t b) { float f; memcpy(&f, &b, 4); return f; }

void ok_f32_to_bf16(const float *src, uint16_t *dst, int64_t count) {
    for (int64_t i = 0; i < count; i++) {
        uint32_t b = bits_of(src[i]);
        if ((b & 0x7fffffff) > 0x7f800000) {          // NaN: keep it a (quiet) NaN
            dst[i] = (uint16_t)((b >> 16) | 0x40);
            continue;
        }
        uint32_t rounding = 0x7fff + ((b >> 16) & 1);  // round to nearest, ties to even
        dst[i] = (uint16_t)((b + rounding) >> 16);
    }
}

void ok_bf16_to_f32_array(const uint16_t *src, float *dst, int64_t count) {
    for (int64_t i = 0; i < count; i++) dst[i] = float_of((uint32_t)src[i] << 16);
}

void ok_portable_f32_to_bf16_split(const float *src, uint16_t *high, uint16_t *low, int64_t count) {
    ok_f32_to_bf16(src, high, count);
    for (int64_t i = 0; i < count; i++) {
        float rest = src[i] - float_of((uint32_t)high[i] << 16);  // exact: high is src with fewer bits
        if (!(rest == rest)) rest = 0;  // NaN or infinity in src: all of it in the high half
        ok_f32_to_bf16(&rest, &low[i], 1);
    }
}

uint16_t ok_f32_to_f16(float value) {
    uint32_t x = bits_of(value);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    uint32_t magnitude = x & 0x7fffffff;
    if (magnitude > 0x7f800000) return sign | 0x7e00;          // NaN
    if (magnitude >= 0x477ff000) return sign | 0x7c00;         // rounds beyond 65504: infinity
    if (magnitude < 0x38800000) {                               // below 2^-14: half subnormal or zero
        float scaled = float_of(magnitude) * 16777216.0f;       // in units of 2^-24, exact
        return sign | (uint16_t)lrintf(scaled);                  // ties to even; 1024 is the smallest normal
    }
    uint32_t h = ((magnitude >> 23) - 112) << 10 | ((magnitude >> 13) & 0x3ff);
    uint32_t rest = magnitude & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) h++;
    return sign | (uint16_t)h;
}

float ok_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
    if (exponent == 0) return float_of(bits_of((float)mantissa * (1.0f / 16777216.0f)) | sign);
    if (exponent == 31) return float_of(sign | 0x7f800000 | (mantissa << 13));
    return float_of(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

static int clamp_int(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

void ok_quantize_q8(const float *w, int64_t rows, int64_t in, uint8_t *q, uint16_t *scales) {
    int64_t blocks = rows * (in / OK_BLOCK);
    for (int64_t b = 0; b < blocks; b++) {
        const float *src = w + b * OK_BLOCK;
        float largest = 0;
        for (int j = 0; j < OK_BLOCK; j++) largest = fmaxf(largest, fabsf(src[j]));
        uint16_t half = ok_f32_to_f16(largest / 127.0f);
        float d = ok_f16_to_f32(half);
        float inverse = d > 0 ? 1.0f / d : 0.0f;
        scales[b] = half;
        for (int j = 0; j < OK_BLOCK; j++) {
            q[b * OK_BLOCK + j] = (uint8_t)(clamp_int((int)lrintf(src[j] * inverse), -127, 127) + 128);
        }
    }
}

// The q4 scale search below evaluates a block a dozen times, so it is written for the compiler's
// vectorizer: rounding by the 1.5 * 2^23 trick (round to nearest even, as lrintf, for the small
// clamped values here) and sums kept in 16 lanes (elements j and j + 16 in lane j) that are added in a
// fixed tree. The order of every float operation is spelled out, and contraction into fused
// multiply-adds is off, so every build and CPU gets the same bytes.
#pragma STDC FP_CONTRACT OFF

#define OK_LANES 16

/// Adds 16 lane sums in a fixed order (halves, then quarters, ...).
static inline __attribute__((always_inline)) float lane_total(float lanes[OK_LANES]) {
    for (int width = OK_LANES / 2; width >= 1; width /= 2) {
        for (int i = 0; i < width; i++) lanes[i] += lanes[i + width];
    }
    return lanes[0];
}

/// The q4 code (-8...7) of x, rounded to nearest even; NaN gets 0.
static inline __attribute__((always_inline)) float q4_code(float x) {
    const float round_magic = 12582912.0f;  // 1.5 * 2^23
    x = x < -8.0f ? -8.0f : x;
    x = x > 7.0f ? 7.0f : x;
    x = x == x ? x : 0.0f;
    return (x + round_magic) - round_magic;
}

/// Squared error of block `src` quantized to q4 with scale `d`, and its codes. Lane l sums
/// elements l and l + 16, so each step of the loop is independent (and vectorizes).
static inline __attribute__((always_inline)) float q4_error(const float *src, float d, float codes[OK_BLOCK]) {
    float inverse = d != 0 ? 1.0f / d : 0.0f;
    float lanes[OK_LANES];
    for (int l = 0; l < OK_LANES; l++) {
        float c0 = q4_code(src[l] * inverse), c1 = q4_code(src[l + OK_LANES] * inverse);
        codes[l] = c0;
        codes[l + OK_LANES] = c1;
        float e0 = src[l] - d * c0, e1 = src[l + OK_LANES] - d * c1;
        lanes[l] = e0 * e0 + e1 * e1;
    }
    return lane_total(lanes);
}

/// The least-squares scale for fixed codes: sum(w q) / sum(q q), or `fallback` when all codes are 0.
static inline __attribute__((always_inline)) float q4_refit(const float *src, const float codes[OK_BLOCK], float fallback) {
    float wq[OK_LANES], qq[OK_LANES];
    for (int l = 0; l < OK_LANES; l++) {
        wq[l] = src[l] * codes[l] + src[l + OK_LANES] * codes[l + OK_LANES];
        qq[l] = codes[l] * codes[l] + codes[l + OK_LANES] * codes[l + OK_LANES];
    }
    float den = lane_total(qq);
    return den > 0 ? lane_total(wq) / den : fallback;
}

static inline __attribute__((always_inline)) void quantize_q4_blocks(const float *w, int64_t rows, int64_t in, uint8_t *q,
                                                                     uint16_t *scales) {
    int64_t blocks = rows * (in / OK_BLOCK);
    for (int64_t b = 0; b < blocks; b++) {
        const float *src = w + b * OK_BLOCK;
        float extreme = 0;
        for (int j = 0; j < OK_BLOCK; j++) {
            if (fabsf(src[j]) > fabsf(extreme)) extreme = src[j];
        }
        // Sixteen levels are coarse, so the scale is chosen, not just derived: candidates around
        // extreme / -8, each followed by the least-squares scale for its codes, keeping the one
        // with the smallest error (as rounded to a half float, which is what is stored).
        float codes[OK_BLOCK], best_codes[OK_BLOCK];
        uint16_t best_half = ok_f32_to_f16(extreme / -8.0f);
        float best_error = q4_error(src, ok_f16_to_f32(best_half), best_codes);
        for (int step = -2; step <= 3 && extreme != 0; step++) {
            float d = extreme / (-8.0f + 0.25f * (float)step);
            q4_error(src, d, codes);
            float candidates[2] = {d, q4_refit(src, codes, d)};
            for (int c = 0; c < 2; c++) {
                uint16_t half = ok_f32_to_f16(candidates[c]);
                float error = q4_error(src, ok_f16_to_f32(half), codes);
                if (error < best_error) {
                    best_error = error;
                    best_half = half;
                    memcpy(best_codes, codes, sizeof codes);
                }
            }
        }
        scales[b] = best_half;
        uint8_t *out = q + b * (OK_BLOCK / 2);
        for (int j = 0; j < OK_BLOCK / 2; j++) {
            out[j] = (uint8_t)(((int)best_codes[j] + 8) | ((int)best_codes[j + OK_BLOCK / 2] + 8) << 4);
        }
    }
}

#if defined(OK_HAVE_X86_KERNELS)
/// The same search compiled for AVX-512 (16 lanes a step); the fixed order of operations makes
/// its bytes identical to the portable build's.
__attribute__((target("avx512f,avx512dq,avx512vl,avx512bw")))
void ok_avx512_quantize_q4(const float *w, int64_t rows, int64_t in, uint8_t *q, uint16_t *scales) {
    quantize_q4_blocks(w, rows, in, q, scales);
}

// The AVX2 version takes eight blocks at a time, one in each lane: quantize_q4_avx2.c.
#endif

void ok_portable_quantize_q4(const float *w, int64_t rows, int64_t in, uint8_t *q, uint16_t *scales) {
    quantize_q4_blocks(w, rows, in, q, scales);
}

void ok_dequantize_q8_row(const uint8_t *q, const uint16_t *scales, int64_t in, float *out) {
    for (int64_t i = 0; i < in; i++) out[i] = ok_f16_to_f32(scales[i / OK_BLOCK]) * ((int)q[i] - 128);
}

void ok_dequantize_q4_row(const uint8_t *q, const uint16_t *scales, int64_t in, float *out) {
    for (int64_t b = 0; b < in / OK_BLOCK; b++) {
        float d = ok_f16_to_f32(scales[b]);
        for (int j = 0; j < OK_BLOCK / 2; j++) {
            uint8_t byte = q[b * (OK_BLOCK / 2) + j];
            out[b * OK_BLOCK + j] = d * ((byte & 0x0f) - 8);
            out[b * OK_BLOCK + j + OK_BLOCK / 2] = d * ((byte >> 4) - 8);
        }
    }
}

/// Writes `grouped_values` and `quad_scales` from `values` and `scales` (see ok_quantized_activations).
static void group_for_q4(ok_quantized_activations a, int rows, int64_t in) {
    int64_t row_blocks = in / OK_BLOCK;
    for (int64_t b = 0; b < (int64_t)rows * row_blocks; b++) {
        for (int k = 0; k < 4; k++) a.quad_scales[b * 4 + k] = a.scales[b];
    }
    // Each whole group of four blocks as its blocks' first halves, then their second halves; the
    // blocks after the last whole group stay in order.
    for (int r = 0; r < rows; r++) {
        const int8_t *src = a.values + (int64_t)r * in;
        int8_t *dst = a.grouped_values + (int64_t)r * in;
        int64_t g = 0;
        for (; g + 4 <= row_blocks; g += 4) {
            for (int k = 0; k < 4; k++) {
                memcpy(dst + g * OK_BLOCK + k * 16, src + (g + k) * OK_BLOCK, 16);
                memcpy(dst + g * OK_BLOCK + 64 + k * 16, src + (g + k) * OK_BLOCK + 16, 16);
            }
        }
        memcpy(dst + g * OK_BLOCK, src + g * OK_BLOCK, (size_t)((row_blocks - g) * OK_BLOCK));
    }
}

void ok_quantize_activations(const float *x, int rows, int64_t in, ok_quantized_activations a, int for_q4) {
    int64_t blocks = (int64_t)rows * (in / OK_BLOCK);
    for (int64_t b = 0; b < blocks; b++) {
        const float *src = x + b * OK_BLOCK;
        float largest = 0;
        for (int j = 0; j < OK_BLOCK; j++) largest = fmaxf(largest, fabsf(src[j]));
        float d = largest / 127.0f;
        float inverse = d > 0 ? 1.0f / d : 0.0f;
        int sum = 0;
        for (int j = 0; j < OK_BLOCK; j++) {
            int v = clamp_int((int)lrintf(src[j] * inverse), -127, 127);
            a.values[b * OK_BLOCK + j] = (int8_t)v;
            sum += v;
        }
        a.scales[b] = d;
        a.scaled_sums[b] = d * (float)sum;
    }
    if (for_q4) group_for_q4(a, rows, in);
}
