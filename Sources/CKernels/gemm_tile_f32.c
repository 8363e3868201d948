// The register tile of the blocked float32 matrix product behind the convolutions and the VQGAN's
// spatial attention (TensorMath's blockedProduct packs B into k-major panels of
// OK_PANEL_WIDTH columns and calls this for every tile of up to OK_TILE_ROWS rows of A):
// C[r][j] += sum_k A[r][k] * panel[k][j]. One panel row is one 512-bit vector; each row of A
// adds a broadcast multiply-add into its own accumulator, so a tile is eight independent chains.
#include "kernels_internal.h"

void ok_portable_gemm_tile_f32(int rows, int columns, int64_t k_count, const float *a, int64_t lda,
                               const float *panel, float *c, int64_t ldc) {
    float acc[OK_TILE_ROWS][OK_PANEL_WIDTH] = {{0}};
    for (int64_t k = 0; k < k_count; k++) {
        const float *b = panel + k * OK_PANEL_WIDTH;
        for (int r = 0; r < rows; r++) {
            float x = a[r * lda + k];
            for (int j = 0; j < OK_PANEL_WIDTH; j++) acc[r][j] += x * b[j];
        }
    }
    for (int r = 0; r < rows; r++) {
        for (int j = 0; j < columns; j++) c[r * ldc + j] += acc[r][j];
    }
}

#if defined(OK_HAVE_X86_KERNELS)
#include <immintrin.h>

#define OK_TILE_TARGET __attribute__((target("avx512f,fma")))

/// R rows of A (a constant at every call, so the row loop unrolls into registers).
static inline __attribute__((always_inline)) OK_TILE_TARGET void tile_rows(
    const int R, int columns, int64_t k_count, const float *a, int64_t lda, const float *panel, float *c, int64_t ldc) {
    __m512 acc[OK_TILE_ROWS];
    for (int r = 0; r < R; r++) acc[r] = _mm512_setzero_ps();
    for (int64_t k = 0; k < k_count; k++) {
        __m512 b = _mm512_loadu_ps(panel + k * OK_PANEL_WIDTH);
        for (int r = 0; r < R; r++) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(a[r * lda + k]), b, acc[r]);
    }
    __mmask16 m = columns >= OK_PANEL_WIDTH ? (__mmask16)0xffff : (__mmask16)((1u << columns) - 1);
    for (int r = 0; r < R; r++) {
        float *out = c + r * ldc;
        _mm512_mask_storeu_ps(out, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, out), acc[r]));
    }
}

OK_TILE_TARGET void ok_avx512_gemm_tile_f32(int rows, int columns, int64_t k_count, const float *a, int64_t lda,
                                            const float *panel, float *c, int64_t ldc) {
    switch (rows) {
    case 1: tile_rows(1, columns, k_count, a, lda, panel, c, ldc); break;
    case 2: tile_rows(2, columns, k_count, a, lda, panel, c, ldc); break;
    case 3: tile_rows(3, columns, k_count, a, lda, panel, c, ldc); break;
    case 4: tile_rows(4, columns, k_count, a, lda, panel, c, ldc); break;
    case 5: tile_rows(5, columns, k_count, a, lda, panel, c, ldc); break;
    case 6: tile_rows(6, columns, k_count, a, lda, panel, c, ldc); break;
    case 7: tile_rows(7, columns, k_count, a, lda, panel, c, ldc); break;
    default: tile_rows(8, columns, k_count, a, lda, panel, c, ldc); break;
    }
}

/// The AVX2 tile: a panel row is two 256-bit vectors, so at most six rows of A (twelve
/// accumulators) fit the sixteen registers at once; seven or eight rows take two passes.
#define OK_AVX2_TILE_TARGET __attribute__((target("avx2,fma")))

static inline __attribute__((always_inline)) OK_AVX2_TILE_TARGET void avx2_tile_rows(
    const int R, int columns, int64_t k_count, const float *a, int64_t lda, const float *panel, float *c, int64_t ldc) {
    __m256 lo[6], hi[6];
    for (int r = 0; r < R; r++) { lo[r] = _mm256_setzero_ps(); hi[r] = _mm256_setzero_ps(); }
    for (int64_t k = 0; k < k_count; k++) {
        __m256 b0 = _mm256_loadu_ps(panel + k * OK_PANEL_WIDTH), b1 = _mm256_loadu_ps(panel + k * OK_PANEL_WIDTH + 8);
        for (int r = 0; r < R; r++) {
            __m256 x = _mm256_broadcast_ss(a + r * lda + k);
            lo[r] = _mm256_fmadd_ps(x, b0, lo[r]);
            hi[r] = _mm256_fmadd_ps(x, b1, hi[r]);
        }
    }
    for (int r = 0; r < R; r++) {
        float sums[OK_PANEL_WIDTH];
        _mm256_storeu_ps(sums, lo[r]);
        _mm256_storeu_ps(sums + 8, hi[r]);
        float *out = c + r * ldc;
        for (int j = 0; j < columns; j++) out[j] += sums[j];
    }
}

OK_AVX2_TILE_TARGET void ok_avx2_gemm_tile_f32(int rows, int columns, int64_t k_count, const float *a, int64_t lda,
                                               const float *panel, float *c, int64_t ldc) {
    switch (rows) {
    case 1: avx2_tile_rows(1, columns, k_count, a, lda, panel, c, ldc); break;
    case 2: avx2_tile_rows(2, columns, k_count, a, lda, panel, c, ldc); break;
    case 3: avx2_tile_rows(3, columns, k_count, a, lda, panel, c, ldc); break;
    case 4: avx2_tile_rows(4, columns, k_count, a, lda, panel, c, ldc); break;
    case 5: avx2_tile_rows(5, columns, k_count, a, lda, panel, c, ldc); break;
    case 6: avx2_tile_rows(6, columns, k_count, a, lda, panel, c, ldc); break;
    case 7:
        avx2_tile_rows(4, columns, k_count, a, lda, panel, c, ldc);
        avx2_tile_rows(3, columns, k_count, a + 4 * lda, lda, panel, c + 4 * ldc, ldc);
        break;
    default:
        avx2_tile_rows(4, columns, k_count, a, lda, panel, c, ldc);
        avx2_tile_rows(4, columns, k_count, a + 4 * lda, lda, panel, c + 4 * ldc, ldc);
        break;
    }
}
#endif
