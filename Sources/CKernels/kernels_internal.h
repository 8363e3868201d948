// Shared between the kernel files; not part of the module's interface.
#ifndef OMNICHAT_KERNELS_INTERNAL_H
#define OMNICHAT_KERNELS_INTERNAL_H

#include "omnichat_kernels.h"
#include <string.h>

/// Activation rows that share one pass over a weight row.
#define OK_MAX_ROWS_PER_PASS 4

static inline float ok_bf16_to_f32(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

#if defined(OK_HAVE_AVX512_KERNELS)
#include <immintrin.h>

/// Sixteen bf16 values at p (lanes outside m read as zero) widened to float32.
static inline __attribute__((always_inline, target("avx512f,avx512bw,avx512vl"))) __m512
ok_load_bf16_masked(const uint16_t *p, __mmask16 m) {
    __m512i wide = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, p));
    return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
}
#endif

#endif
