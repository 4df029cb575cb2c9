/*===- cuda_driver.c - loading the CUDA driver on first use --------------===*
 *
 * dlopen at run time instead of linking libcuda: an app built with a GPU
 * model still starts, and its CPU code still runs, on machines without an
 * NVIDIA driver; its GPU entry points then return MLPC_ERR_NO_GPU.
 *
 *===----------------------------------------------------------------------===*/
#define _GNU_SOURCE
#include "cuda_driver.h"
#include "internal.h"
#include "mlpc/runtime.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct mlpc_cuda driver;
static const struct mlpc_cuda *loaded;
static int32_t load_status;
static char load_error[1024];

int32_t mlpc_cuda_check(const struct mlpc_cuda *cuda, CUresult result,
                        const char *what) {
  if (result == CUDA_SUCCESS)
    return MLPC_OK;
  const char *name = NULL, *text = NULL;
  if (cuda && cuda->cuGetErrorName)
    cuda->cuGetErrorName(result, &name);
  if (cuda && cuda->cuGetErrorString)
    cuda->cuGetErrorString(result, &text);
  return mlpc_fail(result == CUDA_ERROR_OUT_OF_MEMORY ? MLPC_ERR_OUT_OF_MEMORY
                                                      : MLPC_ERR_GPU,
                   "%s: %s (%s)", what, name ? name : "unknown CUDA error",
                   text ? text : "no description");
}

/* Errors that mean "no usable GPU here" rather than "a call failed". */
static int is_no_gpu(CUresult r) {
  return r == CUDA_ERROR_NO_DEVICE || r == CUDA_ERROR_STUB_LIBRARY ||
         r == CUDA_ERROR_INSUFFICIENT_DRIVER ||
         r == CUDA_ERROR_INVALID_DEVICE ||
         r == CUDA_ERROR_SYSTEM_DRIVER_MISMATCH ||
         r == CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE;
}

static int32_t initialize(void) {
  const char *path = getenv("MLPC_CUDA_LIBRARY");
  if (!path || !*path)
    path = "libcuda.so.1";
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *why = dlerror();
    return mlpc_fail(MLPC_ERR_NO_GPU,
                     "no CUDA driver: cannot load %s (%s); install the "
                     "NVIDIA driver or set MLPC_CUDA_LIBRARY",
                     path, why ? why : "unknown reason");
  }
#define MLPC_CUDA_LOOKUP(ret, name, symbol, params)                            \
  *(void **)(&driver.name) = dlsym(lib, symbol);                               \
  if (!driver.name)                                                            \
    return mlpc_fail(MLPC_ERR_NO_GPU,                                          \
                     "the CUDA driver %s lacks %s; mlpc needs a driver "       \
                     "for CUDA 11.2 or newer",                                 \
                     path, symbol);
  MLPC_CUDA_FUNCTIONS(MLPC_CUDA_LOOKUP)
#undef MLPC_CUDA_LOOKUP

  CUresult r = driver.cuInit(0);
  if (r != CUDA_SUCCESS) {
    int32_t status = mlpc_cuda_check(&driver, r, "cuInit");
    return is_no_gpu(r) ? MLPC_ERR_NO_GPU : status;
  }
  int64_t ordinal = 0;
  mlpc_env_int64("MLPC_CUDA_DEVICE", 0, INT32_MAX, &ordinal);
  r = driver.cuDeviceGet(&driver.device, (int)ordinal);
  if (r != CUDA_SUCCESS) {
    int32_t status = mlpc_cuda_check(&driver, r, "cuDeviceGet");
    return is_no_gpu(r) ? MLPC_ERR_NO_GPU : status;
  }
  int major = 0, minor = 0;
  int32_t status;
  if ((status = mlpc_cuda_check(
           &driver,
           driver.cuDeviceGetAttribute(
               &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
               driver.device),
           "cuDeviceGetAttribute")) ||
      (status = mlpc_cuda_check(
           &driver,
           driver.cuDeviceGetAttribute(
               &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
               driver.device),
           "cuDeviceGetAttribute")) ||
      (status = mlpc_cuda_check(
           &driver,
           driver.cuDevicePrimaryCtxRetain(&driver.context, driver.device),
           "cuDevicePrimaryCtxRetain")))
    return status;
  driver.compute_capability = 10 * major + minor;
  return MLPC_OK;
}

static void initialize_once(void) {
  load_status = initialize();
  if (load_status == MLPC_OK)
    loaded = &driver;
  else
    snprintf(load_error, sizeof load_error, "%s", mlpc_last_error_message());
}

const struct mlpc_cuda *mlpc_cuda_get(int32_t *status) {
  pthread_once(&once, initialize_once);
  if (!loaded)
    mlpc_fail(load_status, "%s", load_error); /* for this thread too */
  *status = load_status;
  return loaded;
}
