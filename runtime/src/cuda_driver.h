/*===- cuda_driver.h - the CUDA driver API, loaded with dlopen -----------===*
 *
 * The few driver types and functions the runtime uses, declared here with
 * the ABI of cuda.h so that building the runtime needs no CUDA headers and
 * linking it needs no libcuda: the table is filled with dlsym.
 *
 *===----------------------------------------------------------------------===*/
#ifndef MLPC_CUDA_DRIVER_H
#define MLPC_CUDA_DRIVER_H

#include <stddef.h>
#include <stdint.h>

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;

enum {
  CUDA_SUCCESS = 0,
  CUDA_ERROR_INVALID_VALUE = 1,
  CUDA_ERROR_OUT_OF_MEMORY = 2,
  CUDA_ERROR_NOT_INITIALIZED = 3,
  CUDA_ERROR_STUB_LIBRARY = 34,
  CUDA_ERROR_INSUFFICIENT_DRIVER = 35,
  CUDA_ERROR_NO_DEVICE = 100,
  CUDA_ERROR_INVALID_DEVICE = 101,
  CUDA_ERROR_SYSTEM_DRIVER_MISMATCH = 803,
  CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE = 804,
};
enum {
  CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75,
  CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76,
};
enum { CU_JIT_ERROR_LOG_BUFFER = 5, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6 };
#define CU_STREAM_PER_THREAD ((CUstream)0x2)

/* X(return, name, symbol, parameters): one entry per function, `symbol` is
 * the versioned name libcuda exports. */
#define MLPC_CUDA_FUNCTIONS(X)                                                 \
  X(CUresult, cuInit, "cuInit", (unsigned int))                                \
  X(CUresult, cuGetErrorName, "cuGetErrorName", (CUresult, const char **))     \
  X(CUresult, cuGetErrorString, "cuGetErrorString", (CUresult, const char **)) \
  X(CUresult, cuDeviceGet, "cuDeviceGet", (CUdevice *, int))                   \
  X(CUresult, cuDeviceGetAttribute, "cuDeviceGetAttribute",                    \
    (int *, int, CUdevice))                                                    \
  X(CUresult, cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain",            \
    (CUcontext *, CUdevice))                                                   \
  X(CUresult, cuCtxSetCurrent, "cuCtxSetCurrent", (CUcontext))                 \
  X(CUresult, cuModuleLoadDataEx, "cuModuleLoadDataEx",                        \
    (CUmodule *, const void *, unsigned int, int *, void **))                  \
  X(CUresult, cuModuleUnload, "cuModuleUnload", (CUmodule))                    \
  X(CUresult, cuModuleGetFunction, "cuModuleGetFunction",                      \
    (CUfunction *, CUmodule, const char *))                                    \
  X(CUresult, cuMemAlloc, "cuMemAlloc_v2", (CUdeviceptr *, size_t))            \
  X(CUresult, cuMemFree, "cuMemFree_v2", (CUdeviceptr))                        \
  X(CUresult, cuMemcpyHtoD, "cuMemcpyHtoD_v2",                                 \
    (CUdeviceptr, const void *, size_t))                                       \
  X(CUresult, cuMemAllocAsync, "cuMemAllocAsync",                              \
    (CUdeviceptr *, size_t, CUstream))                                         \
  X(CUresult, cuMemFreeAsync, "cuMemFreeAsync", (CUdeviceptr, CUstream))       \
  X(CUresult, cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2",                       \
    (CUdeviceptr, const void *, size_t, CUstream))                             \
  X(CUresult, cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2",                       \
    (void *, CUdeviceptr, size_t, CUstream))                                   \
  X(CUresult, cuLaunchKernel, "cuLaunchKernel",                                \
    (CUfunction, unsigned int, unsigned int, unsigned int, unsigned int,       \
     unsigned int, unsigned int, unsigned int, CUstream, void **, void **))    \
  X(CUresult, cuStreamSynchronize, "cuStreamSynchronize", (CUstream))

struct mlpc_cuda {
#define MLPC_CUDA_FIELD(ret, name, symbol, params) ret(*name) params;
  MLPC_CUDA_FUNCTIONS(MLPC_CUDA_FIELD)
#undef MLPC_CUDA_FIELD
  CUdevice device;
  CUcontext context;
  int compute_capability; /* 10 * major + minor */
};

/* The driver, loaded and initialized once per process with its primary
 * context retained; NULL with mlpc_last_error_message() set (and *status
 * MLPC_ERR_NO_GPU or MLPC_ERR_GPU) when that failed. The outcome is kept:
 * a machine does not gain a driver while a program runs. */
const struct mlpc_cuda *mlpc_cuda_get(int32_t *status);

/* MLPC_OK for CUDA_SUCCESS; otherwise sets the last error to
 * "<what>: <CUDA_ERROR_NAME> (<message>)" and returns MLPC_ERR_GPU, or
 * MLPC_ERR_OUT_OF_MEMORY for CUDA_ERROR_OUT_OF_MEMORY. */
int32_t mlpc_cuda_check(const struct mlpc_cuda *cuda, CUresult result,
                        const char *what);

#endif /* MLPC_CUDA_DRIVER_H */
