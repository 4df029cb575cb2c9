/*===- tuning.h - the runtime's tuning knobs, one reason each ------------===*
 *
 * Every number that decides when and how the runtime splits work, in one
 * place. docs/Threads.md explains the policy they serve; bench/RESULTS.md
 * has the measurements behind them.
 *
 *===----------------------------------------------------------------------===*/
#ifndef MLPC_RUNTIME_TUNING_H
#define MLPC_RUNTIME_TUNING_H

#include <stdint.h>

/* Pool size limits: a job has at most 8 chunks per thread, so that a slow
 * thread's chunks can be taken over without claiming costing more than
 * the work; 64 pointers covers any entry's buffers. */
#define MLPC_POOL_MAX_THREADS 256
#define MLPC_POOL_MAX_CHUNKS_PER_THREAD 8
#define MLPC_POOL_MAX_CHUNKS                                                   \
  (MLPC_POOL_MAX_CHUNKS_PER_THREAD * MLPC_POOL_MAX_THREADS)
#define MLPC_POOL_MAX_PTRS 64

/* Workers spin this long (ns) after a job before sleeping: a model called
 * in a loop then pays no futex wake-up per call. */
#define MLPC_POOL_SPIN_NANOS 50000

/* The least work (FLOPs) of a chunk beyond each thread's first: claiming a
 * chunk must cost far less than running it (a million FLOPs is
 * microseconds of work on one core). */
#define MLPC_MIN_CHUNK_FLOPS (1 << 20)

/* The dense kernel's speed on one core (FLOPs per ns), to turn time into
 * work for row ranges, which are not timed; column tasks measure theirs. */
#define MLPC_KERNEL_FLOPS_PER_NANO 80

/* What waking a sleeping worker must be worth (ns of work per thread). */
#define MLPC_COLD_NANOS                                                        \
  ((double)MLPC_MIN_FLOPS_PER_THREAD / MLPC_KERNEL_FLOPS_PER_NANO)

/* Row-range functions remembered as slow, so that several models called
 * in turn each keep their mark. */
#define MLPC_SLOW_SLOTS 64

/* A serial run at least this long (ns, times the threads) marks its
 * function slow: it would have paid for waking the workers. */
#define MLPC_WAKE_WORTH_NANOS 50000

/* Column-task functions whose speed is remembered, and the serial runs
 * each needs before its speed is trusted (then one run in 16 is timed). */
#define MLPC_SPEED_SLOTS 64
#define MLPC_TRUSTED_RUNS 8

/* The split-cost probe: how long (ns) the caller waits for a worker to
 * start its chunk, and the probe jobs whose median is taken. */
#define MLPC_PROBE_WAIT_NANOS 200000
#define MLPC_PROBE_SAMPLES 21

/* A failed probe (workers said to be awake took no part) waits this long
 * (ns) before the next, so that probes do not fall on every call. */
#define MLPC_PROBE_RETRY_NANOS 100000000

/* The split cost is measured again this often (ns): a VM's virtual CPUs
 * move between hosts and their round trips change. */
#define MLPC_REMEASURE_NANOS ((int64_t)10000000000)

#endif /* MLPC_RUNTIME_TUNING_H */
