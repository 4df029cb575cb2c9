/* Times mlpc's f32, bf16 and int8 objects of one MLP against peers at the
 * same precision, in one process on the same weights and inputs,
 * interleaved in blocks of calls (as mlp_bench.c does for f32):
 *   int8: ONNX Runtime on the model as its quantize_dynamic writes it
 *         (make_onnx.py --int8), oneDNN's u8s8s32 gemm per layer with the
 *         input quantized per tensor and a C epilogue, PyTorch's
 *         quantize_dynamic (qint8 Linear);
 *   bf16: PyTorch with bf16 weights and activations.
 * PyTorch runs in py_peers.py's process, driven over a pipe. Each cell
 * prints the medians, each precision's speed-up over mlpc's f32 and the
 * best same-precision peer's time over mlpc's.
 *
 * Built by bench/run.sh with -DENTRY=<model name> and four objects, whose
 * entries are ENTRY_f32, ENTRY_bf16, ENTRY_int8 and ENTRY_bf16w (bf16 with
 * --bf16-product=widen):
 *   precision_bench WEIGHTS.bin DIMS HEAD BATCHES
 * Environment: ORT_LIB and ORT_MODEL (the int8 .onnx), PY_PEERS.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 199309L
#endif
#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define STR2(x) #x
#define STR(x) STR2(x)
#include "bench_util.h"
#include "ort_peer.h"

#include <math.h>
#include <mlpc/runtime.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/types.h>
#include <unistd.h>

int32_t CAT(ENTRY, _f32)(const float *, float *, int64_t);
int32_t CAT(ENTRY, _bf16)(const float *, float *, int64_t);
int32_t CAT(ENTRY, _int8)(const float *, float *, int64_t);
int32_t CAT(ENTRY, _bf16w)(const float *, float *, int64_t);

enum { MaxLayers = 16, NumPeers = 8 };
/* Peer 7 is mlpc bf16 with --bf16-product=widen (where the target's
   default is dot, the other choice a user has). */
static const char *names[NumPeers] = {
    "mlpc f32",     "mlpc bf16",    "mlpc int8",    "ORT int8",
    "oneDNN u8s8",  "PyTorch int8", "PyTorch bf16", "mlpc bf16 widen"};
static int numLayers, dims[MaxLayers + 1], head;
static float *biases[MaxLayers], *wscale[MaxLayers], *temp[2];
static int8_t *wq[MaxLayers];
static uint8_t *xq;
static int32_t *acc;


/* oneDNN u8s8: each layer's input quantized per tensor to uint8 with a
   zero point (as ONNX Runtime's DynamicQuantizeLinear), the weights per
   column to int8 (quantized once, before timing), the int32 product from
   dnnl_gemm_u8s8s32, then scale, bias and activation in C. */
static void onednnInt8(const float *x, float *y, int batch) {
  const float *in = x;
  for (int l = 0; l < numLayers; ++l) {
    int k = dims[l], n = dims[l + 1];
    size_t size = (size_t)batch * k;
    float lo = 0, hi = 0;
    for (size_t i = 0; i < size; ++i) {
      lo = in[i] < lo ? in[i] : lo;
      hi = in[i] > hi ? in[i] : hi;
    }
    float s = (hi - lo) / 255;
    s = s > 0 ? s : 1;
    int zp = (int)nearbyintf(-lo / s);
    for (size_t i = 0; i < size; ++i) {
      int q = (int)nearbyintf(in[i] / s) + zp;
      xq[i] = (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q);
    }
    dnnl_gemm_u8s8s32('N', 'T', 'F', batch, n, k, 1.0f, xq, k, (uint8_t)zp,
                      wq[l], k, 0, 0.0f, acc, n, &(int32_t){0});
    float *out = l + 1 == numLayers ? y : temp[l % 2];
    for (int r = 0; r < batch; ++r)
      for (int c = 0; c < n; ++c) {
        float v = acc[(size_t)r * n + c] * (s * wscale[l][c]) + biases[l][c];
        out[(size_t)r * n + c] = l + 1 < numLayers && v < 0 ? 0 : v;
      }
    in = out;
  }
  int n = dims[numLayers];
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

static int loadWeights(const char *path, double *flopsPerRow) {
  FILE *f = fopen(path, "rb");
  for (int l = 0; f && l < numLayers; ++l) {
    int k = dims[l], n = dims[l + 1];
    float *w = malloc((size_t)n * k * 4);
    biases[l] = malloc((size_t)n * 4);
    wscale[l] = malloc((size_t)n * 4);
    wq[l] = malloc((size_t)n * k);
    if (fread(w, 4, (size_t)n * k, f) != (size_t)n * k ||
        fread(biases[l], 4, n, f) != (size_t)n) {
      fclose(f);
      return 1;
    }
    for (int c = 0; c < n; ++c) { /* symmetric per output, as mlpc */
      float mx = 0;
      for (int i = 0; i < k; ++i)
        mx = fmaxf(mx, fabsf(w[(size_t)c * k + i]));
      wscale[l][c] = mx / 127;
      for (int i = 0; i < k; ++i)
        wq[l][(size_t)c * k + i] =
            (int8_t)(mx > 0 ? nearbyintf(w[(size_t)c * k + i] / (mx / 127))
                            : 0);
    }
    free(w);
    *flopsPerRow += 2.0 * n * k;
  }
  if (f)
    fclose(f);
  return !f;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s WEIGHTS DIMS HEAD BATCHES\n", argv[0]);
    return 2;
  }
  numLayers = parseList(argv[2], dims, MaxLayers + 1) - 1;
  head = atoi(argv[3]);
  int batches[16], numBatches = parseList(argv[4], batches, 16);
  int maxBatch = 0, maxWidth = 0;
  for (int i = 0; i < numBatches; ++i)
    maxBatch = batches[i] > maxBatch ? batches[i] : maxBatch;
  for (int l = 0; l <= numLayers; ++l)
    maxWidth = dims[l] > maxWidth ? dims[l] : maxWidth;
  double flopsPerRow = 0;
  if (loadWeights(argv[1], &flopsPerRow)) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  size_t in = (size_t)maxBatch * dims[0], out = (size_t)maxBatch * dims[numLayers];
  float *x = malloc(in * 4), *y = malloc(out * 4);
  temp[0] = malloc((size_t)maxBatch * maxWidth * 4);
  temp[1] = malloc((size_t)maxBatch * maxWidth * 4);
  xq = malloc((size_t)maxBatch * maxWidth);
  acc = malloc((size_t)maxBatch * maxWidth * 4);
  /* The inputs py_peers.py uses too: a multiplicative hash in [0, 1). */
  for (size_t i = 0; i < in; ++i)
    x[i] = (float)((double)(uint32_t)(i * 2654435761u) / 4294967296.0);
  int have[NumPeers] = {1, 1, 1, 0, 1, 0, 0, 1};
  const char *ortLib = getenv("ORT_LIB"), *ortModel = getenv("ORT_MODEL");
  have[3] = ortLib && ortModel && ortLoad(ortLib, ortModel) == 0;
  const char *py = getenv("PY_PEERS");
  char reply[1 << 16], command[64];
  have[5] = have[6] = py && pyStart(py, argv[1], argv[2], argv[3], "relu") == 0;
  printf("| model | threads | batch |");
  for (int p = 0; p < NumPeers; ++p)
    printf(" %s us |", names[p]);
  printf(" bf16 vs f32 | int8 vs f32 | best bf16 peer / mlpc bf16 | best int8 "
         "peer / mlpc int8 |\n|---|---|---|");
  for (int p = 0; p < NumPeers + 4; ++p)
    printf("---|");
  printf("\n");
  for (int threads = 1; threads <= 2; ++threads) {
    mlpc_set_num_threads(threads);
    omp_set_num_threads(threads);
    if (have[3] && ortSetThreads(threads))
      return 1;
    snprintf(command, sizeof command, "threads %d", threads);
    if (have[5] && !pyCommand(reply, sizeof reply, "%s", command))
      return 1;
    for (int bi = 0; bi < numBatches; ++bi) {
      int batch = batches[bi];
      if (have[3] && ortBind(x, y, batch, dims[0], dims[numLayers]))
        return 1;
      snprintf(command, sizeof command, "batch %d", batch);
      if (have[5] && !pyCommand(reply, sizeof reply, "%s", command))
        return 1;
      /* About 0.4 s of mlpc f32 per cell, in blocks of up to 20 ms, each
         peer starting the rounds in turn (see mlp_bench.c). */
      double estimate = flopsPerRow * batch / 50e9 + 2e-6;
      int calls = (int)(0.4 / estimate);
      calls = calls < 15 ? 15 : calls > 20000 ? 20000 : calls;
      int block = (int)(0.02 / estimate);
      block = block < 1 ? 1 : block > 50 ? 50 : block;
      double *t[NumPeers];
      for (int p = 0; p < NumPeers; ++p)
        t[p] = malloc(sizeof(double) * calls);
      int round = 0;
      for (int i = 0; i < calls; i += block, ++round) {
        int n = i + block < calls ? block : calls - i;
        for (int q = 0; q < NumPeers; ++q) {
          int p = (q + round) % NumPeers;
          if (!have[p])
            continue;
          if (p == 5 || p == 6) {
            snprintf(command, sizeof command, "time %s %d 2",
                     p == 5 ? "torch-int8" : "torch-bf16", n);
            if (!pyCommand(reply, sizeof reply, "%s", command))
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
          for (int j = -2; j < n; ++j) {
            double t0 = now();
            int status = 0;
            if (p == 0)
              status = CAT(ENTRY, _f32)(x, y, batch);
            else if (p == 1)
              status = CAT(ENTRY, _bf16)(x, y, batch);
            else if (p == 2)
              status = CAT(ENTRY, _int8)(x, y, batch);
            else if (p == 3)
              status = ortRun();
            else if (p == 7)
              status = CAT(ENTRY, _bf16w)(x, y, batch);
            else
              onednnInt8(x, y, batch);
            if (status)
              return 1;
            if (j >= 0)
              t[p][i + j] = now() - t0;
          }
        }
      }
      double med[NumPeers];
      for (int p = 0; p < NumPeers; ++p) {
        med[p] = NAN;
        if (have[p]) {
          qsort(t[p], calls, sizeof(double), cmp);
          med[p] = t[p][calls / 2];
        }
        free(t[p]);
      }
      printf("| %s | %d | %d |", STR(ENTRY), threads, batch);
      for (int p = 0; p < NumPeers; ++p)
        printf(isnan(med[p]) ? " - |" : " %.1f |", med[p] * 1e6);
      double bestInt8 = fmin(fmin(med[3], med[4]), med[5]);
      printf(" %.2fx | %.2fx | %.2f | %.2f |\n", med[0] / med[1],
             med[0] / med[2], med[6] / med[1], bestInt8 / med[2]);
      fflush(stdout);
    }
  }
  return 0;
}
