/*===- status.c - status strings of the mlpc runtime ---------------------===*/
#include "mlpc/runtime.h"

const char *mlpc_status_string(int32_t status) {
  switch (status) {
  case MLPC_OK:
    return "success";
  case MLPC_ERR_NULL_POINTER:
    return "an input or output pointer is NULL";
  case MLPC_ERR_BAD_BATCH:
    return "bad batch size: it must be at least 1, fit in memory, and equal "
           "the static leading dimension of an entry that has no dynamic one";
  case MLPC_ERR_OUT_OF_MEMORY:
    return "out of memory while allocating a temporary buffer";
  case MLPC_ERR_NO_GPU:
    return "no usable NVIDIA GPU or CUDA driver on this machine";
  case MLPC_ERR_GPU:
    return "a CUDA driver call failed";
  default:
    return "unknown mlpc status code";
  }
}

const char *mlpc_runtime_version(void) { return MLPC_VERSION_STRING; }
