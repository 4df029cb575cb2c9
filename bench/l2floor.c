/* The floor that L2 bandwidth puts under a batch-1 call on one thread: the
 * time to read BYTES that are already in the cache (a model's weights after
 * the previous call), with the widest loads the CPU has (16 lanes where it
 * has AVX-512F, else 8) into 8 independent sums, best of many passes.
 *   l2floor BYTES  ->  prints microseconds */
#define _POSIX_C_SOURCE 199309L
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}

/* One pass over W's FLOATS (a multiple of 128) with LANES-wide loads:
   named sums, unrolled by hand, because a compiler that keeps an array of
   them in memory would measure its own stores instead. Returns one lane
   of the total, so that no load is dropped. */
#define READ_PASS(VEC, ZERO, LOAD, ADD, LANES)                                 \
  VEC s0 = ZERO(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0,       \
      s7 = s0;                                                                 \
  for (size_t i = 0; i < floats; i += 8 * LANES) {                             \
    s0 = ADD(s0, LOAD(w + i));                                                 \
    s1 = ADD(s1, LOAD(w + i + LANES));                                         \
    s2 = ADD(s2, LOAD(w + i + 2 * LANES));                                     \
    s3 = ADD(s3, LOAD(w + i + 3 * LANES));                                     \
    s4 = ADD(s4, LOAD(w + i + 4 * LANES));                                     \
    s5 = ADD(s5, LOAD(w + i + 5 * LANES));                                     \
    s6 = ADD(s6, LOAD(w + i + 6 * LANES));                                     \
    s7 = ADD(s7, LOAD(w + i + 7 * LANES));                                     \
  }                                                                            \
  VEC s = ADD(ADD(ADD(s0, s1), ADD(s2, s3)), ADD(ADD(s4, s5), ADD(s6, s7)));   \
  return s[0] + s[LANES - 1];

__attribute__((target("avx2"))) static float read8(const float *w,
                                                   size_t floats) {
  READ_PASS(__m256, _mm256_setzero_ps, _mm256_load_ps, _mm256_add_ps, 8)
}

__attribute__((target("avx512f"))) static float read16(const float *w,
                                                       size_t floats) {
  READ_PASS(__m512, _mm512_setzero_ps, _mm512_load_ps, _mm512_add_ps, 16)
}

int main(int argc, char **argv) {
  size_t floats = (argc > 1 ? (size_t)atol(argv[1]) : 0) / 4 / 128 * 128;
  if (floats == 0) {
    fprintf(stderr, "usage: l2floor BYTES (at least 512)\n");
    return 1;
  }
  __builtin_cpu_init();
  float (*pass)(const float *, size_t) =
      __builtin_cpu_supports("avx512f") ? read16 : read8;
  float *w = aligned_alloc(64, floats * 4);
  if (!w)
    return 1;
  for (size_t i = 0; i < floats; ++i)
    w[i] = (float)(i % 1000) * 1e-3f;
  double best = 1e30, sink = 0;
  for (int p = 0; p < 5000; ++p) {
    double t = now();
    sink += pass(w, floats);
    t = now() - t;
    best = t < best ? t : best;
  }
  printf("%.2f\n", best);
  return sink == 12345.678 ? 2 : 0;
}
