/*===- status.c - status strings of the mlpc runtime ---------------------===*/
#include "internal.h"
#include "mlpc/runtime.h"

#include <stdarg.h>
#include <stdio.h>

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
  case MLPC_ERR_OVERLAP:
    return "an output buffer overlaps an input or another output; give each "
           "output its own memory";
  case MLPC_ERR_BAD_INDEX:
    return "a class index is outside [0, number of classes)";
  default:
    return "unknown mlpc status code";
  }
}

const char *mlpc_runtime_version(void) { return MLPC_VERSION_STRING; }

/* Per thread: concurrent callers each see their own failure. */
static _Thread_local char last_error[1024];

const char *mlpc_last_error_message(void) { return last_error; }

int32_t mlpc_fail(int32_t status, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(last_error, sizeof last_error, format, args);
  va_end(args);
  return status;
}
