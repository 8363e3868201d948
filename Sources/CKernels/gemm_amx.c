// Matrix-matrix product for prefill with bfloat16 weights and bfloat16 activations on the CPU's
// matrix unit (AMX-BF16: one TDPBF16PS multiplies a 16 x 32 tile of bf16 by a 32 x 16 one into
// 16 x 16 float sums, 8,192 multiply-adds per instruction, about eight times the rate of the
// AVX512_BF16 dot product). Compiled with per-function target attributes and called only when
// the CPU has the unit and Linux granted this process its tile state (see dispatch.c).
//
// The tiles hold C = W · Xᵀ: A is 16 weight rows (32 inputs of each, read in place from the
// weight matrix with its row stride), B is 16 activation rows in the pair-interleaved layout the
// instruction reads (ok_pack_bf16_pairs, once per product, shared by the threads), and each C
// tile is 16 outputs x 16 activation rows, written transposed into y. Two A and two B tiles feed
// four C tiles, so every tile load serves two products. Outputs past the last whole 16 (a
// thread's tail) take the AVX512_BF16 kernel, which reads the unpacked activations.
#include "kernels_internal.h"

#include <stdlib.h>

#if defined(OK_HAVE_X86_KERNELS)
#include <immintrin.h>

#define OK_AMX_TARGET __attribute__((target("amx-tile,amx-bf16,avx512f,avx512bw,avx512vl")))
#define OK_AMX_INLINE static inline __attribute__((always_inline)) OK_AMX_TARGET
/// Bytes of weights per output block, which the row groups then reuse from L2.
#define OK_AMX_BLOCK_BYTES (512 * 1024)
/// At most this many outputs per block (so the block's float sums for 32 rows stay at 32 KB).
#define OK_AMX_BLOCK_OUTPUTS 256
/// Inputs per pass over a block's outputs: the two row groups' packed activations for them
/// (32 KB) stay in L1 while the weight tiles stream from L2.
#define OK_AMX_K_BLOCK 512

/// The 64-byte tile configuration LDTILECFG reads (palette 1).
typedef struct {
    uint8_t palette;
    uint8_t start_row;
    uint8_t reserved[14];
    uint16_t column_bytes[16];
    uint8_t rows[16];
} ok_tile_config;

/// Every tile 16 rows of 64 bytes: C tiles 0-3 (float sums), A tiles 4-5 (weights), B tiles 6-7
/// (packed activations).
OK_AMX_TARGET static void configure_tiles(void) {
    ok_tile_config config;
    memset(&config, 0, sizeof config);
    config.palette = 1;
    for (int t = 0; t < 8; t++) {
        config.column_bytes[t] = 64;
        config.rows[t] = 16;
    }
    _tile_loadconfig(&config);
}

/// Writes a 16 x 16 tile of sums (sums[o][r]) into y[r][o], for the first `rows` activation rows.
static inline void store_transposed(const float *sums, int rows, float *y, int64_t ldy) {
    for (int r = 0; r < rows; r++)
        for (int o = 0; o < 16; o++) y[r * ldy + o] = sums[o * 16 + r];
}

/// Inputs [i0, i1) of NO (1 or 2) 16-output tiles of packed weights at w (pack_weight_block)
/// against NR (1 or 2) packed 16-row groups at `packed` (groups `group_stride` uint32s apart),
/// added to the float sums at acc (tile (o, r) at acc + (o * 2 + r) * 256, sums[o][r]), which
/// start from zero when i0 is 0. NO and NR are constants at every call.
OK_AMX_INLINE void tile_block(const int NO, const int NR, const uint32_t *packed, int64_t group_stride,
                              const uint16_t *w, int64_t in, int64_t i0, int64_t i1, float *acc) {
    if (i0 == 0) {
        _tile_zero(0);
        if (NR > 1) _tile_zero(1);
        if (NO > 1) _tile_zero(2);
        if (NO > 1 && NR > 1) _tile_zero(3);
    } else {
        _tile_loadd(0, acc, 64);
        if (NR > 1) _tile_loadd(1, acc + 256, 64);
        if (NO > 1) _tile_loadd(2, acc + 512, 64);
        if (NO > 1 && NR > 1) _tile_loadd(3, acc + 768, 64);
    }
    for (int64_t i = i0; i < i1; i += 32) {
        const uint32_t *b = packed + i * 8; // 16 pairs x 16 rows per 32 inputs
        _tile_loadd(4, w + i * 16, 64);
        _tile_loadd(6, b, 64);
        _tile_dpbf16ps(0, 4, 6);
        if (NR > 1) {
            _tile_loadd(7, b + group_stride, 64);
            _tile_dpbf16ps(1, 4, 7);
        }
        if (NO > 1) {
            _tile_loadd(5, w + 16 * in + i * 16, 64);
            _tile_dpbf16ps(2, 5, 6);
            if (NR > 1) _tile_dpbf16ps(3, 5, 7);
        }
    }
    _tile_stored(0, acc, 64);
    if (NR > 1) _tile_stored(1, acc + 256, 64);
    if (NO > 1) _tile_stored(2, acc + 512, 64);
    if (NO > 1 && NR > 1) _tile_stored(3, acc + 768, 64);
}

/// Copies weight rows [o, o + count) (count a multiple of 16) into tiles of 16 rows x 32 inputs,
/// 1 KB each and contiguous (tile (t, c) at t * in * 16 + c * 512 values), so the tile loads of the
/// inner loop read whole cache lines in order instead of 64 bytes from each of 16 rows a row
/// stride apart (which share L1 sets when the stride is a multiple of 4 KB).
OK_AMX_INLINE void pack_weight_block(const uint16_t *w, int64_t in, int64_t count, uint16_t *block) {
    for (int64_t t = 0; t < count; t += 16)
        for (int64_t c = 0; c < in; c += 32)
            for (int r = 0; r < 16; r++)
                _mm512_store_si512(block + t * in + c * 16 + r * 32, _mm512_loadu_si512(w + (t + r) * in + c));
}

/// Per-thread scratch: one packed block of weights, then the float sums of its outputs for one
/// pair of row groups (allocated once per thread, kept).
static _Thread_local uint16_t *thread_scratch;
static _Thread_local size_t thread_scratch_bytes;

/// thread_scratch grown to at least `bytes`; NULL when memory is exhausted.
static uint16_t *scratch(size_t bytes) {
    if (bytes > thread_scratch_bytes) {
        free(thread_scratch);
        thread_scratch = aligned_alloc(64, (bytes + 63) / 64 * 64);
        thread_scratch_bytes = thread_scratch ? bytes : 0;
    }
    return thread_scratch;
}

OK_AMX_TARGET void ok_amx_gemm_bf16(const uint32_t *packed, const uint16_t *x, int rows, int64_t in,
                                    const uint16_t *w, int64_t o0, int64_t o1, float *y, int64_t ldy) {
    int64_t whole_end = o0 + (o1 - o0) / 16 * 16;
    int64_t block = OK_AMX_BLOCK_BYTES / (in * 2) / 32 * 32;
    block = block < 32 ? 32 : (block > OK_AMX_BLOCK_OUTPUTS ? OK_AMX_BLOCK_OUTPUTS : block);
    const size_t weight_bytes = (size_t)block * in * 2, sum_bytes = (size_t)block * 2 * 16 * 4;
    uint16_t *tiles = whole_end > o0 ? scratch(weight_bytes + sum_bytes) : NULL;
    if (tiles) {
        float *sums = (float *)(tiles + (size_t)block * in);
        configure_tiles();
        const int64_t group_stride = in * 8; // uint32s per packed 16-row group
        for (int64_t b = o0; b < whole_end; b += block) {
            int64_t end = b + block < whole_end ? b + block : whole_end;
            pack_weight_block(w + b * in, in, end - b, tiles);
            for (int r0 = 0; r0 < rows; r0 += 32) {
                int nr = rows - r0;
                const uint32_t *group = packed + (int64_t)(r0 / 16) * group_stride;
                for (int64_t i0 = 0; i0 < in; i0 += OK_AMX_K_BLOCK) {
                    int64_t i1 = i0 + OK_AMX_K_BLOCK < in ? i0 + OK_AMX_K_BLOCK : in;
                    int64_t o = b;
                    for (; o + 32 <= end; o += 32) {
                        const uint16_t *wt = tiles + (o - b) * in;
                        float *acc = sums + (o - b) / 16 * 512;
                        if (nr > 16) tile_block(2, 2, group, group_stride, wt, in, i0, i1, acc);
                        else tile_block(2, 1, group, group_stride, wt, in, i0, i1, acc);
                    }
                    if (o < end) {
                        const uint16_t *wt = tiles + (o - b) * in;
                        float *acc = sums + (o - b) / 16 * 512;
                        if (nr > 16) tile_block(1, 2, group, group_stride, wt, in, i0, i1, acc);
                        else tile_block(1, 1, group, group_stride, wt, in, i0, i1, acc);
                    }
                }
                int first = nr < 16 ? nr : 16, second = nr > 32 ? 16 : nr - first;
                float *yr = y + (int64_t)r0 * ldy;
                for (int64_t o = b; o < end; o += 16) {
                    const float *acc = sums + (o - b) / 16 * 512;
                    store_transposed(acc, first, yr + o, ldy);
                    if (second > 0) store_transposed(acc + 256, second, yr + 16 * ldy + o, ldy);
                }
            }
        }
        _tile_release();
    } else {
        whole_end = o0; // no scratch: the level-3 kernel takes every output
    }
    if (whole_end < o1) ok_avx512bf16_gemm_bf16(x, rows, in, w, whole_end, o1, y, ldy);
}

#else

void ok_amx_gemm_bf16(const uint32_t *packed, const uint16_t *x, int rows, int64_t in, const uint16_t *w,
                      int64_t o0, int64_t o1, float *y, int64_t ldy) {
    (void)packed;
    ok_portable_gemm_bf16(x, rows, in, w, o0, o1, y, ldy);
}

#endif

void ok_pack_bf16_pairs(const uint16_t *x, int rows, int64_t in, int group0, int group1, uint32_t *packed) {
    const int64_t pairs = in / 2;
    for (int g = group0; g < group1; g++) {
        uint32_t *out = packed + (int64_t)g * 16 * pairs;
        for (int64_t c = 0; c < pairs; c += 16) {
            uint32_t *tile = out + c * 16;
            for (int r = 0; r < 16; r++) {
                int row = g * 16 + r;
                if (row < rows) {
                    const uint16_t *src = x + (int64_t)row * in + c * 2;
                    for (int k = 0; k < 16; k++) {
                        uint32_t pair;
                        memcpy(&pair, src + 2 * k, 4);
                        tile[k * 16 + r] = pair;
                    }
                } else {
                    for (int k = 0; k < 16; k++) tile[k * 16 + r] = 0;
                }
            }
        }
    }
}
