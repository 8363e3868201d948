// Portable matrix-vector kernels: plain C that the compiler vectorizes for the baseline target.
// They define the results the AVX-512 kernels must reproduce (up to float summation order).
#include "kernels_internal.h"

void ok_portable_matvec_f32(const float *x, int rows, int64_t in, const float *w, int64_t o0, int64_t o1,
                            float *y, int64_t ldy) {
    for (int64_t o = o0; o < o1; o++) {
        const float *row = w + o * in;
        for (int r = 0; r < rows; r++) {
            const float *xr = x + (int64_t)r * in;
            float sum = 0;
            for (int64_t i = 0; i < in; i++) sum += xr[i] * row[i];
            y[r * ldy + o] = sum;
        }
    }
}

void ok_portable_matvec_bf16(const float *x, int rows, int64_t in, const uint16_t *w, int64_t o0, int64_t o1,
                             float *y, int64_t ldy) {
    float widened[256];
    for (int64_t o = o0; o < o1; o++) {
        const uint16_t *row = w + o * in;
        float sums[OK_MAX_ROWS_PER_PASS] = {0};
        for (int r0 = 0; r0 < rows; r0 += OK_MAX_ROWS_PER_PASS) {
            int count = rows - r0 < OK_MAX_ROWS_PER_PASS ? rows - r0 : OK_MAX_ROWS_PER_PASS;
            for (int r = 0; r < count; r++) sums[r] = 0;
            for (int64_t i0 = 0; i0 < in; i0 += 256) {
                int64_t n = in - i0 < 256 ? in - i0 : 256;
                for (int64_t i = 0; i < n; i++) widened[i] = ok_bf16_to_f32(row[i0 + i]);
                for (int r = 0; r < count; r++) {
                    const float *xr = x + (int64_t)(r0 + r) * in + i0;
                    float sum = 0;
                    for (int64_t i = 0; i < n; i++) sum += xr[i] * widened[i];
                    sums[r] += sum;
                }
            }
            for (int r = 0; r < count; r++) y[(r0 + r) * ldy + o] = sums[r];
        }
    }
}

/// Shared by q8 and q4: `unpack` writes block b of row o as 32 unsigned values (offset by `offset`).
static void block_matvec(ok_quantized_activations a, int rows, int64_t in, const uint16_t *scales,
                         int64_t o0, int64_t o1, float *y, int64_t ldy, float offset,
                         void (*unpack)(const uint8_t *q, int64_t in, int64_t o, int64_t b, uint8_t *out),
                         const uint8_t *q) {
    int64_t blocks = in / OK_BLOCK;
    uint8_t values[OK_BLOCK];
    for (int64_t o = o0; o < o1; o++) {
        for (int r = 0; r < rows; r++) {
            const int8_t *xr = a.values + (int64_t)r * in;
            const float *xs = a.scales + (int64_t)r * blocks, *xss = a.scaled_sums + (int64_t)r * blocks;
            float sum = 0, correction = 0;
            for (int64_t b = 0; b < blocks; b++) {
                unpack(q, in, o, b, values);
                int dot = 0;
                for (int j = 0; j < OK_BLOCK; j++) dot += (int)values[j] * xr[b * OK_BLOCK + j];
                float d = ok_f16_to_f32(scales[o * blocks + b]);
                sum += d * xs[b] * (float)dot;
                correction += d * xss[b];
            }
            y[r * ldy + o] = sum - offset * correction;
        }
    }
}

static void unpack_q8(const uint8_t *q, int64_t in, int64_t o, int64_t b, uint8_t *out) {
    const uint8_t *src = q + o * in + b * OK_BLOCK;
    for (int j = 0; j < OK_BLOCK; j++) out[j] = src[j];
}

static void unpack_q4(const uint8_t *q, int64_t in, int64_t o, int64_t b, uint8_t *out) {
    const uint8_t *src = q + o * (in / 2) + b * (OK_BLOCK / 2);
    for (int j = 0; j < OK_BLOCK / 2; j++) {
        out[j] = src[j] & 0x0f;
        out[j + OK_BLOCK / 2] = src[j] >> 4;
    }
}

void ok_portable_matvec_q8(ok_quantized_activations a, int rows, int64_t in, const uint8_t *q,
                           const uint16_t *scales, int64_t o0, int64_t o1, float *y, int64_t ldy) {
    block_matvec(a, rows, in, scales, o0, o1, y, ldy, 128.0f, unpack_q8, q);
}

void ok_portable_matvec_q4(ok_quantized_activations a, int rows, int64_t in, const uint8_t *q,
                           const uint16_t *scales, int64_t o0, int64_t o1, float *y, int64_t ldy) {
    block_matvec(a, rows, in, scales, o0, o1, y, ldy, 8.0f, unpack_q4, q);
}

void ok_portable_gemm_bf16(const uint16_t *x, int rows, int64_t in, const uint16_t *w, int64_t o0, int64_t o1,
                           float *y, int64_t ldy) {
    for (int64_t o = o0; o < o1; o++) {
        const uint16_t *row = w + o * in;
        for (int r = 0; r < rows; r++) {
            const uint16_t *xr = x + (int64_t)r * in;
            float sum = 0;
            for (int64_t i = 0; i < in; i++) sum += ok_bf16_to_f32(xr[i]) * ok_bf16_to_f32(row[i]);
            y[r * ldy + o] = sum;
        }
    }
}

void ok_portable_matvec_bf16_split(const uint16_t *high, const uint16_t *low, int rows, int64_t in,
                                   const uint16_t *w, int64_t o0, int64_t o1, float *y, int64_t ldy) {
    for (int64_t o = o0; o < o1; o++) {
        const uint16_t *row = w + o * in;
        for (int r = 0; r < rows; r++) {
            const uint16_t *hr = high + (int64_t)r * in, *lr = low + (int64_t)r * in;
            float sum = 0;
            for (int64_t i = 0; i < in; i++) {
                float wi = ok_bf16_to_f32(row[i]);
                sum += wi * ok_bf16_to_f32(hr[i]) + wi * ok_bf16_to_f32(lr[i]);
            }
            y[r * ldy + o] = sum;
        }
    }
}
