// Micro-benchmark of one attention row over a bf16 KV cache: the AVX-512 float32-product kernel
// (level 2) against the bf16 dot-product kernel (level 3), on random keys and values with 16 heads
// interleaved as in the cache; checks that both agree, then prints the best of 15 interleaved
// rounds of 1,000 rows each. Build and run from the repository root:
//
//   clang -O3 -DOK_HAVE_X86_KERNELS -I Sources/CKernels -I Sources/CKernels/include \
//       -o /tmp/attention_row_bench tools/bench/attention_row_bench.c Sources/CKernels/*.c -lm
//   /tmp/attention_row_bench 128 256      # head size, keys
#include "omnichat_kernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <math.h>
#include <string.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static uint16_t bf(float f) { uint32_t u; memcpy(&u, &f, 4); return (uint16_t)((u + 0x7fff + ((u >> 16) & 1)) >> 16); }
int main(int argc, char **argv) {
    if (argc != 3 || ok_best_kernel_level() < 3) { fprintf(stderr, "usage: %s HEAD_SIZE KEYS (needs AVX512_BF16)\n", argv[0]); return 2; }
    int64_t hd = atoll(argv[1]), heads = 16, span = atoll(argv[2]);
    int64_t stride = hd * heads;
    uint16_t *k = malloc(span * stride * 2), *v = malloc(span * stride * 2);
    float q[256], o1[256], o2[256], *sc = malloc(span * 4 + 64);
    srand(3);
    for (int64_t i = 0; i < span * stride; i++) { k[i] = bf((rand() / (float)RAND_MAX - 0.5f) * 4); v[i] = bf(rand() / (float)RAND_MAX - 0.5f); }
    for (int i = 0; i < hd; i++) q[i] = (rand() / (float)RAND_MAX - 0.5f) * 4;
    double maxerr = 0;
    for (int64_t sp = 1; sp <= span; sp += (sp < 40 ? 1 : 37)) {
        ok_avx512_attention_row_bf16(q, hd, k, v, stride, sp, 1 / sqrtf(hd), sc, o1);
        ok_avx512bf16_attention_row_bf16(q, hd, k, v, stride, sp, 1 / sqrtf(hd), sc, o2);
        for (int i = 0; i < hd; i++) { double e = fabs(o1[i] - o2[i]); if (e > maxerr) maxerr = e; }
    }
    printf("max abs diff %.2e\n", maxerr);
    int reps = 1000; double best1 = 1e9, best2 = 1e9;
    for (int round = 0; round < 15; round++) {
        double t0 = now();
        for (int r = 0; r < reps; r++) ok_avx512_attention_row_bf16(q, hd, k + (r / 100 % heads) * hd, v + (r / 100 % heads) * hd, stride, span, 0.1f, sc, o1);
        double t1 = now();
        for (int r = 0; r < reps; r++) ok_avx512bf16_attention_row_bf16(q, hd, k + (r / 100 % heads) * hd, v + (r / 100 % heads) * hd, stride, span, 0.1f, sc, o2);
        double t2 = now();
        if (t1 - t0 < best1) best1 = t1 - t0;
        if (t2 - t1 < best2) best2 = t2 - t1;
    }
    printf("hd %lld span %lld: old %.2f us  new %.2f us  ratio %.2f (best of 15)\n", (long long)hd, (long long)span, best1 / reps * 1e6, best2 / reps * 1e6, best1 / best2);
}
