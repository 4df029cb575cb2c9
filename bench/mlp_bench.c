/* Times an MLP compiled by mlpc against peers computing the same forward
 * pass: a library sgemm per layer (sgemv at batch 1 for OpenBLAS) plus a C
 * epilogue (bias, relu or gelu, stable softmax or sigmoid) with OpenBLAS and
 * with oneDNN, and ONNX Runtime (C API) on the same model in ONNX. These run in
 * one process on the same weights and inputs, interleaved in blocks of calls,
 * each block warm in cache (a user calls one model in a loop). PyTorch and
 * numpy run in a Python process (py_peers.py) that this one drives over a pipe,
 * so their blocks take their turn in the same rounds. Each (threads, batch)
 * cell prints the median time per call of each, mlpc's samples/s, GFLOP/s and %
 * of the measured peak, and the best peer's time over mlpc's.
 *
 * Built by bench/run.sh with -DENTRY=<model name> -include <model>.h:
 *   mlp_bench WEIGHTS.bin DIMS HEAD BATCHES PEAK1 PEAK2 [HIDDEN]
 * HEAD: 0 none, 1 softmax, 2 sigmoid (after the last layer).
 * HIDDEN: the hidden layers' activation, relu (default) or gelu (erf form;
 * the C epilogue calls libm's erff).
 *   e.g. mlp_bench mnist_weights.bin 784,128,64,10 1 1,32,256,4096 30.5 61
 * PEAK1/PEAK2: measured peak GFLOP/s on 1 and 2 threads (0: unknown).
 * Environment: ORT_LIB and ORT_MODEL (libonnxruntime.so.1 and the .onnx),
 * PY_PEERS (the path of py_peers.py); a peer is left out ("-") when its
 * variable is unset.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#endif
#define STR2(x) #x
#define STR(x) STR2(x)
#include "bench_util.h"
#include "ort_peer.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { MaxLayers = 16 };
static int numLayers, dims[MaxLayers + 1], head, gelu;
static float *weights[MaxLayers], *biases[MaxLayers], *temp[2];


typedef void (*Gemm)(int m, int n, int k, const float *x, const float *w,
                     float *c); /* c += x w^T, row-major */

static void openblasGemm(int m, int n, int k, const float *x, const float *w,
                         float *c) {
  if (m == 1) /* the matrix-vector routine a user would call at batch 1 */
    cblas_sgemv(CblasRowMajor, CblasNoTrans, n, k, 1.0f, w, k, x, 1, 1.0f, c,
                1);
  else
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, x, k, w,
                k, 1.0f, c, n);
}

static void onednnGemm(int m, int n, int k, const float *x, const float *w,
                       float *c) {
  dnnl_sgemm('N', 'T', m, n, k, 1.0f, x, k, w, k, 1.0f, c, n);
}

/* A peer: y = act(x W^T + b) per layer with `gemm`, then the epilogue. */
static void peerForward(Gemm gemm, const float *x, float *y, int batch) {
  const float *in = x;
  for (int l = 0; l < numLayers; ++l) {
    int k = dims[l], n = dims[l + 1];
    float *out = l + 1 == numLayers ? y : temp[l % 2];
    for (int r = 0; r < batch; ++r)
      memcpy(out + (size_t)r * n, biases[l], sizeof(float) * n);
    gemm(batch, n, k, in, weights[l], out);
    for (size_t i = 0; l + 1 < numLayers && i < (size_t)batch * n; ++i)
      out[i] = gelu ? 0.5f * out[i] * (1.0f + erff(out[i] * 0.70710678f))
               : out[i] > 0 ? out[i]
                            : 0;
    in = out;
  }
  int n = dims[numLayers];
  if (head == 2)
    for (size_t i = 0; i < (size_t)batch * n; ++i)
      y[i] = 1.0f / (1.0f + expf(-y[i]));
  for (int r = 0; head == 1 && r < batch; ++r) {
    float *row = y + (size_t)r * n, mx = row[0], sum = 0;
    for (int c = 1; c < n; ++c)
      mx = row[c] > mx ? row[c] : mx;
    for (int c = 0; c < n; ++c)
      sum += row[c] = expf(row[c] - mx);
    for (int c = 0; c < n; ++c)
      row[c] /= sum;
  }
}


int main(int argc, char **argv) {
  if (argc != 7 && argc != 8) {
    fprintf(stderr,
            "usage: %s WEIGHTS DIMS HEAD BATCHES PEAK1 PEAK2 [HIDDEN]\n",
            argv[0]);
    return 2;
  }
  const char *hidden = argc == 8 ? argv[7] : "relu";
  gelu = strcmp(hidden, "gelu") == 0;
  if (!gelu && strcmp(hidden, "relu") != 0) {
    fprintf(stderr, "HIDDEN must be relu or gelu, not %s\n", hidden);
    return 2;
  }
  numLayers = parseList(argv[2], dims, MaxLayers + 1) - 1;
  head = atoi(argv[3]);
  int batches[16], numBatches = parseList(argv[4], batches, 16);
  double peak[3] = {0, atof(argv[5]), atof(argv[6])};
  int maxBatch = 0, maxWidth = 0;
  for (int i = 0; i < numBatches; ++i)
    maxBatch = batches[i] > maxBatch ? batches[i] : maxBatch;
  for (int l = 0; l <= numLayers; ++l)
    maxWidth = dims[l] > maxWidth ? dims[l] : maxWidth;
  FILE *f = fopen(argv[1], "rb");
  double flopsPerRow = 0;
  for (int l = 0; f && l < numLayers; ++l) {
    size_t nw = (size_t)dims[l] * dims[l + 1];
    weights[l] = malloc(nw * 4);
    biases[l] = malloc((size_t)dims[l + 1] * 4);
    if (fread(weights[l], 4, nw, f) != nw ||
        fread(biases[l], 4, dims[l + 1], f) != (size_t)dims[l + 1]) {
      fclose(f);
      f = NULL;
    }
    flopsPerRow += 2.0 * nw;
  }
  if (!f) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  fclose(f);
  size_t in = (size_t)maxBatch * dims[0],
         out = (size_t)maxBatch * dims[numLayers];
  float *x = malloc(in * 4), *ya = malloc(out * 4), *yb = malloc(out * 4);
  temp[0] = malloc((size_t)maxBatch * maxWidth * 4);
  temp[1] = malloc((size_t)maxBatch * maxWidth * 4);
  /* The inputs py_peers.py uses too: a multiplicative hash in [0, 1). */
  for (size_t i = 0; i < in; ++i)
    x[i] = (float)((double)(uint32_t)(i * 2654435761u) / 4294967296.0);

  const char *ortLib = getenv("ORT_LIB"), *ortModel = getenv("ORT_MODEL");
  int haveOrt = ortLib && ortModel && ortLoad(ortLib, ortModel) == 0;
  if (haveOrt)
    fprintf(stderr, "ONNX Runtime %s\n", ortVersion());
  const char *pyScript = getenv("PY_PEERS");
  int havePy =
      pyScript && pyStart(pyScript, argv[1], argv[2], argv[3], hidden) == 0;
  static char reply[1 << 20]; /* up to 50 times per line */
  float *pyOutput = malloc(out * 4);
  char pyOutPath[64];
  snprintf(pyOutPath, sizeof pyOutPath, "/tmp/mlp_bench_py_%d.bin",
           (int)getpid());

  /* Peers: 1 OpenBLAS, 2 oneDNN, 3 ONNX Runtime (all in this process),
     4 PyTorch and 5 numpy (in the Python process). */
  enum { NumPeers = 5 };
  int have[1 + NumPeers] = {1, 1, 1, haveOrt, havePy, havePy};
  const Gemm gemms[] = {openblasGemm, onednnGemm};
  for (int threads = 1; threads <= 2; ++threads) {
    mlpc_set_num_threads(threads);
    openblas_set_num_threads(threads);
    omp_set_num_threads(threads);
    if (haveOrt && ortSetThreads(threads))
      return 1;
    if (havePy && !pyCommand(reply, sizeof reply, "threads %d", threads))
      return 1;
    for (int bi = 0; bi < numBatches; ++bi) {
      int batch = batches[bi];
      double flops = flopsPerRow * batch;
      if (haveOrt && ortBind(x, yb, batch, dims[0], dims[numLayers]))
        return 1;
      if (havePy && !pyCommand(reply, sizeof reply, "batch %d", batch))
        return 1;
      /* About 0.5 s of mlpc per cell, at least 25 calls (the median of fewer
         moves by several % on a shared machine), in blocks of up
         to 20 ms (and 50 calls), so that slow peers too take turns often
         and share the machine's ups and downs. Each block starts with 2
         untimed calls that warm the caches, 1 if a call takes over 5 ms.
         Even a call of 100 ms needs that one: on a Zen 5 VM, the first
         call after the Python peers' process had run took 245 ms where the
         next took 134 (mlpc, wide, batch 512; ONNX Runtime 188 against
         139), as if each page of the 100 MB of weights were mapped anew
         after a switch of process. */
      double estimate = flops / 50e9 + 2e-6;
      int calls = (int)(0.5 / estimate);
      calls = calls < 25 ? 25 : calls > 20000 ? 20000 : calls;
      int block = (int)(0.02 / estimate);
      block = block < 1 ? 1 : block > 50 ? 50 : block;
      int warm = estimate < 5e-3 ? 2 : 1;
      /* Calls much shorter than the clock's own cost (tens of ns) are
         timed `reps` at a time, so that a sample lasts about 2 us. */
      for (int j = 0; j < 10; ++j)
        ENTRY(x, ya, batch);
      double c0 = now();
      for (int j = 0; j < 100; ++j)
        ENTRY(x, ya, batch);
      double perCall = (now() - c0) / 100;
      int reps = perCall > 0 ? (int)(2e-6 / perCall) : 1;
      reps = reps < 1 ? 1 : reps > 1000 ? 1000 : reps;
      if (reps > 1)
        calls = calls / reps < 25 ? 25 : calls / reps;
      double *t[1 + NumPeers];
      for (int p = 0; p <= NumPeers; ++p)
        t[p] = malloc(sizeof(double) * calls);
      double diff = 0;
      int round = 0;
      for (int i = warm ? 0 : -1; i < calls; i += i < 0 ? 1 : block, ++round) {
        int n = i < 0 ? 0 : i + block < calls ? block : calls - i;
        int warmNow = i < 0 ? 1 : warm;
        /* Each round starts with the next peer, so that every peer
           follows every other equally often (what ran just before, in
           this process or the Python one, leaves its mark on the caches
           and TLBs). */
        for (int q = 0; q <= NumPeers; ++q) {
          int p = (q + round) % (NumPeers + 1);
          if (!have[p])
            continue;
          if (p >= 4) { /* the Python process times its own block */
            if (!pyCommand(reply, sizeof reply, "time %s %d %d",
                           p == 4 ? "torch" : "numpy", n, warmNow))
              return 1;
            if (strncmp(reply, "unavailable", 11) == 0) {
              have[p] = 0;
              continue;
            }
            char *cursor = reply;
            for (int j = i; j < i + n; ++j)
              t[p][j] = strtod(cursor, &cursor);
            continue;
          }
          for (int j = -warmNow; j < n; ++j) {
            double t0 = now();
            for (int r = 0; r < reps; ++r) {
              if (p == 0) {
                if (ENTRY(x, ya, batch) != MLPC_OK)
                  return 1;
              } else if (p == 3) {
                if (ortRun())
                  return 1;
              } else {
                peerForward(gemms[p - 1], x, yb, batch);
              }
            }
            if (j >= 0)
              t[p][i + j] = (now() - t0) / reps;
          }
          if (p > 0 && p < 4)
            for (size_t e = 0; e < (size_t)batch * dims[numLayers]; ++e)
              diff = fmax(diff, fabs(ya[e] - yb[e]) / fmax(1.0, fabs(yb[e])));
        }
      }
      /* PyTorch's output against mlpc's. */
      if (havePy && pyCommand(reply, sizeof reply, "out %s", pyOutPath)) {
        FILE *po = fopen(pyOutPath, "rb");
        size_t n = (size_t)batch * dims[numLayers];
        if (po && fread(pyOutput, 4, n, po) == n)
          for (size_t e = 0; e < n; ++e)
            diff = fmax(diff, fabs(ya[e] - pyOutput[e]) /
                                  fmax(1.0, fabs(pyOutput[e])));
        if (po)
          fclose(po);
        remove(pyOutPath);
      }
      /* Medians: mlpc, OpenBLAS, oneDNN, ONNX Runtime, PyTorch, numpy. */
      double med[1 + NumPeers];
      for (int p = 0; p <= NumPeers; ++p) {
        med[p] = NAN;
        if (have[p]) {
          qsort(t[p], calls, sizeof(double), cmp);
          med[p] = t[p][calls / 2];
        }
        free(t[p]);
      }
      double best = INFINITY;
      for (int p = 1; p < 6; ++p)
        if (!isnan(med[p]))
          best = fmin(best, med[p]);
      double gflops = flops / med[0] * 1e-9;
      char pct[16] = "-";
      if (peak[threads] > 0)
        snprintf(pct, sizeof pct, "%.0f%%", 100 * gflops / peak[threads]);
      /* Microseconds, to the nanosecond below 1 us. */
      char cells[6][24];
      for (int p = 0; p < 6; ++p) {
        if (isnan(med[p]))
          snprintf(cells[p], sizeof cells[0], "-");
        else
          snprintf(cells[p], sizeof cells[0], med[p] < 1e-6 ? "%.3f" : "%.2f",
                   med[p] * 1e6);
      }
      printf("| %s | %d | %d | %s | %s | %s | %s | %s | %s | %.0f | %.1f | "
             "%s | %.2f | %.1e |\n",
             STR(ENTRY), threads, batch, cells[0], cells[1], cells[2], cells[3],
             cells[4], cells[5], batch / med[0], gflops, pct, best / med[0],
             diff);
      fflush(stdout);
      if (diff > 1e-4) {
        fprintf(stderr, "outputs disagree\n");
        return 1;
      }
    }
  }
  return 0;
}
