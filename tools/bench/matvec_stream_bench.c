// Micro-benchmark of the decode products against a plain streaming read: one activation row
// against a 2048-wide matrix far larger than the caches (262,144 output rows), in bf16, q8 and
// q4, with the kernels the CPU's level picks, split over THREADS threads; the figure is the
// weight bytes read per second (best of five passes). Prints a streaming read of the same bf16
// buffer first, the ceiling the kernels are judged against (as `omnichat bench` does with its
// bandwidth probe). Build with the prefetch distance to try, run from the repository root:
//
//   clang -O3 -DOK_HAVE_X86_KERNELS -I Sources/CKernels -I Sources/CKernels/include \
//       -o /tmp/matvec_stream_bench tools/bench/matvec_stream_bench.c Sources/CKernels/*.c -lm -lpthread
//   /tmp/matvec_stream_bench 2 3      # threads, rounds
//
// Compare builds interleaved (A B A B): the read bandwidth of these machines drifts by tens of
// percent over minutes.
#include "omnichat_kernels.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { IN = 2048, OUT = 262144, MAX_THREADS = 64 };
enum product { STREAM, BF16, Q8, Q4 };

static uint8_t *q8_weights, *q4_weights;
static uint16_t *q8_scales, *q4_scales, *bf16_weights;
static ok_quantized_activations activations;
static float *x, *y;
static volatile uint64_t sink;

typedef struct { enum product product; int64_t o0, o1; } share;

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

/// Sum of the buffer's 64-bit words: integer adds vectorise, so the loop is as bare a read as C gives.
static uint64_t stream_portable(const uint64_t *p, int64_t n) {
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (int64_t i = 0; i + 4 <= n; i += 4) { s0 += p[i]; s1 += p[i + 1]; s2 += p[i + 2]; s3 += p[i + 3]; }
    return s0 + s1 + s2 + s3;
}

#if defined(__x86_64__)
#include <immintrin.h>
/// The same read in 256-bit loads, four accumulators: the 128-bit loop above reads ~25% slower
/// on the Zen 3, so it would understate the ceiling.
__attribute__((target("avx2"))) static uint64_t stream_avx2(const uint64_t *p, int64_t n) {
    __m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0;
    for (int64_t i = 0; i + 16 <= n; i += 16) {
        s0 = _mm256_add_epi64(s0, _mm256_loadu_si256((const __m256i *)(p + i)));
        s1 = _mm256_add_epi64(s1, _mm256_loadu_si256((const __m256i *)(p + i + 4)));
        s2 = _mm256_add_epi64(s2, _mm256_loadu_si256((const __m256i *)(p + i + 8)));
        s3 = _mm256_add_epi64(s3, _mm256_loadu_si256((const __m256i *)(p + i + 12)));
    }
    __m256i s = _mm256_add_epi64(_mm256_add_epi64(s0, s1), _mm256_add_epi64(s2, s3));
    return (uint64_t)_mm256_extract_epi64(s, 0) + (uint64_t)_mm256_extract_epi64(s, 3);
}
#endif

static uint64_t stream(const uint64_t *p, int64_t n) {
#if defined(__x86_64__)
    if (ok_best_kernel_level() >= 1) return stream_avx2(p, n);
#endif
    return stream_portable(p, n);
}

static void *work(void *argument) {
    const share *s = argument;
    switch (s->product) {
    case STREAM: sink += stream((const uint64_t *)(bf16_weights + s->o0 * IN), (s->o1 - s->o0) * IN / 4); break;
    case BF16: ok_matvec_bf16(x, 1, IN, bf16_weights, s->o0, s->o1, y, OUT); break;
    case Q8: ok_matvec_q8(activations, 1, IN, q8_weights, q8_scales, s->o0, s->o1, y, OUT); break;
    case Q4: ok_matvec_q4(activations, 1, IN, q4_weights, q4_scales, s->o0, s->o1, y, OUT); break;
    }
    return NULL;
}

/// Best GB/s of five passes over all output rows, split evenly over `threads` threads.
static double measure(enum product product, int threads, double bytes) {
    double best = 0;
    for (int pass = 0; pass < 5; pass++) {
        pthread_t thread[MAX_THREADS];
        share shares[MAX_THREADS];
        double start = now();
        for (int t = 0; t < threads; t++) {
            shares[t] = (share){product, (int64_t)OUT * t / threads, (int64_t)OUT * (t + 1) / threads};
            pthread_create(&thread[t], NULL, work, &shares[t]);
        }
        for (int t = 0; t < threads; t++) pthread_join(thread[t], NULL);
        double rate = bytes / (now() - start) / 1e9;
        if (rate > best) best = rate;
    }
    return best;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 2, rounds = argc > 2 ? atoi(argv[2]) : 3;
    if (threads < 1 || threads > MAX_THREADS || rounds < 1) {
        fprintf(stderr, "usage: %s [THREADS (1-%d)] [ROUNDS]\n", argv[0], MAX_THREADS);
        return 2;
    }
    size_t weights = (size_t)OUT * IN, blocks = weights / 32;
    bf16_weights = malloc(weights * 2);
    q8_weights = malloc(weights);
    q4_weights = malloc(weights / 2);
    q8_scales = malloc(blocks * 2);
    q4_scales = malloc(blocks * 2);
    x = malloc(IN * sizeof(float));
    y = malloc(OUT * sizeof(float));
    activations = (ok_quantized_activations){malloc(IN), malloc(IN / 32 * 4), malloc(IN / 32 * 4), malloc(IN),
                                             malloc(IN / 32 * 16)};
    if (!bf16_weights || !q8_weights || !q4_weights || !q8_scales || !q4_scales || !x || !y) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    // Arbitrary but varied contents, every page written (so the passes read, not fault).
    for (size_t i = 0; i < weights; i++) bf16_weights[i] = (uint16_t)(0x3c00 + (i * 2654435761u >> 25));
    for (size_t i = 0; i < weights; i++) q8_weights[i] = (uint8_t)(i * 40503u >> 7);
    memcpy(q4_weights, q8_weights, weights / 2);
    for (size_t i = 0; i < blocks; i++) q8_scales[i] = q4_scales[i] = 0x2000 + (uint16_t)(i & 0xff);
    for (int i = 0; i < IN; i++) x[i] = (float)(i % 7) - 3.0f;
    ok_quantize_activations(x, 1, IN, activations, 1);

    printf("kernel level %d, %d thread(s), GB/s of weights read (best of 5 passes)\n", ok_best_kernel_level(), threads);
    for (int round = 0; round < rounds; round++) {
        double read = measure(STREAM, threads, weights * 2.0);
        double bf16 = measure(BF16, threads, weights * 2.0);
        double q8 = measure(Q8, threads, weights + blocks * 2.0);
        double q4 = measure(Q4, threads, weights / 2.0 + blocks * 2.0);
        printf("stream %5.1f   bf16 %5.1f (%3.0f%%)   q8 %5.1f (%3.0f%%)   q4 %5.1f (%3.0f%%)\n", read, bf16,
               100 * bf16 / read, q8, 100 * q8 / read, q4, 100 * q4 / read);
    }
    return 0;
}
