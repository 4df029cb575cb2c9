/* ONNX Runtime as a benchmark peer; see ort_peer.h.
 *
 * OrtGetApiBase() -> GetApi(version) returns a table of function pointers
 * whose order ONNX Runtime only ever appends to; the indices below are the
 * positions of the functions used here in that table (ORT_API_VERSION 1
 * onwards, except AddSessionConfigEntry, added in version 2). */
#define _GNU_SOURCE
#include "ort_peer.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum {
  GetErrorMessage = 2,
  CreateEnv = 3,
  CreateSession = 7,
  Run = 9,
  CreateSessionOptions = 10,
  SetSessionGraphOptimizationLevel = 23,
  SetIntraOpNumThreads = 24,
  SetInterOpNumThreads = 25,
  CreateTensorWithDataAsOrtValue = 49,
  CreateCpuMemoryInfo = 69,
  ReleaseStatus = 93,
  ReleaseSession = 95,
  ReleaseValue = 96,
  ReleaseSessionOptions = 100,
  AddSessionConfigEntry = 130,
};

typedef struct {
  const void *(*GetApi)(uint32_t version);
  const char *(*GetVersionString)(void);
} ApiBase;

static void *const *api;
static const ApiBase *base;
static void *env, *session, *memoryInfo, *input, *output;
static const char *modelPath;

#define FN(index, type) ((type)api[index])
typedef void *Status;

/* Prints and frees a failed status; 0 for success. */
static int check(Status s, const char *what) {
  if (!s)
    return 0;
  fprintf(stderr, "onnxruntime %s: %s\n", what,
          FN(GetErrorMessage, const char *(*)(Status))(s));
  FN(ReleaseStatus, void (*)(Status))(s);
  return 1;
}

int ortLoad(const char *library, const char *model) {
  void *lib = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "onnxruntime: %s\n", dlerror());
    return 1;
  }
  const ApiBase *(*getBase)(void) =
      (const ApiBase *(*)(void))dlsym(lib, "OrtGetApiBase");
  if (!getBase || !(base = getBase()) ||
      !(api = (void *const *)base->GetApi(2))) {
    fprintf(stderr, "onnxruntime: no OrtGetApiBase/GetApi in %s\n", library);
    return 1;
  }
  modelPath = model;
  return check(FN(CreateEnv, Status(*)(int, const char *, void **))(
                   3 /* ORT_LOGGING_LEVEL_ERROR */, "bench", &env),
               "CreateEnv") ||
         check(FN(CreateCpuMemoryInfo, Status(*)(int, int, void **))(
                   0 /* OrtDeviceAllocator */, 0 /* OrtMemTypeDefault */,
                   &memoryInfo),
               "CreateCpuMemoryInfo");
}

const char *ortVersion(void) { return base ? base->GetVersionString() : "-"; }

int ortSetThreads(int threads) {
  if (session)
    FN(ReleaseSession, void (*)(void *))(session);
  session = NULL;
  void *options;
  if (check(FN(CreateSessionOptions, Status(*)(void **))(&options),
            "CreateSessionOptions"))
    return 1;
  typedef Status (*SetInt)(void *, int);
  typedef Status (*SetEntry)(void *, const char *, const char *);
  int failed =
      check(FN(SetIntraOpNumThreads, SetInt)(options, threads),
            "SetIntraOpNumThreads") ||
      check(FN(SetInterOpNumThreads, SetInt)(options, 1),
            "SetInterOpNumThreads") ||
      check(FN(SetSessionGraphOptimizationLevel, SetInt)(options, 99 /* all */),
            "SetSessionGraphOptimizationLevel") ||
      /* Idle pool threads sleep at once instead of spinning (ONNX
         Runtime's default) for the next run, which would take the other
         core from the next peer's block; ORT_SPIN=1 keeps the default. */
      (!getenv("ORT_SPIN") &&
       check(FN(AddSessionConfigEntry,
                SetEntry)(options, "session.intra_op.allow_spinning", "0"),
             "AddSessionConfigEntry")) ||
      check(FN(CreateSession, Status(*)(void *, const char *, void *, void **))(
                env, modelPath, options, &session),
            "CreateSession");
  FN(ReleaseSessionOptions, void (*)(void *))(options);
  return failed;
}

int ortBind(const float *x, float *y, int batch, int inWidth, int outWidth) {
  typedef Status (*Create)(void *, void *, size_t, const int64_t *, size_t, int,
                           void **);
  for (void **v = &input; v <= &output; ++v)
    if (*v) {
      FN(ReleaseValue, void (*)(void *))(*v);
      *v = NULL;
    }
  int64_t inShape[2] = {batch, inWidth}, outShape[2] = {batch, outWidth};
  return check(FN(CreateTensorWithDataAsOrtValue, Create)(
                   memoryInfo, (void *)x, sizeof(float) * batch * inWidth,
                   inShape, 2, 1 /* float */, &input),
               "CreateTensorWithDataAsOrtValue") ||
         check(FN(CreateTensorWithDataAsOrtValue,
                  Create)(memoryInfo, y, sizeof(float) * batch * outWidth,
                          outShape, 2, 1, &output),
               "CreateTensorWithDataAsOrtValue");
}

int ortRun(void) {
  static const char *inNames[] = {"x"}, *outNames[] = {"y"};
  typedef Status (*RunFn)(void *, const void *, const char *const *,
                          const void *const *, size_t, const char *const *,
                          size_t, void **);
  return check(FN(Run, RunFn)(session, NULL, inNames,
                              (const void *const *)&input, 1, outNames, 1,
                              &output),
               "Run");
}
