/* Times the MNIST-shaped model compiled by mlpc against a peer computing the
 * same forward pass with OpenBLAS sgemm plus a C epilogue (bias, relu,
 * stable softmax), interleaved in blocks of 50 calls in one process, on
 * the same weights and inputs, on 1 and 2 threads (mlpc_set_num_threads,
 * openblas_set_num_threads). Prints median time per call, GFLOP/s and the
 * ratio.
 *
 *   mnist_bench WEIGHTS.bin [reps]
 */
#define _POSIX_C_SOURCE 199309L
#include "mnist.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { In = 784, H1 = 128, H2 = 64, Out = 10, MaxBatch = 256 };
static float w1[H1 * In], b1[H1], w2[H2 * H1], b2[H2], w3[Out * H2], b3[Out];
static float t1[MaxBatch * H1], t2[MaxBatch * H2];

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* y = act(x W^T + b) with sgemm and a separate epilogue pass. */
static void layer(const float *x, const float *w, const float *b, float *y,
                  int batch, int k, int n, int relu) {
  for (int r = 0; r < batch; ++r)
    memcpy(y + r * n, b, sizeof(float) * n);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, n, k, 1.0f, x, k,
              w, k, 1.0f, y, n);
  if (relu)
    for (int i = 0; i < batch * n; ++i)
      y[i] = y[i] > 0 ? y[i] : 0;
}

static void blasForward(const float *x, float *y, int batch) {
  layer(x, w1, b1, t1, batch, In, H1, 1);
  layer(t1, w2, b2, t2, batch, H1, H2, 1);
  layer(t2, w3, b3, y, batch, H2, Out, 0);
  for (int r = 0; r < batch; ++r) {
    float *row = y + r * Out, mx = row[0], sum = 0;
    for (int c = 1; c < Out; ++c)
      mx = row[c] > mx ? row[c] : mx;
    for (int c = 0; c < Out; ++c)
      sum += row[c] = expf(row[c] - mx);
    for (int c = 0; c < Out; ++c)
      row[c] /= sum;
  }
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s WEIGHTS.bin [reps]\n", argv[0]);
    return 2;
  }
  int reps = argc > 2 ? atoi(argv[2]) : 2001;
  FILE *f = fopen(argv[1], "rb");
  if (!f || fread(w1, 4, H1 * In, f) != H1 * In || fread(b1, 4, H1, f) != H1 ||
      fread(w2, 4, H2 * H1, f) != H2 * H1 || fread(b2, 4, H2, f) != H2 ||
      fread(w3, 4, Out * H2, f) != Out * H2 || fread(b3, 4, Out, f) != Out) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  fclose(f);
  static float x[MaxBatch * In], ya[MaxBatch * Out], yb[MaxBatch * Out];
  srand(1);
  for (int i = 0; i < MaxBatch * In; ++i)
    x[i] = (float)rand() / RAND_MAX;

  printf("| threads | batch | mlpc us/call | OpenBLAS+C us/call | mlpc GFLOP/s | "
         "mlpc samples/s | OpenBLAS/mlpc | max abs diff |\n");
  printf("|---|---|---|---|---|---|---|---|\n");
  const int batches[] = {1, 256};
  for (int run = 0; run < 4; ++run) {
    int threads = run < 2 ? 1 : 2;
    int batch = batches[run % 2];
    mlpc_set_num_threads(threads);
    openblas_set_num_threads(threads);
    int n = batch == 1 ? reps * 10 : reps;
    double *ta = malloc(sizeof(double) * n), *tb = malloc(sizeof(double) * n);
    for (int i = 0; i < 50; ++i) { /* warm up caches and the pager */
      mnist(x, ya, batch);
      blasForward(x, yb, batch);
    }
    /* Interleaved in blocks: each block warms its own weights into cache
       (a user calls one model in a loop), then times `Block` calls. */
    enum { Block = 50, Warm = 10 };
    for (int i = 0; i < n; i += Block) {
      for (int w = 0; w < Warm; ++w)
        mnist(x, ya, batch);
      for (int j = i; j < i + Block && j < n; ++j) {
        double t0 = now();
        if (mnist(x, ya, batch) != MLPC_OK)
          return 1;
        ta[j] = now() - t0;
      }
      for (int w = 0; w < Warm; ++w)
        blasForward(x, yb, batch);
      for (int j = i; j < i + Block && j < n; ++j) {
        double t0 = now();
        blasForward(x, yb, batch);
        tb[j] = now() - t0;
      }
    }
    qsort(ta, n, sizeof(double), cmp);
    qsort(tb, n, sizeof(double), cmp);
    double ma = ta[n / 2], mb = tb[n / 2], diff = 0;
    for (int i = 0; i < batch * Out; ++i)
      diff = fmax(diff, fabs(ya[i] - yb[i]));
    double flops = 2.0 * batch * (In * H1 + H1 * H2 + H2 * Out);
    printf("| %d | %d | %.2f | %.2f | %.1f | %.0f | %.2f | %.1e |\n", threads, batch,
           ma * 1e6, mb * 1e6, flops / ma * 1e-9, batch / ma, mb / ma, diff);
    free(ta);
    free(tb);
    if (diff > 1e-5) {
      fprintf(stderr, "outputs disagree\n");
      return 1;
    }
  }
  return 0;
}
