/* The floor that L2 bandwidth puts under a batch-1 call on one thread: the
 * time to read BYTES that are already in the cache (a model's weights after
 * the previous call), with 8-lane loads into 8 independent sums, best of
 * many passes.
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

int main(int argc, char **argv) {
  size_t floats = (argc > 1 ? (size_t)atol(argv[1]) : 0) / 4 / 64 * 64;
  if (floats == 0) {
    fprintf(stderr, "usage: l2floor BYTES (at least 256)\n");
    return 1;
  }
  float *w = aligned_alloc(64, floats * 4);
  if (!w)
    return 1;
  for (size_t i = 0; i < floats; ++i)
    w[i] = (float)(i % 1000) * 1e-3f;
  double best = 1e30, sink = 0;
  for (int pass = 0; pass < 5000; ++pass) {
    double t = now();
    /* Named sums, unrolled by hand: a compiler that keeps an array of
       them in memory would measure its own stores instead. */
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0,
           s5 = s0, s6 = s0, s7 = s0;
    for (size_t i = 0; i < floats; i += 64) {
      s0 = _mm256_add_ps(s0, _mm256_load_ps(w + i));
      s1 = _mm256_add_ps(s1, _mm256_load_ps(w + i + 8));
      s2 = _mm256_add_ps(s2, _mm256_load_ps(w + i + 16));
      s3 = _mm256_add_ps(s3, _mm256_load_ps(w + i + 24));
      s4 = _mm256_add_ps(s4, _mm256_load_ps(w + i + 32));
      s5 = _mm256_add_ps(s5, _mm256_load_ps(w + i + 40));
      s6 = _mm256_add_ps(s6, _mm256_load_ps(w + i + 48));
      s7 = _mm256_add_ps(s7, _mm256_load_ps(w + i + 56));
    }
    t = now() - t;
    best = t < best ? t : best;
    /* Every sum is used, so no load is dropped. */
    __m256 s = _mm256_add_ps(
        _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)),
        _mm256_add_ps(_mm256_add_ps(s4, s5), _mm256_add_ps(s6, s7)));
    sink += s[0] + s[7];
  }
  printf("%.2f\n", best);
  return sink == 12345.678 ? 2 : 0;
}
