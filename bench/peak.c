/* Measures this machine's peak single-precision FMA rate with 10
 * independent chains of FMAs at the widest vector the CPU has: 16-lane
 * (AVX-512) where it has AVX-512F, else 8-lane (AVX2), on 1 and 2 threads.
 * The width matters: Zen 4 splits a 512-bit FMA into two 256-bit halves
 * (both widths reach the same rate), but Zen 5 and Intel's server cores
 * execute it whole, at twice the 8-lane rate.
 *   peak  ->  prints "GFLOPS1 GFLOPS2 LANES" */
#define _POSIX_C_SOURCE 199309L
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

enum { Iters = 50000000 };
static float sink[16];

/* One body for both widths: VEC, SET1, FMADD, ADD and STORE name the
   width's type and intrinsics. */
#define SPIN_BODY(VEC, SET1, FMADD, ADD, STORE)                                \
  VEC m = SET1(0.999999f), c = SET1(1e-7f);                                    \
  VEC a0 = SET1(0), a1 = SET1(1), a2 = SET1(2), a3 = SET1(3), a4 = SET1(4),    \
      a5 = SET1(5), a6 = SET1(6), a7 = SET1(7), a8 = SET1(8), a9 = SET1(9);    \
  for (long it = 0; it < Iters; ++it) {                                        \
    a0 = FMADD(a0, m, c);                                                      \
    a1 = FMADD(a1, m, c);                                                      \
    a2 = FMADD(a2, m, c);                                                      \
    a3 = FMADD(a3, m, c);                                                      \
    a4 = FMADD(a4, m, c);                                                      \
    a5 = FMADD(a5, m, c);                                                      \
    a6 = FMADD(a6, m, c);                                                      \
    a7 = FMADD(a7, m, c);                                                      \
    a8 = FMADD(a8, m, c);                                                      \
    a9 = FMADD(a9, m, c);                                                      \
    /* Keep every FMA: the compiler may not fold the recurrences. */           \
    __asm__ volatile(""                                                        \
                     : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4),       \
                       "+v"(a5), "+v"(a6), "+v"(a7), "+v"(a8), "+v"(a9));      \
  }                                                                            \
  STORE(sink,                                                                  \
        ADD(ADD(ADD(ADD(a0, a1), ADD(a2, a3)), ADD(ADD(a4, a5), ADD(a6, a7))), \
            ADD(a8, a9)));

__attribute__((target("avx2,fma"))) static void *spin8(void *arg) {
  (void)arg;
  SPIN_BODY(__m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps,
            _mm256_storeu_ps)
  return NULL;
}

__attribute__((target("avx512f"))) static void *spin16(void *arg) {
  (void)arg;
  SPIN_BODY(__m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps,
            _mm512_storeu_ps)
  return NULL;
}

/* Best of three trials: a trial that another process interrupts only
   reads low. */
int main(void) {
  __builtin_cpu_init();
  int lanes = __builtin_cpu_supports("avx512f") ? 16 : 8;
  void *(*spin)(void *) = lanes == 16 ? spin16 : spin8;
  double flops = 2.0 * lanes * 10 * (double)Iters, one = 0, two = 0;
  for (int trial = 0; trial < 3; ++trial) {
    double t = now();
    spin(NULL);
    double g1 = flops / (now() - t) * 1e-9;
    pthread_t th;
    t = now();
    pthread_create(&th, NULL, spin, NULL);
    spin(NULL);
    pthread_join(th, NULL);
    double g2 = 2 * flops / (now() - t) * 1e-9;
    one = g1 > one ? g1 : one;
    two = g2 > two ? g2 : two;
  }
  printf("%.1f %.1f %d\n", one, two, lanes);
  return 0;
}
