/*===- mlpc/runtime.h - status codes and runtime API of mlpc -------------===*
 *
 * Every entry point that mlpc generates has the form
 *
 *   int32_t NAME(const float *in0, ..., float *out0, ..., int64_t batch);
 *
 * and returns MLPC_OK or one of the codes below. Buffers are row-major,
 * contiguous and need no particular alignment; an output that overlaps
 * an input or another output is refused (MLPC_ERR_OVERLAP). `batch` is the
 *dynamic leading dimension (for an entry without one, it must equal the static
 *leading dimension of its first argument).
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
  /* An output buffer overlaps an input or another output (for this call's
     batch): the model would read what it has already overwritten. */
  MLPC_ERR_OVERLAP = 6,
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
 * MLPC_NUM_THREADS environment variable, else the number of online CPUs.
 * Results are bitwise identical whatever the number of threads. It can
 * be changed at any time: a call that asks for more threads than the pool
 * has starts the missing ones. n < 1 restores the default. */
void mlpc_set_num_threads(int32_t n);
int32_t mlpc_get_num_threads(void);

/* How many calls (or layers) so far ran on more than one thread, for tests
 * and for checking that a model's calls are split at all. */
uint64_t mlpc_parallel_jobs(void);

/* Work is split over threads only when each thread gets at least this
 * many floating-point operations (2 M, some 20 us of work): waking a
 * sleeping thread costs several microseconds. */
#define MLPC_MIN_FLOPS_PER_THREAD (1 << 21)
/* ... or, while the pool's threads are awake (they spin for 50 us after a
 * call before they sleep, so a model called in a loop keeps them awake),
 * this many (64 K, under a microsecond of work), or as many as take the
 * split cost below, whichever is more. Generated code calls serially below
 * it. */
#define MLPC_MIN_AWAKE_FLOPS_PER_THREAD (1 << 16)

/* What splitting a call's work over awake threads costs beyond the work, in
 * nanoseconds: work is split only when each thread gets at least this long
 * of it (a layer's time from its fastest serial runs so far: its first few
 * calls in that range run on one thread and are timed; row ranges at 80
 * FLOPs per nanosecond). By default it is measured when it first matters,
 * and again every 10 s (a VM's virtual CPUs move), as 1.25 round trips to
 * an awake worker (handing work over and getting it back, then the output
 * lines that the next layer reads from the other core): 2 us on a VM whose
 * virtual CPUs take 0.45 us to pass a cache line, less on machines whose
 * cores are closer; each measurement adds some 10-40 us to the call that
 * makes it. MLPC_SPLIT_COST_NS, or
 * mlpc_set_split_cost_nanos(), sets it instead (0: split any work over
 * MLPC_MIN_AWAKE_FLOPS_PER_THREAD per thread); a negative value restores
 * the measurement. mlpc_get_split_cost_nanos() returns the cost in use, 0
 * while it is not measured yet. */
void mlpc_set_split_cost_nanos(int64_t nanos);
int64_t mlpc_get_split_cost_nanos(void);

/* Used by generated code: runs range_fn over [0, batch) split into row
 * ranges, each with its pointers advanced by begin * row_bytes[i], on up to
 * mlpc_get_num_threads() threads (the caller included), in ranges of
 * equal size (to a row). A batch of at most row_block rows (the kernels'
 * register tile) runs in one range. flops_per_row estimates a row's work (dense
 * FLOPs plus the activations' and softmax's measured cost); the thresholds are
 * those of mlpc_parallel_for for a kernel of 80 FLOPs per nanosecond (row
 * ranges are not timed to learn their speed), and a range_fn whose last serial
 * run took longer than waking a thread is split on its next call whatever its
 * estimate says. Returns the first nonzero status of a range, else MLPC_OK. */
int32_t mlpc_parallel_rows(int32_t (*range_fn)(void *const *ptrs, int64_t rows),
                           void *const *ptrs, const int64_t *row_bytes,
                           int32_t num_ptrs, int64_t batch,
                           int64_t flops_per_row, int64_t row_block);

/* Used by generated code: runs fn(ctx, begin, end) over contiguous ranges
 * covering tasks [0, n) on up to mlpc_get_num_threads() threads (the caller
 * included), and returns when all are done. Layers split their columns
 * this way; every task runs the same code whichever thread runs it, so
 * results do not depend on the number of threads. flops_per_task (<= 0:
 * unknown, taken as large) is each task's work at this call's batch; with
 * fn's speed learned from its serial runs, it gives the call's time. Below
 * some 26 us per thread (MLPC_MIN_FLOPS_PER_THREAD while the speed is not
 * known yet), the split is made only while the pool's threads are awake
 * from recent calls, since waking one costs more than the work, and only
 * when each thread's share takes longer than the split cost. */
void mlpc_parallel_for(void (*fn)(void *ctx, int64_t begin, int64_t end),
                       void *ctx, int64_t n, int64_t flops_per_task);

/*===-------------------------------------------------------------------===*
 * GPU target (mlpc --target=nvptx). The CUDA driver is loaded with
 * dlopen("libcuda.so.1") on first use (MLPC_CUDA_LIBRARY overrides the
 * path; MLPC_CUDA_DEVICE picks a device, default 0), so programs that never
 * call a GPU entry point, and machines without CUDA, are unaffected.
 *
 * Generated code calls the functions below; apps call only the entry
 * points:
 *
 *   int32_t NAME(const float *in..., float *out..., int64_t batch);
 *     host buffers: copied to the device and back; returns when done.
 *   int32_t NAME_device(const float *in..., float *out..., int64_t batch,
 *                       void *stream);
 *     device buffers (CUdeviceptr values) and a CUstream (NULL: the legacy
 *     default stream). Asynchronous: the results are ready once the stream
 *     has reached this point.
 *===-------------------------------------------------------------------===*/

/* Layout version of mlpc_gpu_program, checked by the runtime. */
#define MLPC_GPU_ABI_VERSION 1

/* What an object compiled for nvptx embeds, one per object file. */
typedef struct mlpc_gpu_program {
  uint32_t abi_version; /* MLPC_GPU_ABI_VERSION */
  uint32_t num_kernels;
  const char *ptx;   /* NUL-terminated PTX of all kernels */
  const void *cubin; /* ptxas output for cubin_arch, or NULL */
  uint64_t cubin_bytes;
  int32_t cubin_arch; /* 10 * major + minor (e.g. 80), 0 without cubin */
  uint32_t num_weights;
  const char *const *kernel_names;
  const void *const *weights; /* host copies, uploaded once */
  const uint64_t *weight_bytes;
  void *state; /* owned by the runtime: the loaded module */
} mlpc_gpu_program;

/* Loads `program` on first use (thread-safe, once; a failure is retried on
 * the next call), uploads its weights, and makes its context current on the
 * calling thread. Sets *module for the calls below. */
int32_t mlpc_gpu_load(mlpc_gpu_program *program, void **module);
/* The device address of weight `index`. */
void *mlpc_gpu_weight(void *module, int32_t index);
/* Stream-ordered device memory (cuMemAllocAsync / cuMemFreeAsync).
 * mlpc_gpu_free ignores NULL. */
int32_t mlpc_gpu_alloc(void *module, uint64_t bytes, void *stream,
                       void **device_ptr);
void mlpc_gpu_free(void *module, void *device_ptr, void *stream);
/* Launches kernel number `kernel` of the module; a grid beyond CUDA's
 * limits (a huge batch) gives MLPC_ERR_BAD_BATCH. */
int32_t mlpc_gpu_launch(void *module, int32_t kernel, uint64_t grid_x,
                        uint64_t grid_y, uint64_t grid_z, uint32_t block_x,
                        uint32_t block_y, uint32_t block_z,
                        uint32_t shared_bytes, void *stream, void **params);
/* The host-buffer entry: copies the inputs to the device, runs
 * `device_fn` on the per-thread default stream, copies the outputs back
 * and waits. */
int32_t mlpc_gpu_run_host(mlpc_gpu_program *program,
                          int32_t (*device_fn)(void *const *buffers,
                                               int64_t batch, void *stream),
                          int32_t num_inputs, int32_t num_outputs,
                          void *const *host_buffers, const uint64_t *bytes,
                          int64_t batch);

#ifdef __cplusplus
}
#endif

#endif /* MLPC_RUNTIME_H */
