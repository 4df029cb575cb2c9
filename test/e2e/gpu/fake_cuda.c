/*===- fake_cuda.c - a CUDA driver stand-in for the runtime's tests ------===*
 *
 * Loaded by the runtime through MLPC_CUDA_LIBRARY, exactly where it would
 * load libcuda.so.1, so the tests cover the dlopen/dlsym boundary too.
 * "Device" memory is host memory; kernels do not run. What it checks and
 * records instead:
 *   - every call, as one line of a text log the tests read back;
 *   - each launch's parameters, against the kernel's signature parsed from
 *     the PTX: every memref descriptor must point into live device memory
 *     and its sizes and strides must stay inside that allocation
 *     (CUDA_ERROR_ILLEGAL_ADDRESS otherwise, as a real fault would give);
 *   - injected failures: fake_cuda_fail("cuLaunchKernel", 701) makes the
 *     next call of that function fail; FAKE_CUDA_INIT_ERROR makes cuInit
 *     fail (no device); FAKE_CUDA_COMPUTE_CAPABILITY (default 75) is the
 *     device's compute capability.
 *
 *===----------------------------------------------------------------------===*/
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The driver's types from the runtime's own table: calls through pointers
 * of other types are undefined, and -fsanitize=function reports them. */
#include "cuda_driver.h"

enum { MaxKernels = 256, MaxParams = 128, MaxAllocs = 4096 };

struct Kernel {
  char name[128];
  int numParams; /* -1: unknown (loaded from a cubin) */
  char isPointer[MaxParams];
};
struct Module {
  int numKernels;
  int fromCubin;
  struct Kernel kernels[MaxKernels];
};
struct Alloc {
  char *p;
  size_t n;
  int live;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char logText[1 << 20];
static size_t logLength;
static int computeCapability = 75; /* or FAKE_CUDA_COMPUTE_CAPABILITY */
static char failFunction[64];
static CUresult failCode;
static struct Alloc allocs[MaxAllocs];
static int numAllocs;

static void logLine(const char *format, ...) {
  va_list args;
  va_start(args, format);
  int n =
      vsnprintf(logText + logLength, sizeof logText - logLength, format, args);
  va_end(args);
  if (n > 0 && logLength + n + 1 < sizeof logText) {
    logLength += n;
    logText[logLength++] = '\n';
    logText[logLength] = 0;
  }
}

/* The injected failure for `fn`, once. */
static CUresult injected(const char *fn) {
  if (failFunction[0] && strcmp(failFunction, fn) == 0) {
    failFunction[0] = 0;
    logLine("fail %s %d", fn, failCode);
    return failCode;
  }
  return 0;
}

static void *track(size_t n) {
  char *p = calloc(1, n ? n : 1);
  if (p && numAllocs < MaxAllocs)
    allocs[numAllocs++] = (struct Alloc){p, n, 1};
  return p;
}

static struct Alloc *findAlloc(uintptr_t p) {
  for (int i = 0; i < numAllocs; ++i)
    if (allocs[i].live && p >= (uintptr_t)allocs[i].p &&
        p < (uintptr_t)allocs[i].p + (allocs[i].n ? allocs[i].n : 1))
      return &allocs[i];
  return NULL;
}

static CUresult release(uintptr_t p) {
  for (int i = 0; i < numAllocs; ++i)
    if (allocs[i].live && (uintptr_t)allocs[i].p == p) {
      allocs[i].live = 0;
      free(allocs[i].p);
      return 0;
    }
  return 1; /* CUDA_ERROR_INVALID_VALUE */
}

/*===--- control, for the tests ------------------------------------------===*/

const char *fake_cuda_log(void) { return logText; }
void fake_cuda_clear_log(void) {
  pthread_mutex_lock(&lock);
  logLength = 0;
  logText[0] = 0;
  pthread_mutex_unlock(&lock);
}
void fake_cuda_fail(const char *fn, int code) {
  pthread_mutex_lock(&lock);
  snprintf(failFunction, sizeof failFunction, "%s", fn);
  failCode = code;
  pthread_mutex_unlock(&lock);
}
/* Device allocations still live. */
int fake_cuda_live_allocations(void) {
  int n = 0;
  for (int i = 0; i < numAllocs; ++i)
    n += allocs[i].live;
  return n;
}

/*===--- the driver API --------------------------------------------------===*/

CUresult cuInit(unsigned flags) {
  (void)flags;
  const char *err = getenv("FAKE_CUDA_INIT_ERROR");
  const char *cc = getenv("FAKE_CUDA_COMPUTE_CAPABILITY");
  if (cc)
    computeCapability = atoi(cc);
  pthread_mutex_lock(&lock);
  logLine("cuInit");
  pthread_mutex_unlock(&lock);
  return err ? atoi(err) : 0;
}

CUresult cuGetErrorName(CUresult e, const char **s) {
  switch (e) {
  case 2:
    *s = "CUDA_ERROR_OUT_OF_MEMORY";
    return 0;
  case 100:
    *s = "CUDA_ERROR_NO_DEVICE";
    return 0;
  case 218:
    *s = "CUDA_ERROR_INVALID_PTX";
    return 0;
  case 500:
    *s = "CUDA_ERROR_NOT_FOUND";
    return 0;
  case 700:
    *s = "CUDA_ERROR_ILLEGAL_ADDRESS";
    return 0;
  case 701:
    *s = "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES";
    return 0;
  default:
    *s = NULL;
    return 1;
  }
}

CUresult cuGetErrorString(CUresult e, const char **s) {
  *s = e == 100 ? "no CUDA-capable device is detected" : "fake driver error";
  return 0;
}

CUresult cuDeviceGet(int *device, int ordinal) {
  *device = ordinal;
  return ordinal == 0 ? 0 : 101;
}

CUresult cuDeviceGetAttribute(int *value, int attribute, int device) {
  (void)device;
  *value = attribute == 75 ? computeCapability / 10 : computeCapability % 10;
  return 0;
}

CUresult cuDevicePrimaryCtxRetain(CUcontext *context, CUdevice device) {
  (void)device;
  *context = (CUcontext)0xc0;
  return 0;
}

CUresult cuCtxSetCurrent(CUcontext context) { return context ? 0 : 201; }

/* Kernel signatures from PTX ".visible .entry NAME(\n .param .u64 .ptr ..". */
static void parsePtx(struct Module *m, const char *ptx) {
  const char *p = ptx;
  while ((p = strstr(p, ".entry ")) && m->numKernels < MaxKernels) {
    struct Kernel *k = &m->kernels[m->numKernels++];
    p += 7;
    size_t n = strcspn(p, "(");
    snprintf(k->name, sizeof k->name, "%.*s", (int)n, p);
    const char *end = strchr(p, ')');
    const char *q = p;
    while ((q = strstr(q, ".param")) && q < end && k->numParams < MaxParams) {
      const char *lineEnd = strchr(q, '\n');
      const char *ptr = strstr(q, ".ptr");
      k->isPointer[k->numParams++] = ptr && ptr < lineEnd;
      q += 6;
    }
    p = end;
  }
}

CUresult cuModuleLoadDataEx(CUmodule *module, const void *image, unsigned n,
                            int *options, void **values) {
  pthread_mutex_lock(&lock);
  CUresult r = injected("cuModuleLoadDataEx");
  int cubin = memcmp(image,
                     "\x7f"
                     "ELF",
                     4) == 0;
  logLine("load %s", cubin ? "cubin" : "ptx");
  if (r) {
    for (unsigned i = 0; i < n; ++i)
      if (options[i] == 5 /* CU_JIT_ERROR_LOG_BUFFER */)
        snprintf(values[i], 64, "ptxas fatal: injected JIT failure");
    pthread_mutex_unlock(&lock);
    return r;
  }
  struct Module *m = calloc(1, sizeof *m);
  m->fromCubin = cubin;
  if (!cubin)
    parsePtx(m, image);
  *module = (CUmodule)m;
  pthread_mutex_unlock(&lock);
  return 0;
}

CUresult cuModuleUnload(CUmodule module) {
  free((struct Module *)module);
  return 0;
}

CUresult cuModuleGetFunction(CUfunction *function, CUmodule module,
                             const char *name) {
  struct Module *m = (struct Module *)module;
  pthread_mutex_lock(&lock);
  logLine("get %s", name);
  for (int i = 0; i < m->numKernels; ++i)
    if (strcmp(m->kernels[i].name, name) == 0) {
      *function = (CUfunction)&m->kernels[i];
      pthread_mutex_unlock(&lock);
      return 0;
    }
  CUresult r = 500;
  if (m->fromCubin && m->numKernels < MaxKernels) {
    /* A cubin's signatures are not parsed: accept the name. */
    struct Kernel *k = &m->kernels[m->numKernels++];
    snprintf(k->name, sizeof k->name, "%s", name);
    k->numParams = -1;
    *function = (CUfunction)k;
    r = 0;
  }
  pthread_mutex_unlock(&lock);
  return r;
}

CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t n) {
  pthread_mutex_lock(&lock);
  CUresult r = injected("cuMemAlloc");
  if (!r) {
    *p = (uintptr_t)track(n);
    logLine("alloc %#llx %zu", *p, n);
  }
  pthread_mutex_unlock(&lock);
  return r;
}

CUresult cuMemFree_v2(CUdeviceptr p) {
  pthread_mutex_lock(&lock);
  logLine("free %#llx", p);
  CUresult r = release(p);
  pthread_mutex_unlock(&lock);
  return r;
}

static CUresult copy(const char *what, void *dst, const void *src, size_t n,
                     uintptr_t device, CUstream stream) {
  pthread_mutex_lock(&lock);
  struct Alloc *a = findAlloc(device);
  CUresult r = 0;
  if (!a || device + n > (uintptr_t)a->p + a->n) {
    logLine("%s %#lx %zu OUT OF BOUNDS", what, (unsigned long)device, n);
    r = 700;
  } else {
    memcpy(dst, src, n);
    logLine("%s %#lx %zu stream=%p", what, (unsigned long)device, n,
            (void *)stream);
  }
  pthread_mutex_unlock(&lock);
  return r;
}

CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t n) {
  return copy("htod", (void *)(uintptr_t)dst, src, n, dst, NULL);
}

CUresult cuMemAllocAsync(CUdeviceptr *p, size_t n, CUstream stream) {
  pthread_mutex_lock(&lock);
  CUresult r = injected("cuMemAllocAsync");
  if (!r) {
    *p = (uintptr_t)track(n);
    logLine("allocasync %#llx %zu stream=%p", *p, n, (void *)stream);
  }
  pthread_mutex_unlock(&lock);
  return r;
}

CUresult cuMemFreeAsync(CUdeviceptr p, CUstream stream) {
  pthread_mutex_lock(&lock);
  logLine("freeasync %#llx stream=%p", p, (void *)stream);
  CUresult r = release(p);
  pthread_mutex_unlock(&lock);
  return r;
}

CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src, size_t n,
                              CUstream stream) {
  return copy("htodasync", (void *)(uintptr_t)dst, src, n, dst, stream);
}

CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t n,
                              CUstream stream) {
  return copy("dtohasync", dst, (const void *)(uintptr_t)src, n, src, stream);
}

/* Checks one memref descriptor (allocated, aligned, offset, sizes[rank],
 * strides[rank]) of a launch. */
static int descriptorInBounds(const uint64_t *v, int rank) {
  struct Alloc *a = findAlloc((uintptr_t)v[1]);
  if (!a || v[2] != 0)
    return 0;
  uint64_t last = 0;
  for (int d = 0; d < rank; ++d) {
    if (v[3 + d] == 0)
      return 0;
    last += (v[3 + d] - 1) * v[3 + rank + d];
  }
  return v[1] + (last + 1) * 4 <= (uintptr_t)a->p + a->n;
}

CUresult cuLaunchKernel(CUfunction function, unsigned gx, unsigned gy,
                        unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned smem, CUstream stream, void **params,
                        void **extra) {
  (void)extra;
  struct Kernel *k = (struct Kernel *)function;
  pthread_mutex_lock(&lock);
  CUresult r = injected("cuLaunchKernel");
  char values[4096] = "";
  size_t used = 0;
  uint64_t v[MaxParams];
  for (int i = 0; i < k->numParams; ++i) {
    memcpy(&v[i], params[i], 8);
    used += snprintf(values + used, sizeof values - used, "%s%#llx",
                     i ? "," : "", (unsigned long long)v[i]);
  }
  logLine("launch %s grid=%u,%u,%u block=%u,%u,%u smem=%u stream=%p "
          "params=%s",
          k->name, gx, gy, gz, bx, by, bz, smem, (void *)stream, values);
  /* Descriptors: a pointer pair, then integers up to the next pair; the
   * kernel's last parameter is the batch. */
  for (int i = 0; !r && i < k->numParams;) {
    if (!(k->isPointer[i] && i + 1 < k->numParams && k->isPointer[i + 1])) {
      ++i;
      continue;
    }
    int j = i + 2;
    while (j < k->numParams && !k->isPointer[j])
      ++j;
    int ints = j - i - 2 - (j == k->numParams ? 1 : 0);
    if (ints < 1 || (ints - 1) % 2 ||
        !descriptorInBounds(&v[i], (ints - 1) / 2)) {
      logLine("launch %s: parameter %d is not an in-bounds descriptor", k->name,
              i);
      r = 700;
    }
    i = j;
  }
  if (!r && (gx == 0 || gy == 0 || gz == 0 || bx * by * bz > 1024))
    r = 1;
  /* Run the kernel when the test executable carries a CPU emulation of it
   * (test/e2e/gpu/emulator.cpp); otherwise the launch is only recorded. */
  typedef int (*Emulate)(const char *, const unsigned *, const unsigned *,
                         void **);
  Emulate emulate =
      (Emulate)(uintptr_t)dlsym(RTLD_DEFAULT, "mlpc_test_emulate_launch");
  if (!r && emulate) {
    unsigned grid[3] = {gx, gy, gz}, block[3] = {bx, by, bz};
    if (emulate(k->name, grid, block, params) == 0)
      logLine("ran %s", k->name);
  }
  pthread_mutex_unlock(&lock);
  return r;
}

CUresult cuStreamSynchronize(CUstream stream) {
  pthread_mutex_lock(&lock);
  logLine("sync %p", (void *)stream);
  CUresult r = injected("cuStreamSynchronize");
  pthread_mutex_unlock(&lock);
  return r;
}
