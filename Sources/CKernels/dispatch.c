// Chooses the kernel implementation once, from what the CPU supports, and routes every call.
// Levels: 0 portable C, 1 AVX2 with FMA and F16C, 2 AVX-512 (F, BW, VL, DQ, VNNI), 3 that plus the
// bf16 dot product (AVX512_BF16), 4 that plus the matrix unit (AMX-BF16, once Linux grants this
// process the tile state). OMNICHAT_KERNELS=portable, avx2, avx512 or avx512bf16 in the
// environment caps the level (for comparisons). At the AVX2 level, products with more activation rows than one
// pass shares (prefill chunks) take the register-tiled matrix-matrix kernels.
#include "kernels_internal.h"

#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

static int best_level = -1;
static int current_level = 0;

/// Asks Linux for the AMX tile data state (arch_prctl ARCH_REQ_XCOMP_PERM for XFEATURE_XTILEDATA),
/// which a process must hold before its first tile instruction; false where it is refused.
static int tile_state_granted(void) {
#if defined(__linux__) && defined(SYS_arch_prctl)
    const int request_permission = 0x1023, tile_data = 18;
    return syscall(SYS_arch_prctl, request_permission, tile_data) == 0;
#else
    return 0;
#endif
}

static int detect(void) {
#if defined(OK_HAVE_X86_KERNELS)
    __builtin_cpu_init();
    if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c"))) return 0;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni") &&
        __builtin_cpu_supports("avx512dq")) {
        if (!__builtin_cpu_supports("avx512bf16")) return 2;
        return __builtin_cpu_supports("amx-tile") && __builtin_cpu_supports("amx-bf16") && tile_state_granted() ? 4 : 3;
    }
    return 1;
#endif
    return 0;
}

/// The level OMNICHAT_KERNELS caps the CPU's best at (the best itself when unset or unknown).
static int capped_level(int best) {
    const char *forced = getenv("OMNICHAT_KERNELS");
    int cap = best;
    if (forced && strcmp(forced, "portable") == 0) cap = 0;
    if (forced && strcmp(forced, "avx2") == 0) cap = 1;
    if (forced && strcmp(forced, "avx512") == 0) cap = 2;
    if (forced && strcmp(forced, "avx512bf16") == 0) cap = 3;
    return cap < best ? cap : best;
}

__attribute__((constructor)) static void choose_level(void) {
    best_level = detect();
    current_level = capped_level(best_level);
}

int ok_kernel_level(void) { return current_level; }
int ok_best_kernel_level(void) {
    if (best_level < 0) choose_level();
    return best_level;
}
void ok_set_kernel_level(int level) {
    int best = ok_best_kernel_level();
    current_level = level < 0 ? 0 : (level > best ? best : level);
}

void ok_matvec_f32(const float *x, int rows, int64_t in, const float *w, int64_t o0, int64_t o1,
                   float *y, int64_t ldy) {
#if defined(OK_HAVE_X86_KERNELS)
    if (current_level >= 2) { ok_avx512_matvec_f32(x, rows, in, w, o0, o1, y, ldy); return; }
    if (current_level >= 1 && rows > OK_MAX_ROWS_PER_PASS) { ok_avx2_gemm_f32(x, rows, in, w, o0, o1, y, ldy); return; }
    if (current_level >= 1) { ok_avx2_matvec_f32(x, rows, in, w, o0, o1, y, ldy); return; }
#endif
    ok_portable_matvec_f32(x, rows, in, w, o0, o1, y, ldy);
}

void ok_matvec_bf16(const float *x, int rows, int64_t in, const uint16_t *w, int64_t o0, int64_t o1,
                    float *y, int64_t ldy) {
#if defined(OK_HAVE_X86_KERNELS)
    if (current_level >= 2) { ok_avx512_matvec_bf16(x, rows, in, w, o0, o1, y, ldy); return; }
    if (current_level >= 1 && rows > OK_MAX_ROWS_PER_PASS) {
        ok_avx2_gemm_bf16_weights(x, rows, in, w, o0, o1, y, ldy);
        return;
    }
    if (current_level >= 1) { ok_avx2_matvec_bf16(x, rows, in, w, o0, o1, y, ldy); return; }
#endif
    ok_portable_matvec_bf16(x, rows, in, w, o0, o1, y, ldy);
}

void ok_matvec_q8(ok_quantized_activations a, int rows, int64_t in, const uint8_t *q,
                  const uint16_t *scales, int64_t o0, int64_t o1, float *y, int64_t ldy) {
#if defined(OK_HAVE_X86_KERNELS)
    if (current_level >= 2) { ok_avx512_matvec_q8(a, rows, in, q, scales, o0, o1, y, ldy); return; }
    if (current_level >= 1) { ok_avx2_matvec_q8(a, rows, in, q, scales, o0, o1, y, ldy); return; }
#endif
    ok_portable_matvec_q8(a, rows, in, q, scales, o0, o1, y, ldy);
}

void ok_matvec_q4(ok_quantized_activations a, int rows, int64_t in, const uint8_t *q,
                  const uint16_t *scales, int64_t o0, int64_t o1, float *y, int64_t ldy) {
#if defined(OK_HAVE_X86_KERNELS)
    if (current_level >= 2) { ok_avx512_matvec_q4(a, rows, in, q, scales, o0, o1, y, ldy); return; }
    if (current_level >= 1) { ok_avx2_matvec_q4(a, rows, in, q, scales, o0, o1, y, ldy); return; }
#endif
    ok_portable_matvec_q4(a, rows, in, q, scales, o0, o1, y, ldy);
}

void ok_gemm_bf16(const uint16_t *x, int rows, int64_t in, const uint16_t *w, int64_t o0, int64_t o1,
                  float *y, int64_t ldy) {
#if defined(OK_HAVE_X86_KERNELS)
    if (current_level >= 3) { ok_avx512bf16_gemm_bf16(x, rows, in, w, o0, o1, y, ldy); return; }
#endif
    ok_portable_gemm_bf16(x, rows, in, w, o0, o1, y, ldy);
}

void ok_f32_to_bf16_split(const float *src, uint16_t *high, uint16_t *low, int64_t count) {
#if defined(OK_HAVE_X86_KERNELS)
    if (current_level >= 3) { ok_avx512bf16_f32_to_bf16_split(src, high, low, count); return; }
#endif
    ok_portable_f32_to_bf16_split(src, high, low, count);
}

void ok_matvec_bf16_split(const uint16_t *high, const uint16_t *low, int rows, int64_t in, const uint16_t *w,
                          int64_t o0, int64_t o1, float *y, int64_t ldy) {
#if defined(OK_HAVE_X86_KERNELS)
    if (current_level >= 3) { ok_avx512bf16_matvec_bf16_split(high, low, rows, in, w, o0, o1, y, ldy); return; }
#endif
    ok_portable_matvec_bf16_split(high, low, rows, in, w, o0, o1, y, ldy);
}

void ok_gemm_tile_f32(int rows, int columns, int64_t k_count, const float *a, int64_t lda, const float *panel,
                      float *c, int64_t ldc) {
#if defined(OK_HAVE_X86_KERNELS)
    if (current_level >= 2) { ok_avx512_gemm_tile_f32(rows, columns, k_count, a, lda, panel, c, ldc); return; }
    if (current_level >= 1) { ok_avx2_gemm_tile_f32(rows, columns, k_count, a, lda, panel, c, ldc); return; }
#endif
    ok_portable_gemm_tile_f32(rows, columns, k_count, a, lda, panel, c, ldc);
}

void ok_attention_row(const float *q, int64_t hd, const float *keys, const float *values, int64_t stride,
                      int64_t span, float scale, float *scores, float *out) {
#if defined(OK_HAVE_X86_KERNELS)
    if (current_level >= 2) { ok_avx512_attention_row(q, hd, keys, values, stride, span, scale, scores, out); return; }
    if (current_level >= 1) { ok_avx2_attention_row(q, hd, keys, values, stride, span, scale, scores, out); return; }
#endif
    ok_portable_attention_row(q, hd, keys, values, stride, span, scale, scores, out);
}

void ok_attention_row_bf16(const float *q, int64_t hd, const uint16_t *keys, const uint16_t *values, int64_t stride,
                           int64_t span, float scale, float *scores, float *out) {
#if defined(OK_HAVE_X86_KERNELS)
    if (current_level >= 3) {
        ok_avx512bf16_attention_row_bf16(q, hd, keys, values, stride, span, scale, scores, out);
        return;
    }
    if (current_level >= 2) {
        ok_avx512_attention_row_bf16(q, hd, keys, values, stride, span, scale, scores, out);
        return;
    }
    if (current_level >= 1) {
        ok_avx2_attention_row_bf16(q, hd, keys, values, stride, span, scale, scores, out);
        return;
    }
#endif
    ok_portable_attention_row_bf16(q, hd, keys, values, stride, span, scale, scores, out);
}

void ok_quantize_q4(const float *w, int64_t rows, int64_t in, uint8_t *q, uint16_t *scales) {
#if defined(OK_HAVE_X86_KERNELS)
    if (current_level >= 2) { ok_avx512_quantize_q4(w, rows, in, q, scales); return; }
    if (current_level >= 1) { ok_avx2_quantize_q4(w, rows, in, q, scales); return; }
#endif
    ok_portable_quantize_q4(w, rows, in, q, scales);
}
