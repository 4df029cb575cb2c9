/*===- gpu.c - loading, launching and copying for GPU entry points -------===*
 *
 * A program (one object file's kernels and weights) is loaded on first use:
 * under a lock, once, with the weights uploaded then and kept resident for
 * the life of the process, so a call costs its launches and copies only.
 * Every driver failure becomes a status code with the driver's message in
 * mlpc_last_error_message(); nothing here aborts or exits.
 *
 *===----------------------------------------------------------------------===*/
#define _GNU_SOURCE
#include "cuda_driver.h"
#include "internal.h"
#include "mlpc/abi.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mlpc_module {
  const struct mlpc_cuda *cuda;
  CUmodule module;
  uint32_t num_kernels, num_weights;
  CUfunction *functions;
  CUdeviceptr *weights;
};

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

static void destroy(struct mlpc_module *m) {
  if (m->weights)
    for (uint32_t i = 0; i < m->num_weights; ++i)
      if (m->weights[i])
        m->cuda->cuMemFree(m->weights[i]);
  if (m->module)
    m->cuda->cuModuleUnload(m->module);
  free(m->functions);
  free(m->weights);
  free(m);
}

/* The cubin runs on devices of its major architecture and at least its
 * minor one; anything else JIT-compiles the PTX. */
static int cubin_fits(const mlpc_gpu_program *p, int cc) {
  return p->cubin && p->cubin_arch / 10 == cc / 10 &&
         cc % 10 >= p->cubin_arch % 10;
}

static int32_t load_image(const struct mlpc_cuda *cuda,
                          const mlpc_gpu_program *p, CUmodule *module) {
  char log[4096] = "";
  int options[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {log, (void *)(uintptr_t)sizeof log};
  CUresult r = 1;
  if (cubin_fits(p, cuda->compute_capability))
    r = cuda->cuModuleLoadDataEx(module, p->cubin, 2, options, values);
  if (r != CUDA_SUCCESS) {
    log[0] = 0;
    r = cuda->cuModuleLoadDataEx(module, p->ptx, 2, options, values);
  }
  int32_t status = mlpc_cuda_check(cuda, r, "cuModuleLoadDataEx");
  if (status != MLPC_OK && log[0]) {
    char first[512];
    snprintf(first, sizeof first, "%s", mlpc_last_error_message());
    mlpc_fail(status, "%s; PTX JIT log: %s", first, log);
  }
  return status;
}

static int32_t load_module(const struct mlpc_cuda *cuda,
                           const mlpc_gpu_program *p,
                           struct mlpc_module **out) {
  if (p->abi_version != MLPC_GPU_ABI_VERSION)
    return mlpc_fail(MLPC_ERR_GPU,
                     "the object was compiled for GPU ABI %u but this "
                     "runtime has ABI %d; link the runtime of the mlpc that "
                     "compiled it",
                     p->abi_version, MLPC_GPU_ABI_VERSION);
  struct mlpc_module *m = calloc(1, sizeof *m);
  if (m) {
    m->cuda = cuda;
    m->num_kernels = p->num_kernels;
    m->num_weights = p->num_weights;
    m->functions = calloc(p->num_kernels + 1, sizeof *m->functions);
    m->weights = calloc(p->num_weights + 1, sizeof *m->weights);
  }
  if (!m || !m->functions || !m->weights) {
    if (m)
      destroy(m);
    return mlpc_fail(MLPC_ERR_OUT_OF_MEMORY, "out of host memory");
  }
  int32_t status = load_image(cuda, p, &m->module);
  for (uint32_t i = 0; status == MLPC_OK && i < p->num_kernels; ++i)
    status =
        mlpc_cuda_check(cuda,
                        cuda->cuModuleGetFunction(&m->functions[i], m->module,
                                                  p->kernel_names[i]),
                        "cuModuleGetFunction");
  for (uint32_t i = 0; status == MLPC_OK && i < p->num_weights; ++i) {
    size_t bytes = p->weight_bytes[i];
    status = mlpc_cuda_check(cuda, cuda->cuMemAlloc(&m->weights[i], bytes),
                             "cuMemAlloc (weights)");
    if (status == MLPC_OK)
      status = mlpc_cuda_check(
          cuda, cuda->cuMemcpyHtoD(m->weights[i], p->weights[i], bytes),
          "cuMemcpyHtoD (weights)");
  }
  if (status != MLPC_OK) {
    destroy(m);
    return status;
  }
  *out = m;
  return MLPC_OK;
}

int32_t mlpc_gpu_load(mlpc_gpu_program *program, void **module) {
  *module = NULL;
  int32_t status;
  const struct mlpc_cuda *cuda = mlpc_cuda_get(&status);
  if (!cuda)
    return status;
  /* The primary context must be current on whichever thread calls. */
  if ((status = mlpc_cuda_check(cuda, cuda->cuCtxSetCurrent(cuda->context),
                                "cuCtxSetCurrent")))
    return status;
  struct mlpc_module *m = __atomic_load_n(&program->state, __ATOMIC_ACQUIRE);
  if (!m) {
    pthread_mutex_lock(&load_lock);
    m = __atomic_load_n(&program->state, __ATOMIC_RELAXED);
    if (!m) {
      status = load_module(cuda, program, &m);
      if (status == MLPC_OK)
        __atomic_store_n(&program->state, m, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&load_lock);
    if (status != MLPC_OK)
      return status;
  }
  *module = m;
  return MLPC_OK;
}

void *mlpc_gpu_weight(void *module, int32_t index) {
  struct mlpc_module *m = module;
  return (void *)(uintptr_t)m->weights[index];
}

int32_t mlpc_gpu_alloc(void *module, uint64_t bytes, void *stream,
                       void **device_ptr) {
  struct mlpc_module *m = module;
  CUdeviceptr p = 0;
  int32_t status = mlpc_cuda_check(
      m->cuda, m->cuda->cuMemAllocAsync(&p, bytes ? bytes : 1, stream),
      "cuMemAllocAsync");
  *device_ptr = (void *)(uintptr_t)p;
  return status;
}

void mlpc_gpu_free(void *module, void *device_ptr, void *stream) {
  struct mlpc_module *m = module;
  if (m && device_ptr)
    m->cuda->cuMemFreeAsync((CUdeviceptr)(uintptr_t)device_ptr, stream);
}

int32_t mlpc_gpu_launch(void *module, int32_t kernel, uint64_t grid_x,
                        uint64_t grid_y, uint64_t grid_z, uint32_t block_x,
                        uint32_t block_y, uint32_t block_z,
                        uint32_t shared_bytes, void *stream, void **params) {
  struct mlpc_module *m = module;
  if (kernel < 0 || (uint32_t)kernel >= m->num_kernels)
    return mlpc_fail(MLPC_ERR_GPU, "kernel index %d out of range", kernel);
  /* CUDA's limits on a grid: the batch decides grid_x. */
  if (grid_x > 0x7fffffffu || grid_y > 65535 || grid_z > 65535)
    return mlpc_fail(MLPC_ERR_BAD_BATCH,
                     "the batch needs a grid of %llu x %llu x %llu blocks, "
                     "more than CUDA allows; split it into smaller calls",
                     (unsigned long long)grid_x, (unsigned long long)grid_y,
                     (unsigned long long)grid_z);
  return mlpc_cuda_check(
      m->cuda,
      m->cuda->cuLaunchKernel(m->functions[kernel], (unsigned)grid_x,
                              (unsigned)grid_y, (unsigned)grid_z, block_x,
                              block_y, block_z, shared_bytes, stream, params,
                              NULL),
      "cuLaunchKernel");
}

int32_t mlpc_gpu_run_host(mlpc_gpu_program *program,
                          int32_t (*device_fn)(void *const *buffers,
                                               int64_t batch, void *stream),
                          int32_t num_inputs, int32_t num_outputs,
                          void *const *host_buffers, const uint64_t *bytes,
                          int64_t batch) {
  void *module;
  int32_t status = mlpc_gpu_load(program, &module);
  if (status != MLPC_OK)
    return status;
  const struct mlpc_cuda *cuda = ((struct mlpc_module *)module)->cuda;
  /* The per-thread default stream: concurrent callers do not serialize. */
  CUstream stream = CU_STREAM_PER_THREAD;
  /* The buffers' device addresses: on the stack for the usual few. */
  int32_t n = num_inputs + num_outputs;
  void *local[16];
  void **device = n <= 16 ? local : calloc(n, sizeof *device);
  if (!device)
    return mlpc_fail(MLPC_ERR_OUT_OF_MEMORY, "out of host memory");

  /* One device allocation for all buffers, each 256-byte aligned. */
  uint64_t total = 0;
  for (int32_t i = 0; i < n; ++i)
    total += (bytes[i] + 255) & ~(uint64_t)255;
  void *base = NULL;
  status = mlpc_gpu_alloc(module, total, stream, &base);
  uint64_t offset = 0;
  for (int32_t i = 0; status == MLPC_OK && i < n; ++i) {
    device[i] = (char *)base + offset;
    offset += (bytes[i] + 255) & ~(uint64_t)255;
  }
  for (int32_t i = 0; status == MLPC_OK && i < num_inputs; ++i)
    status = mlpc_cuda_check(
        cuda,
        cuda->cuMemcpyHtoDAsync((CUdeviceptr)(uintptr_t)device[i],
                                host_buffers[i], bytes[i], stream),
        "cuMemcpyHtoDAsync");
  if (status == MLPC_OK)
    status = device_fn(device, batch, stream);
  for (int32_t i = num_inputs; status == MLPC_OK && i < n; ++i)
    status =
        mlpc_cuda_check(cuda,
                        cuda->cuMemcpyDtoHAsync(
                            host_buffers[i], (CUdeviceptr)(uintptr_t)device[i],
                            bytes[i], stream),
                        "cuMemcpyDtoHAsync");
  mlpc_gpu_free(module, base, stream);
  /* Kernel faults surface here, at the first synchronization. */
  CUresult r = cuda->cuStreamSynchronize(stream);
  if (status == MLPC_OK)
    status = mlpc_cuda_check(cuda, r, "cuStreamSynchronize");
  if (device != local)
    free(device);
  return status;
}
