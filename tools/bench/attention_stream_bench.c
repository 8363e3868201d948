// Micro-benchmark of one attention row read from memory, on one core: the dispatched kernel
// (ok_attention_row / ok_attention_row_bf16, whatever this CPU gets) over head-major caches as
// KVCache lays them out (one head's keys contiguous, stride = head size), with enough heads that
// every row's keys and values come from memory. Each round reads the same bytes once through the
// kernel and once by a plain 256-bit-wide sum (the streaming read the kernel would at best match),
// interleaved, and prints both in GB/s and their ratio. Build and run from the repository root:
//
//   clang -O3 -march=native -DOK_HAVE_X86_KERNELS -I Sources/CKernels -I Sources/CKernels/include \
//       -o /tmp/attention_stream_bench tools/bench/attention_stream_bench.c Sources/CKernels/*.c -lm -lpthread
//   /tmp/attention_stream_bench 128 1024 bf16 5     # head size, keys, f32|bf16, rounds
#include "omnichat_kernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/// Sums every 32-bit word of `bytes` bytes (eight independent chains, so the adds do not limit it).
static float stream_read(const float *p, int64_t bytes) {
    float lanes[8] = {0};
    for (int64_t i = 0; i + 8 <= bytes / 4; i += 8)
        for (int j = 0; j < 8; j++) lanes[j] += p[i + j];
    float total = 0;
    for (int j = 0; j < 8; j++) total += lanes[j];
    return total;
}

int main(int argc, char **argv) {
    if (argc != 5 || (strcmp(argv[3], "f32") && strcmp(argv[3], "bf16"))) {
        fprintf(stderr, "usage: %s HEAD_SIZE KEYS f32|bf16 ROUNDS\n", argv[0]);
        return 2;
    }
    int64_t hd = atoll(argv[1]), span = atoll(argv[2]), rounds = atoll(argv[4]);
    int bf16 = strcmp(argv[3], "bf16") == 0;
    int64_t element = bf16 ? 2 : 4, slab = span * hd * element;  // one head's keys (or values)
    int64_t heads = (512LL << 20) / (2 * slab);                     // 512 MB of keys and values
    if (heads < 4) heads = 4;
    char *keys = aligned_alloc(64, heads * slab), *values = aligned_alloc(64, heads * slab);
    float *q = malloc(hd * 4), *scores = malloc(span * 4), *out = malloc(hd * 4);
    srand(1);
    for (int64_t i = 0; i < heads * slab / 2; i++) {
        ((uint16_t *)keys)[i] = (uint16_t)(0x3c00 + rand() % 0x400);  // bf16 (or f32 halves) near 0.01
        ((uint16_t *)values)[i] = (uint16_t)(0x3c00 + rand() % 0x400);
    }
    for (int64_t d = 0; d < hd; d++) q[d] = (float)(rand() % 100) / 100;
    double bytes = 2.0 * heads * slab;
    printf("head size %lld, %lld keys, %s: %lld heads, %.0f MB per round\n", (long long)hd, (long long)span,
           argv[3], (long long)heads, bytes / 1e6);
    float sink = 0;
    for (int64_t r = 0; r < rounds; r++) {
        double t0 = now();
        for (int64_t h = 0; h < heads; h++) {
            if (bf16)
                ok_attention_row_bf16(q, hd, (const uint16_t *)(keys + h * slab), (const uint16_t *)(values + h * slab),
                                      hd, span, 0.1f, scores, out);
            else
                ok_attention_row(q, hd, (const float *)(keys + h * slab), (const float *)(values + h * slab), hd, span,
                                 0.1f, scores, out);
            sink += out[0];
        }
        double t1 = now();
        sink += stream_read((const float *)keys, heads * slab) + stream_read((const float *)values, heads * slab);
        double t2 = now();
        double kernel = bytes / (t1 - t0) / 1e9, read = bytes / (t2 - t1) / 1e9;
        printf("round %lld: attention row %.1f GB/s, streaming read %.1f GB/s, %.0f%%\n", (long long)r + 1, kernel,
               read, 100 * kernel / read);
    }
    return sink == 12345 ? 1 : 0;
}
