/*===- mlpc/runtime.h - status codes and runtime API of mlpc -------------===*
 *
 * Every entry point that mlpc generates has the form
 *
 *   int32_t NAME(const float *in0, ..., float *out0, ..., int64_t batch);
 *
 * and returns MLPC_OK or one of the codes below. Buffers are row-major,
 * contiguous and need no particular alignment; outputs must not overlap
 * inputs. `batch` is the dynamic leading dimension (for an entry without
 * one, it must equal the static leading dimension of its first argument).
 *
 *===----------------------------------------------------------------------===*/
#ifndef MLPC_RUNTIME_H
#define MLPC_RUNTIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum mlpc_status {
  MLPC_OK = 0,
  /* An input or output pointer was NULL. */
  MLPC_ERR_NULL_POINTER = 1,
  /* batch < 1, batch too large for the address space, or (for an entry
     with a static leading dimension) batch differs from it. */
  MLPC_ERR_BAD_BATCH = 2,
  /* A temporary buffer could not be allocated. */
  MLPC_ERR_OUT_OF_MEMORY = 3,
  /* GPU target: no CUDA driver or no GPU on this machine. */
  MLPC_ERR_NO_GPU = 4,
  /* GPU target: a CUDA call failed (see mlpc_last_error_message()). */
  MLPC_ERR_GPU = 5,
};

/* A short English description of `status`; never NULL. */
const char *mlpc_status_string(int32_t status);

/* The version of the runtime library, e.g. "0.1.0". */
const char *mlpc_runtime_version(void);

/* Threads. Entry points whose batch rows are independent split large
 * batches over a pool of threads started on first use. The default is the
 * MLPC_NUM_THREADS environment variable, else the number of online CPUs.
 * Results are bitwise identical whatever the number of threads. Set it
 * before the first parallel call to size the pool; later calls can only
 * lower it (up to the pool's size). n < 1 restores the default. */
void mlpc_set_num_threads(int32_t n);
int32_t mlpc_get_num_threads(void);

/* A batch is split over threads only when each thread gets at least this
 * many floating-point operations (8 M, some 80 us of work): waking a thread
 * costs tens of microseconds. Generated code calls serially below it. */
#define MLPC_MIN_FLOPS_PER_THREAD (1 << 23)

/* Used by generated code: runs range_fn over [0, batch) split into row
 * ranges, each with its pointers advanced by begin * row_bytes[i], on up to
 * mlpc_get_num_threads() threads (the caller included). Returns the first
 * nonzero status of a range, else MLPC_OK. */
int32_t mlpc_parallel_rows(int32_t (*range_fn)(void *const *ptrs, int64_t rows),
                           void *const *ptrs, const int64_t *row_bytes,
                           int32_t num_ptrs, int64_t batch,
                           int64_t flops_per_row);

#ifdef __cplusplus
}
#endif

#endif /* MLPC_RUNTIME_H */
