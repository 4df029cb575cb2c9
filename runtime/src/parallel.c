/*===- parallel.c - when and how generated code splits work over threads --===*
 *
 * mlpc_parallel_rows (row ranges of a batch) and mlpc_parallel_for (column
 * chunks of a layer) decide how many threads a call's work is worth and
 * cut it into chunks; pool.c runs them. Waking a sleeping thread costs
 * microseconds, so small work is split only while the pool's threads are
 * awake from recent calls.
 *
 *===----------------------------------------------------------------------===*/
#define _GNU_SOURCE
#include "internal.h"
#include "mlpc/abi.h"
#include "pool.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_int requested; /* 0: the default */
static pthread_once_t default_once = PTHREAD_ONCE_INIT;
static int default_count = 1;

static void compute_default(void) {
  int64_t n = 0;
  mlpc_env_int64("MLPC_NUM_THREADS", 1, INT32_MAX, &n);
  if (n < 1) {
    /* The CPUs this process may run on (taskset, containers), else all. */
    cpu_set_t set;
    long cpus = sched_getaffinity(0, sizeof set, &set) == 0
                    ? CPU_COUNT(&set)
                    : sysconf(_SC_NPROCESSORS_ONLN);
    n = cpus < 1 ? 1
                 : (int)(cpus < MLPC_POOL_MAX_THREADS ? cpus
                                                      : MLPC_POOL_MAX_THREADS);
  }
  default_count = (int)(n < MLPC_POOL_MAX_THREADS ? n : MLPC_POOL_MAX_THREADS);
}

/* MLPC_NUM_THREADS or the CPU count, read once. */
static int default_threads(void) {
  pthread_once(&default_once, compute_default);
  return default_count;
}

void mlpc_set_num_threads(int32_t n) {
  atomic_store(&requested, n < 1                       ? 0
                           : n < MLPC_POOL_MAX_THREADS ? n
                                                       : MLPC_POOL_MAX_THREADS);
}

int32_t mlpc_get_num_threads(void) {
  int n = atomic_load(&requested);
  return n ? n : default_threads();
}

uint64_t mlpc_parallel_jobs(void) { return mlpc_pool_shared_jobs(); }

/* How many chunks each of `threads` threads gets for `work` FLOPs: at
 * least `least`, at most MLPC_POOL_MAX_CHUNKS_PER_THREAD, and no more than
 * MLPC_MIN_CHUNK_FLOPS each allows. */
static int64_t chunks_per_thread(double work, int threads, int64_t least) {
  double n = work / (double)threads / (double)MLPC_MIN_CHUNK_FLOPS;
  if (n > MLPC_POOL_MAX_CHUNKS_PER_THREAD)
    return MLPC_POOL_MAX_CHUNKS_PER_THREAD;
  return n > (double)least ? (int64_t)n : least;
}

/* The split cost set by mlpc_set_split_cost_nanos or MLPC_SPLIT_COST_NS
 * (-1: measure it). */
static atomic_int_fast64_t set_split_cost = -1;
static pthread_once_t split_cost_once = PTHREAD_ONCE_INIT;

static void read_split_cost_variable(void) {
  int64_t nanos;
  if (mlpc_env_int64("MLPC_SPLIT_COST_NS", INT64_MIN, INT64_MAX, &nanos))
    atomic_store(&set_split_cost, nanos < 0 ? -1 : nanos);
}

void mlpc_set_split_cost_nanos(int64_t nanos) {
  pthread_once(&split_cost_once, read_split_cost_variable);
  atomic_store(&set_split_cost, nanos < 0 ? -1 : nanos);
}

/* A split's cost: a round trip to a worker and a quarter, which is what
 * splitting a small layer was measured to take beyond half its serial
 * time (docs/Threads.md). A layer's serial time is estimated from its
 * fastest run per FLOP (run_serial), which for the small batches is their
 * largest: the estimate errs towards one thread. */
static int64_t round_trips_to_cost(int64_t round_trip) {
  return round_trip * 5 / 4;
}

/* The split cost in use; with `measure`, measured now if it is not yet
 * (which takes some 20 round trips, and only happens while a worker is
 * awake). */
static int64_t split_cost(int measure) {
  pthread_once(&split_cost_once, read_split_cost_variable);
  int64_t set = atomic_load_explicit(&set_split_cost, memory_order_relaxed);
  if (set >= 0)
    return set;
  return round_trips_to_cost(mlpc_pool_round_trip_nanos(measure));
}

int64_t mlpc_get_split_cost_nanos(void) { return split_cost(0); }

/* The least work per thread (FLOPs) of a split over awake threads: the
 * split cost's worth at `flops_per_nano` (<= 0: unknown, no split while there
 * is a cost), and at least MLPC_MIN_AWAKE_FLOPS_PER_THREAD. */
static double awake_flops_per_thread(double flops_per_nano, int measure) {
  int64_t cost = split_cost(measure);
  if (cost > 0 && flops_per_nano <= 0)
    return HUGE_VAL;
  double flops = (double)cost * flops_per_nano;
  return flops > MLPC_MIN_AWAKE_FLOPS_PER_THREAD
             ? flops
             : MLPC_MIN_AWAKE_FLOPS_PER_THREAD;
}

/* The least work per thread (FLOPs) of a split that wakes sleeping
 * workers: MLPC_COLD_NANOS's worth at `flops_per_nano`, or the split cost's if
 * more; MLPC_MIN_FLOPS_PER_THREAD while the speed is unknown. */
static double cold_flops_per_thread(double flops_per_nano) {
  if (flops_per_nano <= 0)
    return MLPC_MIN_FLOPS_PER_THREAD;
  double cost = (double)split_cost(0);
  return (cost > MLPC_COLD_NANOS ? cost : MLPC_COLD_NANOS) * flops_per_nano;
}

/* When the last split too small for sleeping workers was asked for (ns). */
static atomic_int_fast64_t last_small_split;

/* How many of `threads` (the caller included) to use for `work` FLOPs of a
 * kernel that runs at `flops_per_nano` on one core (<= 0: not known yet): as
 * many as get MLPC_COLD_NANOS of work each, which pays for waking a sleeping
 * worker (the caller's system call alone costs microseconds); while the
 * workers are awake, as many as get the split cost's worth each
 * (awake_flops_per_thread). A call too small for sleeping workers that comes
 * soon after the previous one (a model called in a loop) runs alone but
 * wakes them, so that the calls that follow find them awake. */
static int threads_for(double work, int threads, double flops_per_nano) {
  double cold = work / cold_flops_per_thread(flops_per_nano);
  if (cold >= threads)
    return threads;
  double awake = work / awake_flops_per_thread(flops_per_nano, 0);
  int hot = awake < threads ? (int)awake : threads;
  if (hot <= (int)cold)
    return (int)cold;
  if (mlpc_pool_awake() >= hot - 1) {
    /* The cost is measured while the workers are awake: the first such
       call may find that the work does not pay for it after all. */
    awake = work / awake_flops_per_thread(flops_per_nano, 1);
    int measured = awake < threads ? (int)awake : threads;
    return measured > (int)cold ? measured : (int)cold;
  }
  int64_t now = mlpc_pool_now();
  int64_t last =
      atomic_exchange_explicit(&last_small_split, now, memory_order_relaxed);
  if (now - last < MLPC_POOL_SPIN_NANOS)
    mlpc_pool_nudge();
  return (int)cold;
}

/* The row-range functions whose last serial run took longer than waking a
 * worker costs. Their work estimate was low: the work of activations and
 * softmax per row is a measured average, which a machine without fast
 * exp() can exceed many times. Such a function is split on its next call
 * whatever its estimate says, until a split run shows the work to be small
 * after all. Kept as addresses in a small table, filled in turn: several
 * models called in turn need their own entry. (With one entry, when column
 * tasks were marked too, a model of two 1024 x 1024 layers never used a
 * second thread: each layer's serial run evicted the other's mark.) Looking
 * a function up reads the whole table, some 30 ns, against the
 * microseconds a split or a slow serial run takes. */
static atomic_uintptr_t slow_fns[MLPC_SLOW_SLOTS];
static atomic_uint next_slow_slot;

/* Whether `fn`'s last serial run was slow. */
static int is_slow(uintptr_t fn) {
  for (int i = 0; i < MLPC_SLOW_SLOTS; ++i)
    if (atomic_load_explicit(&slow_fns[i], memory_order_relaxed) == fn)
      return 1;
  return 0;
}

/* Marks `fn` slow (its next call splits whatever its estimate says). */
static void mark_slow(uintptr_t fn) {
  if (is_slow(fn))
    return;
  unsigned slot =
      atomic_fetch_add_explicit(&next_slow_slot, 1, memory_order_relaxed) %
      MLPC_SLOW_SLOTS;
  atomic_store_explicit(&slow_fns[slot], fn, memory_order_relaxed);
}

/* After a serial run of `nanos` of `fn`, which wanted more threads. */
static void note_serial_run(uintptr_t fn, int64_t nanos) {
  if (nanos > MLPC_WAKE_WORTH_NANOS)
    mark_slow(fn);
}

/* After a split run of `fn` over `threads` threads that took `nanos`. */
static void note_split_run(uintptr_t fn, int threads, int64_t nanos) {
  if (nanos * threads >= MLPC_WAKE_WORTH_NANOS)
    return;
  for (int i = 0; i < MLPC_SLOW_SLOTS; ++i) {
    uintptr_t slow = fn;
    atomic_compare_exchange_strong(&slow_fns[i], &slow, 0);
  }
}

/* threads_for `work` of `fn`, raised to `wanted` when fn's last serial run
 * was slow; *slow says whether that raised it. */
static int threads_for_call(uintptr_t fn, double work, int wanted, int *slow) {
  int threads = threads_for(work, wanted, MLPC_KERNEL_FLOPS_PER_NANO);
  *slow = threads < wanted && is_slow(fn);
  return *slow ? wanted : threads;
}

/* How many threads the call may use at most: the setting, the pool's
 * size, and `limit` (its chunks). */
static int max_threads(int64_t limit) {
  int threads = mlpc_get_num_threads();
  if (threads > limit)
    threads = (int)limit;
  if (threads > 1) {
    int size = mlpc_pool_size();
    threads = threads < size ? threads : size;
  }
  return threads;
}

int32_t mlpc_parallel_rows(mlpc_range_fn fn, void *const *ptrs,
                           const int64_t *row_bytes, int32_t num_ptrs,
                           int64_t batch, int64_t flops_per_row,
                           int64_t row_block) {
  double work = (double)batch * (double)(flops_per_row > 0 ? flops_per_row : 1);
  /* A batch of one row block (the kernels' register tile) runs here,
     leaving the pool to the layers that split their columns. */
  if (row_block < 1)
    row_block = 1;
  int64_t blocks = (batch + row_block - 1) / row_block;
  if (blocks < 2 || num_ptrs > MLPC_POOL_MAX_PTRS || mlpc_pool_in_job() ||
      work < 2.0 * MLPC_MIN_AWAKE_FLOPS_PER_THREAD)
    return fn(ptrs, batch);
  int wanted = max_threads(blocks), slow;
  uintptr_t key = (uintptr_t)fn;
  int threads = threads_for_call(key, work, wanted, &slow);
  if (threads <= 1) {
    int64_t start = mlpc_pool_now();
    int32_t s = fn(ptrs, batch);
    if (wanted > 1)
      note_serial_run(key, mlpc_pool_now() - start);
    return s;
  }

  struct mlpc_job job;
  memset(&job, 0, sizeof job);
  job.fn = fn;
  job.ptrs = ptrs;
  job.row_bytes = row_bytes;
  job.num_ptrs = num_ptrs;
  job.batch = batch;
  /* With enough blocks (8 per thread), each thread's share is cut into
     2-8 chunks of at least MLPC_MIN_CHUNK_FLOPS, which a thread done with its
     own takes over as in mlpc_parallel_for. The rows are shared out evenly,
     whole blocks or not: a range that ends inside a block costs its thread
     one narrower tile, less than the extra whole block that a split at
     block boundaries leaves one thread with (2 threads: 32 rows as 16 + 16
     instead of 18 + 14). */
  int64_t chunks = (int64_t)threads * (blocks >= (int64_t)threads * 8
                                           ? chunks_per_thread(work, threads, 2)
                                           : 1);
  job.num_chunks = chunks < batch ? chunks : batch;
  int64_t start = mlpc_pool_now();
  int32_t status;
  if (!mlpc_pool_run(&job, threads, &status))
    return fn(ptrs, batch); /* another caller has the pool: run here */
  if (slow)
    note_split_run(key, threads, mlpc_pool_now() - start);
  return status;
}

/* Runs tasks [0, n) of `fn` on `threads` threads, `work`
 * FLOPs in all; returns 0 without running any when another caller (or an
 * enclosing split) has the pool. Each thread owns one contiguous range of
 * tasks (it reads its part of a layer's weights once, and finds it in its
 * cache again on the next call), in chunks that another thread done with
 * its own takes over: when the machine slows one thread down (another
 * process, the VM), the others finish its range instead of waiting for
 * it. bench/run.sh's wide model at batch 64 on two threads, where the
 * other libraries and a Python process run in between: ONNX Runtime's
 * time / mlpc's 0.95-1.10 in six runs, against 0.92-0.99 in seven runs
 * with one chunk per thread (alone, within 1-3% either way). A chunk is
 * worth at least MLPC_MIN_CHUNK_FLOPS, so that claiming chunks (an atomic on a
 * line the threads share) stays a small part of it: a 256-1000 layer at
 * batch 1 (0.5 MFLOP) in 8 chunks per thread was 5-12% slower. */
static int split_tasks(mlpc_task_fn fn, void *ctx, int64_t n, int threads,
                       double work) {
  struct mlpc_job job;
  memset(&job, 0, sizeof job);
  job.task_fn = fn;
  job.ctx = ctx;
  job.batch = n;
  int64_t chunks = (int64_t)threads * chunks_per_thread(work, threads, 1);
  job.num_chunks = chunks < n ? chunks : n;
  int32_t status;
  return mlpc_pool_run(&job, threads, &status);
}

/* Each column-task function's speed: the least time per FLOP of its
 * serial runs (picoseconds), after MLPC_TRUSTED_RUNS of them. A layer's speed
 * decides whether a split pays, and FLOPs alone do not tell: a layer whose
 * weights come from L2 runs twice as fast per FLOP as one whose weights
 * come from memory, and only the second gains from a split at batch 1.
 * The least time is kept, not an average: a run that the
 * machine interrupts is slow, never fast. A function's first runs in the
 * band where its speed decides are serial and timed; after MLPC_TRUSTED_RUNS,
 * one in 16 is. Kept in a small table indexed by the function's address,
 * two slots to try per function; a function that finds both taken by
 * others takes the second (its owner starts over). */
struct mlpc_speed {
  atomic_uintptr_t fn;
  atomic_int_fast64_t picos_per_flop; /* INT64_MAX: none yet */
  atomic_int runs;
};
static struct mlpc_speed speeds[MLPC_SPEED_SLOTS];
static _Thread_local unsigned serial_runs;

static struct mlpc_speed *speed_of(uintptr_t fn) {
  unsigned h = (unsigned)((fn >> 4) * 2654435761u) % MLPC_SPEED_SLOTS;
  struct mlpc_speed *a = &speeds[h], *b = &speeds[(h + 1) % MLPC_SPEED_SLOTS];
  if (atomic_load_explicit(&a->fn, memory_order_relaxed) == fn)
    return a;
  if (atomic_load_explicit(&b->fn, memory_order_relaxed) == fn)
    return b;
  struct mlpc_speed *slot =
      atomic_load_explicit(&a->fn, memory_order_relaxed) ? b : a;
  atomic_store_explicit(&slot->runs, 0, memory_order_relaxed);
  atomic_store_explicit(&slot->picos_per_flop, INT64_MAX, memory_order_relaxed);
  atomic_store_explicit(&slot->fn, fn, memory_order_relaxed);
  return slot;
}

/* `speed`'s FLOPs per ns, or 0 while not trusted yet. */
static double flops_per_nano(struct mlpc_speed *speed) {
  if (atomic_load_explicit(&speed->runs, memory_order_relaxed) <
      MLPC_TRUSTED_RUNS)
    return 0;
  int64_t picos =
      atomic_load_explicit(&speed->picos_per_flop, memory_order_relaxed);
  return 1000.0 / (double)(picos > 0 ? picos : 1);
}

/* Runs fn's `n` tasks (`work` FLOPs) here, timed while its speed is not
 * trusted yet and then once in 16 runs. */
static void run_serial(mlpc_task_fn fn, void *ctx, int64_t n, double work,
                       struct mlpc_speed *speed) {
  if (atomic_load_explicit(&speed->runs, memory_order_relaxed) >=
          MLPC_TRUSTED_RUNS &&
      (++serial_runs & 15) != 0) {
    fn(ctx, 0, n);
    return;
  }
  int64_t start = mlpc_pool_now();
  fn(ctx, 0, n);
  int64_t picos = (int64_t)((double)(mlpc_pool_now() - start) * 1000.0 / work);
  int64_t least =
      atomic_load_explicit(&speed->picos_per_flop, memory_order_relaxed);
  if (picos < least)
    atomic_store_explicit(&speed->picos_per_flop, picos, memory_order_relaxed);
  /* Counted up to MLPC_TRUSTED_RUNS only: a count kept growing would wrap. */
  if (atomic_load_explicit(&speed->runs, memory_order_relaxed) <
      MLPC_TRUSTED_RUNS)
    atomic_fetch_add_explicit(&speed->runs, 1, memory_order_relaxed);
}

void mlpc_parallel_for(mlpc_task_fn fn, void *ctx, int64_t n,
                       int64_t flops_per_task) {
  /* Unknown work is taken as large. */
  double work = flops_per_task > 0 ? (double)flops_per_task * (double)n
                                   : (double)MLPC_MIN_FLOPS_PER_THREAD * n;
  int wanted = n < 2 || mlpc_pool_in_job() ||
                       work < 2.0 * MLPC_MIN_AWAKE_FLOPS_PER_THREAD
                   ? 1
                   : max_threads(n);
  if (wanted < 2) {
    fn(ctx, 0, n);
    return;
  }
  struct mlpc_speed *speed = speed_of((uintptr_t)fn);
  int threads = threads_for(work, wanted, flops_per_nano(speed));
  /* Without the pool (another caller, or an enclosing split has it), here. */
  if (threads > 1 && split_tasks(fn, ctx, n, threads, work))
    return;
  run_serial(fn, ctx, n, work, speed);
}
