/*===- pool.h - the runtime's worker threads and how jobs reach them ------===*
 *
 * The mechanism behind mlpc_parallel_rows and mlpc_parallel_for (which
 * decide when to split, parallel.c): worker threads started once, and jobs
 * of chunks that the caller and the workers share.
 *
 *===----------------------------------------------------------------------===*/
#ifndef MLPC_RUNTIME_POOL_H
#define MLPC_RUNTIME_POOL_H

#include "tuning.h"

#include <stdatomic.h>
#include <stdint.h>

typedef int32_t (*mlpc_range_fn)(void *const *ptrs, int64_t rows);
typedef void (*mlpc_task_fn)(void *ctx, int64_t begin, int64_t end);

/* Chunks [0, num_chunks) of either the rows of a batch (fn, on ptrs advanced
 * by begin * row_bytes[i]) or tasks (task_fn(ctx, begin, end)), `batch` in
 * all: chunk c is [c * batch / num_chunks, (c + 1) * batch
 * / num_chunks), num_chunks <= batch. The caller fills the first fields and
 * keeps the job on its stack: it does not return before every worker that
 * joined the job has left. */
struct mlpc_job {
  mlpc_range_fn fn;
  mlpc_task_fn task_fn;
  void *ctx;
  void *const *ptrs;
  const int64_t *row_bytes;
  int32_t num_ptrs;
  int64_t batch, num_chunks;
  /* The pool's: thread t's own chunks are the t-th of `threads` equal
     contiguous shares; the others it may take once its own are done. */
  int threads;
  atomic_bool taken[MLPC_POOL_MAX_CHUNKS];
  atomic_int status;
  atomic_int joined; /* workers that took part */
};

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t mlpc_pool_now(void);

/* Starts the pool (with mlpc_get_num_threads() threads), or grows it when
 * more are asked for than it has, and returns its size, the caller
 * included. */
int mlpc_pool_size(void);

/* How many workers are awake, spinning for a job. */
int mlpc_pool_awake(void);

/* Whether the calling thread is running chunks of a job (a split inside
 * one must run in place: the pool's threads are busy with the job). */
int mlpc_pool_in_job(void);

/* Wakes sleeping workers without a job, so that they spin for the calls
 * that follow; at most once per spin period (each nudge costs the caller
 * a system call). */
void mlpc_pool_nudge(void);

/* Runs `job` on up to `threads` threads (the caller included) and waits
 * for it: returns 1 and sets *status to its first failing status, else
 * MLPC_OK. Returns 0 without running anything when another caller holds
 * the pool. */
int mlpc_pool_run(struct mlpc_job *job, int threads, int32_t *status);

/* The time (ns) from a job's start until an awake worker runs its chunk,
 * plus from the caller's last chunk until the worker has left: what a split
 * costs beyond its work. With `measure`, measured if it is not yet, or was
 * last measured over 10 s ago, and a worker is awake and the pool free
 * (21 probe jobs, their median; some 10-40 us); 0 until it is known, which
 * takes workers that are said to be awake and do take part (not on a
 * machine too busy to say). */
int64_t mlpc_pool_round_trip_nanos(int measure);

/* Jobs so far that a worker took part in. */
uint64_t mlpc_pool_shared_jobs(void);

#endif /* MLPC_RUNTIME_POOL_H */
