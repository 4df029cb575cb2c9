/*===- mlpc/runtime.h - status codes and runtime API of mlpc -------------===*
 *
 * What an application calls: status strings, the last error, and the
 * thread pool's settings (the functions that generated code calls are in
 * mlpc/abi.h). Every entry point that mlpc generates has the form
 *
 *   int32_t NAME(const float *in0, ..., float *out0, ..., int64_t batch);
 *
 * (an input of class indices for a loss is a `const int32_t *`)
 *
 * and returns MLPC_OK or one of the codes below. Buffers are row-major,
 * contiguous and need no particular alignment; an output that overlaps
 * an input or another output is refused (MLPC_ERR_OVERLAP). `batch` is the
 * dynamic leading dimension (for an entry without one, it must equal the
 * static leading dimension of its first argument).
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
  /* batch < 1; (for an entry with a static leading dimension) batch
     differs from it; or a buffer cannot exist at this batch: it would take
     more than 2^56 bytes (the largest virtual address space, x86-64 with
     5-level paging and AArch64), or it would end past the end of the
     address space. Checked before the overlap of buffers. */
  MLPC_ERR_BAD_BATCH = 2,
  /* A temporary buffer could not be allocated. */
  MLPC_ERR_OUT_OF_MEMORY = 3,
  /* GPU target: no CUDA driver or no GPU on this machine. */
  MLPC_ERR_NO_GPU = 4,
  /* GPU target: a CUDA call failed (see mlpc_last_error_message()). */
  MLPC_ERR_GPU = 5,
  /* An output buffer overlaps an input or another output (for this call's
     batch): the model would read what it has already overwritten. */
  MLPC_ERR_OVERLAP = 6,
  /* A class index (an i32 input of a loss) is outside [0, classes).
     Checked after the buffers, before anything is computed. */
  MLPC_ERR_BAD_INDEX = 7,
};

/* The last error of the calling thread with more detail than its status:
 * for the GPU target, the driver function, CUDA's error name and message,
 * or why the driver could not be loaded. "" when there is none. */
const char *mlpc_last_error_message(void);

/* A short English description of `status`; never NULL. */
const char *mlpc_status_string(int32_t status);

/* The version of the runtime library, e.g. "0.1.0". */
const char *mlpc_runtime_version(void);

/* Threads. Entry points whose batch rows are independent split large
 * batches over a pool of threads started on first use. The default is the
 * MLPC_NUM_THREADS environment variable (a whole decimal number; anything
 * else is ignored), else the number of CPUs the process may run on.
 * Results are bitwise identical whatever the number of threads. It can
 * be changed at any time: a call that asks for more threads than the pool
 * has starts the missing ones. n < 1 restores the default. */
void mlpc_set_num_threads(int32_t n);
int32_t mlpc_get_num_threads(void);

/* How many calls (or layers) so far ran on more than one thread, for tests
 * and for checking that a model's calls are split at all. */
uint64_t mlpc_parallel_jobs(void);

/* What splitting a call's work over awake threads costs beyond the work, in
 * nanoseconds: work is split only when each thread gets at least this long
 * of it (a layer's time is learned from its fastest serial runs). By
 * default it is measured when it first matters, and again every 10 s, as
 * 1.25 round trips to an awake worker; each measurement adds tens of
 * microseconds to the call that makes it (docs/Threads.md).
 * MLPC_SPLIT_COST_NS, or mlpc_set_split_cost_nanos(), sets it instead (0:
 * split any work over MLPC_MIN_AWAKE_FLOPS_PER_THREAD per thread, see
 * mlpc/abi.h); a negative value restores the measurement.
 * mlpc_get_split_cost_nanos() returns the cost in use, 0 while it is not
 * measured yet. */
void mlpc_set_split_cost_nanos(int64_t nanos);
int64_t mlpc_get_split_cost_nanos(void);

#ifdef __cplusplus
}
#endif

#endif /* MLPC_RUNTIME_H */
