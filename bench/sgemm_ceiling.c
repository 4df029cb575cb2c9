/* The best library sgemm on this machine: OpenBLAS's and oneDNN's
 * 2048 x 2048 x 2048 product (the "best library sgemm" ceiling),
 * best of 5 calls after a warm-up, on 1 and 2 threads. Against the FMA
 * peak (peak.c) it says how much of the peak a tuned library kernel
 * reaches here, which is the fairer bar for mlpc's large batches.
 *   sgemm_ceiling  ->  prints "OPENBLAS1 OPENBLAS2 ONEDNN1 ONEDNN2" (GFLOP/s) */
#define _POSIX_C_SOURCE 199309L
#include <cblas.h>
#include <dnnl.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { N = 2048, Calls = 5 };

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static float *a, *b, *c;

static void openblas(void) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, N, N, 1.0f, a, N, b,
              N, 0.0f, c, N);
}

static void onednn(void) {
  dnnl_sgemm('N', 'T', N, N, N, 1.0f, a, N, b, N, 0.0f, c, N);
}

/* GFLOP/s of the fastest of `Calls` calls, after one untimed call. */
static double best(void (*gemm)(void)) {
  gemm();
  double fastest = 1e30;
  for (int i = 0; i < Calls; ++i) {
    double t0 = now();
    gemm();
    double t = now() - t0;
    fastest = t < fastest ? t : fastest;
  }
  return 2.0 * N * N * N / fastest * 1e-9;
}

int main(void) {
  a = malloc(sizeof(float) * N * N);
  b = malloc(sizeof(float) * N * N);
  c = malloc(sizeof(float) * N * N);
  if (!a || !b || !c)
    return 1;
  for (long i = 0; i < (long)N * N; ++i) {
    a[i] = (float)(i % 7) * 0.01f;
    b[i] = (float)(i % 5) * 0.01f;
  }
  double r[4];
  for (int threads = 1; threads <= 2; ++threads) {
    openblas_set_num_threads(threads);
    omp_set_num_threads(threads);
    r[threads - 1] = best(openblas);
    r[threads + 1] = best(onednn);
  }
  printf("%.1f %.1f %.1f %.1f\n", r[0], r[1], r[2], r[3]);
  return 0;
}
