// Micro-benchmark of q4 quantization on load, one thread: the AVX2 version (eight blocks at a
// time, quantize_q4_avx2.c) against the portable one-block-at-a-time search it must match byte
// for byte, on 8M weights (4096 x 2048, cubes of uniform values, as trained weights are heavy
// tailed), interleaved for ROUNDS rounds. Prints millions of weights per second and whether the
// bytes agree. Run from the repository root:
//
//   clang -O3 -fno-math-errno -I Sources/CKernels -I Sources/CKernels/include \
//       -o /tmp/quantize_q4_bench tools/bench/quantize_q4_bench.c Sources/CKernels/*.c -lm -lpthread
//   /tmp/quantize_q4_bench 3
#include "omnichat_kernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 3;
    if (ok_best_kernel_level() < 1) {
        printf("no AVX2 on this CPU: nothing to compare\n");
        return 0;
    }
    const int64_t rows = 4096, in = 2048, count = rows * in, blocks = count / OK_BLOCK;
    float *weights = malloc(count * sizeof(float));
    uint8_t *q[2] = {malloc(count / 2), malloc(count / 2)};
    uint16_t *scales[2] = {malloc(blocks * 2), malloc(blocks * 2)};
    uint64_t state = 88172645463325252ull;
    for (int64_t i = 0; i < count; i++) {
        state ^= state << 13, state ^= state >> 7, state ^= state << 17;
        float u = (float)((state >> 11) * (1.0 / 9007199254740992.0)) - 0.5f;
        weights[i] = u * u * u * 0.1f;
    }
    for (int round = 0; round < rounds; round++) {
        double start = seconds();
        ok_avx2_quantize_q4(weights, rows, in, q[0], scales[0]);
        double middle = seconds();
        ok_portable_quantize_q4(weights, rows, in, q[1], scales[1]);
        double end = seconds();
        int same = !memcmp(q[0], q[1], count / 2) && !memcmp(scales[0], scales[1], blocks * 2);
        printf("round %d: avx2 %.0f M weights/s, portable %.0f M weights/s (%.2fx), bytes %s\n", round + 1,
               count / (middle - start) / 1e6, count / (end - middle) / 1e6, (end - middle) / (middle - start),
               same ? "identical" : "DIFFER");
    }
    return 0;
}
