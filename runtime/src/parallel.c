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
#include "mlpc/runtime.h"
#include "pool.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_int requested; /* 0: the default */
static pthread_once_t defaultOnce = PTHREAD_ONCE_INIT;
static int defaultCount = 1;

static void computeDefault(void) {
  const char *env = getenv("MLPC_NUM_THREADS");
  int n = env && *env ? atoi(env) : 0;
  if (n < 1) {
    /* The CPUs this process may run on (taskset, containers), else all. */
    cpu_set_t set;
    long cpus = sched_getaffinity(0, sizeof set, &set) == 0
                    ? CPU_COUNT(&set)
                    : sysconf(_SC_NPROCESSORS_ONLN);
    n = cpus < 1 ? 1
                 : (int)(cpus < MlpcPoolMaxThreads ? cpus : MlpcPoolMaxThreads);
  }
  defaultCount = n < MlpcPoolMaxThreads ? n : MlpcPoolMaxThreads;
}

/* MLPC_NUM_THREADS or the CPU count, read once. */
static int defaultThreads(void) {
  pthread_once(&defaultOnce, computeDefault);
  return defaultCount;
}

void mlpc_set_num_threads(int32_t n) {
  atomic_store(&requested, n < 1                    ? 0
                           : n < MlpcPoolMaxThreads ? n
                                                    : MlpcPoolMaxThreads);
}

int32_t mlpc_get_num_threads(void) {
  int n = atomic_load(&requested);
  return n ? n : defaultThreads();
}

uint64_t mlpc_parallel_jobs(void) { return mlpc_pool_shared_jobs(); }

/* The least work (FLOPs) of a chunk beyond each thread's first (one that
 * another thread may take over): about 10 us on one core. */
enum { MinChunkFlops = 1 << 20 };

/* How many chunks each of `threads` threads gets for `work` FLOPs: at
 * least `least`, at most MlpcPoolMaxChunksPerThread, and no more than
 * MinChunkFlops each allows. */
static int64_t chunksPerThread(double work, int threads, int64_t least) {
  double n = work / (double)threads / (double)MinChunkFlops;
  if (n > MlpcPoolMaxChunksPerThread)
    return MlpcPoolMaxChunksPerThread;
  return n > (double)least ? (int64_t)n : least;
}

/* The dense kernel's speed on one core, to turn time into work for row
 * ranges: about 80 GFLOP/s on AVX2 (80 FLOPs per nanosecond). Column tasks
 * use their own measured speed. */
enum { KernelFlopsPerNano = 80 };

/* The split cost set by mlpc_set_split_cost_nanos or MLPC_SPLIT_COST_NS
 * (-1: measure it). */
static atomic_int_fast64_t setSplitCost = -1;
static pthread_once_t splitCostOnce = PTHREAD_ONCE_INIT;

static void readSplitCostVariable(void) {
  const char *env = getenv("MLPC_SPLIT_COST_NS");
  if (env && *env)
    atomic_store(&setSplitCost, atoll(env) < 0 ? -1 : atoll(env));
}

void mlpc_set_split_cost_nanos(int64_t nanos) {
  pthread_once(&splitCostOnce, readSplitCostVariable);
  atomic_store(&setSplitCost, nanos < 0 ? -1 : nanos);
}

/* A split's cost: a round trip to a worker and a quarter. On a 2-vCPU Zen
 * 5 VM whose round trip took 1.4-1.65 us, splitting mnist's first layer at
 * batches 2-4 took 1.7-1.9 us beyond half the layer's serial time (1.2
 * round trips). One thread against a split there: batch 1 2.3 us against
 * 3.2-3.4, batch 2 2.7-3.0 against 3.6, batch 3 4.55 against 4.3, batch 4
 * 5.0 against 4.3-4.4; the classifier's 256-1000 layer at batch 1, which
 * takes 7.5 us alone, 8.5 against 6.8. A layer's serial time is estimated
 * from its fastest run per FLOP (runSerial), which for the small batches
 * is their largest: the estimate errs towards one thread. */
static int64_t roundTripsToCost(int64_t roundTrip) { return roundTrip * 5 / 4; }

/* The split cost in use; with `measure`, measured now if it is not yet
 * (which takes some 20 round trips, and only happens while a worker is
 * awake). */
static int64_t splitCost(int measure) {
  pthread_once(&splitCostOnce, readSplitCostVariable);
  int64_t set = atomic_load_explicit(&setSplitCost, memory_order_relaxed);
  if (set >= 0)
    return set;
  return roundTripsToCost(mlpc_pool_round_trip_nanos(measure));
}

int64_t mlpc_get_split_cost_nanos(void) { return splitCost(0); }

/* The least work per thread (FLOPs) of a split over awake threads: the
 * split cost's worth at `flopsPerNano` (<= 0: unknown, no split while there
 * is a cost), and at least MLPC_MIN_AWAKE_FLOPS_PER_THREAD. */
static double awakeFlopsPerThread(double flopsPerNano, int measure) {
  int64_t cost = splitCost(measure);
  if (cost > 0 && flopsPerNano <= 0)
    return HUGE_VAL;
  double flops = (double)cost * flopsPerNano;
  return flops > MLPC_MIN_AWAKE_FLOPS_PER_THREAD
             ? flops
             : MLPC_MIN_AWAKE_FLOPS_PER_THREAD;
}

/* What waking a sleeping worker is worth: MLPC_MIN_FLOPS_PER_THREAD at
 * KernelFlopsPerNano, some 26 us of work per thread. */
#define ColdNanos ((double)MLPC_MIN_FLOPS_PER_THREAD / KernelFlopsPerNano)

/* The least work per thread (FLOPs) of a split that wakes sleeping
 * workers: ColdNanos's worth at `flopsPerNano`, or the split cost's if
 * more; MLPC_MIN_FLOPS_PER_THREAD while the speed is unknown. */
static double coldFlopsPerThread(double flopsPerNano) {
  if (flopsPerNano <= 0)
    return MLPC_MIN_FLOPS_PER_THREAD;
  double cost = (double)splitCost(0);
  return (cost > ColdNanos ? cost : ColdNanos) * flopsPerNano;
}

/* When the last split too small for sleeping workers was asked for (ns). */
static atomic_int_fast64_t lastSmallSplit;

/* How many of `threads` (the caller included) to use for `work` FLOPs of a
 * kernel that runs at `flopsPerNano` on one core (<= 0: not known yet): as
 * many as get ColdNanos of work each, which pays for waking a sleeping
 * worker (the caller's system call alone costs microseconds); while the
 * workers are awake, as many as get the split cost's worth each
 * (awakeFlopsPerThread). A call too small for sleeping workers that comes
 * soon after the previous one (a model called in a loop) runs alone but
 * wakes them, so that the calls that follow find them awake. */
static int threadsFor(double work, int threads, double flopsPerNano) {
  double cold = work / coldFlopsPerThread(flopsPerNano);
  if (cold >= threads)
    return threads;
  double awake = work / awakeFlopsPerThread(flopsPerNano, 0);
  int hot = awake < threads ? (int)awake : threads;
  if (hot <= (int)cold)
    return (int)cold;
  if (mlpc_pool_awake() >= hot - 1) {
    /* The cost is measured while the workers are awake: the first such
       call may find that the work does not pay for it after all. */
    awake = work / awakeFlopsPerThread(flopsPerNano, 1);
    int measured = awake < threads ? (int)awake : threads;
    return measured > (int)cold ? measured : (int)cold;
  }
  int64_t now = mlpc_pool_now();
  int64_t last =
      atomic_exchange_explicit(&lastSmallSplit, now, memory_order_relaxed);
  if (now - last < MlpcPoolSpinNanos)
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
enum { SlowSlots = 64 };
static atomic_uintptr_t slowFns[SlowSlots];
static atomic_uint nextSlowSlot;
enum { WakeWorthNanos = 50000 };

/* Whether `fn`'s last serial run was slow. */
static int isSlow(uintptr_t fn) {
  for (int i = 0; i < SlowSlots; ++i)
    if (atomic_load_explicit(&slowFns[i], memory_order_relaxed) == fn)
      return 1;
  return 0;
}

/* Marks `fn` slow (its next call splits whatever its estimate says). */
static void markSlow(uintptr_t fn) {
  if (isSlow(fn))
    return;
  unsigned slot =
      atomic_fetch_add_explicit(&nextSlowSlot, 1, memory_order_relaxed) %
      SlowSlots;
  atomic_store_explicit(&slowFns[slot], fn, memory_order_relaxed);
}

/* After a serial run of `nanos` of `fn`, which wanted more threads. */
static void noteSerialRun(uintptr_t fn, int64_t nanos) {
  if (nanos > WakeWorthNanos)
    markSlow(fn);
}

/* After a split run of `fn` over `threads` threads that took `nanos`. */
static void noteSplitRun(uintptr_t fn, int threads, int64_t nanos) {
  if (nanos * threads >= WakeWorthNanos)
    return;
  for (int i = 0; i < SlowSlots; ++i) {
    uintptr_t slow = fn;
    atomic_compare_exchange_strong(&slowFns[i], &slow, 0);
  }
}

/* threadsFor `work` of `fn`, raised to `wanted` when fn's last serial run
 * was slow; *slow says whether that raised it. */
static int threadsForCall(uintptr_t fn, double work, int wanted, int *slow) {
  int threads = threadsFor(work, wanted, KernelFlopsPerNano);
  *slow = threads < wanted && isSlow(fn);
  return *slow ? wanted : threads;
}

/* How many threads the call may use at most: the setting, the pool's
 * size, and `limit` (its chunks). */
static int maxThreads(int64_t limit) {
  int threads = mlpc_get_num_threads();
  if (threads > limit)
    threads = (int)limit;
  if (threads > 1) {
    int size = mlpc_pool_size();
    threads = threads < size ? threads : size;
  }
  return threads;
}

int32_t mlpc_parallel_rows(MlpcRangeFn fn, void *const *ptrs,
                           const int64_t *row_bytes, int32_t num_ptrs,
                           int64_t batch, int64_t flops_per_row,
                           int64_t row_block) {
  double work = (double)batch * (double)(flops_per_row > 0 ? flops_per_row : 1);
  /* A batch of one row block (the kernels' register tile) runs here,
     leaving the pool to the layers that split their columns. */
  if (row_block < 1)
    row_block = 1;
  int64_t blocks = (batch + row_block - 1) / row_block;
  if (blocks < 2 || num_ptrs > MlpcPoolMaxPtrs || mlpc_pool_in_job() ||
      work < 2.0 * MLPC_MIN_AWAKE_FLOPS_PER_THREAD)
    return fn(ptrs, batch);
  int wanted = maxThreads(blocks), slow;
  uintptr_t key = (uintptr_t)fn;
  int threads = threadsForCall(key, work, wanted, &slow);
  if (threads <= 1) {
    int64_t start = mlpc_pool_now();
    int32_t s = fn(ptrs, batch);
    if (wanted > 1)
      noteSerialRun(key, mlpc_pool_now() - start);
    return s;
  }

  struct MlpcJob job;
  memset(&job, 0, sizeof job);
  job.fn = fn;
  job.ptrs = ptrs;
  job.rowBytes = row_bytes;
  job.numPtrs = num_ptrs;
  job.batch = batch;
  /* With enough blocks (8 per thread), each thread's share is cut into
     2-8 chunks of at least MinChunkFlops, which a thread done with its own
     takes over as in mlpc_parallel_for (mnist on two threads in
     bench/run.sh, 8 chunks per thread instead of 2: batch 256 1.04-1.05x
     faster, 4096 1.03-1.04x). The rows are shared out evenly, whole blocks or
     not: a range that ends inside a block costs its thread one narrower tile,
     less than the extra whole block that a split at block boundaries
     leaves one thread with (2 threads: 32 rows as 16 + 16 instead of
     18 + 14, 1.04-1.08x faster for mnist; 20 as 10 + 10 instead of 12 + 8,
     1.13x; 7 as 3 + 4 instead of 6 + 1, 1.3x). */
  int64_t chunks =
      (int64_t)threads *
      (blocks >= (int64_t)threads * 8 ? chunksPerThread(work, threads, 2) : 1);
  job.numChunks = chunks < batch ? chunks : batch;
  int64_t start = mlpc_pool_now();
  int32_t status;
  if (!mlpc_pool_run(&job, threads, &status))
    return fn(ptrs, batch); /* another caller has the pool: run here */
  if (slow)
    noteSplitRun(key, threads, mlpc_pool_now() - start);
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
 * worth at least MinChunkFlops, so that claiming chunks (an atomic on a
 * line the threads share) stays a small part of it: a 256-1000 layer at
 * batch 1 (0.5 MFLOP) in 8 chunks per thread was 5-12% slower. */
static int splitTasks(MlpcTaskFn fn, void *ctx, int64_t n, int threads,
                      double work) {
  struct MlpcJob job;
  memset(&job, 0, sizeof job);
  job.taskFn = fn;
  job.ctx = ctx;
  job.batch = n;
  int64_t chunks = (int64_t)threads * chunksPerThread(work, threads, 1);
  job.numChunks = chunks < n ? chunks : n;
  int32_t status;
  return mlpc_pool_run(&job, threads, &status);
}

/* Each column-task function's speed: the least time per FLOP of its
 * serial runs (picoseconds), after TrustedRuns of them. A layer's speed
 * decides whether a split pays, and FLOPs alone do not tell: mnist's first
 * layer at batch 2 (400 K FLOPs, its 400 KiB of weights in L2) ran at 160
 * FLOPs per ns, the classifier's 256-1000 layer at batch 1 (512 K, 1 MB
 * from beyond L2) at 68; split, the first lost 0.6-0.9 us and the second
 * gained 1.7. The least time is kept, not an average: a run that the
 * machine interrupts is slow, never fast. A function's first runs in the
 * band where its speed decides are serial and timed; after TrustedRuns,
 * one in 16 is. Kept in a small table indexed by the function's address,
 * two slots to try per function; a function that finds both taken by
 * others takes the second (its owner starts over). */
enum { SpeedSlots = 64, TrustedRuns = 8 };
struct Speed {
  atomic_uintptr_t fn;
  atomic_int_fast64_t picosPerFlop; /* INT64_MAX: none yet */
  atomic_int runs;
};
static struct Speed speeds[SpeedSlots];
static _Thread_local unsigned serialRuns;

static struct Speed *speedOf(uintptr_t fn) {
  unsigned h = (unsigned)((fn >> 4) * 2654435761u) % SpeedSlots;
  struct Speed *a = &speeds[h], *b = &speeds[(h + 1) % SpeedSlots];
  if (atomic_load_explicit(&a->fn, memory_order_relaxed) == fn)
    return a;
  if (atomic_load_explicit(&b->fn, memory_order_relaxed) == fn)
    return b;
  struct Speed *slot =
      atomic_load_explicit(&a->fn, memory_order_relaxed) ? b : a;
  atomic_store_explicit(&slot->runs, 0, memory_order_relaxed);
  atomic_store_explicit(&slot->picosPerFlop, INT64_MAX, memory_order_relaxed);
  atomic_store_explicit(&slot->fn, fn, memory_order_relaxed);
  return slot;
}

/* `speed`'s FLOPs per ns, or 0 while not trusted yet. */
static double flopsPerNano(struct Speed *speed) {
  if (atomic_load_explicit(&speed->runs, memory_order_relaxed) < TrustedRuns)
    return 0;
  int64_t picos =
      atomic_load_explicit(&speed->picosPerFlop, memory_order_relaxed);
  return 1000.0 / (double)(picos > 0 ? picos : 1);
}

/* Runs fn's `n` tasks (`work` FLOPs) here, timed while its speed is not
 * trusted yet and then once in 16 runs. */
static void runSerial(MlpcTaskFn fn, void *ctx, int64_t n, double work,
                      struct Speed *speed) {
  if (atomic_load_explicit(&speed->runs, memory_order_relaxed) >= TrustedRuns &&
      (++serialRuns & 15) != 0) {
    fn(ctx, 0, n);
    return;
  }
  int64_t start = mlpc_pool_now();
  fn(ctx, 0, n);
  int64_t picos = (int64_t)((double)(mlpc_pool_now() - start) * 1000.0 / work);
  int64_t least =
      atomic_load_explicit(&speed->picosPerFlop, memory_order_relaxed);
  if (picos < least)
    atomic_store_explicit(&speed->picosPerFlop, picos, memory_order_relaxed);
  /* Counted up to TrustedRuns only: a count kept growing would wrap. */
  if (atomic_load_explicit(&speed->runs, memory_order_relaxed) < TrustedRuns)
    atomic_fetch_add_explicit(&speed->runs, 1, memory_order_relaxed);
}

void mlpc_parallel_for(MlpcTaskFn fn, void *ctx, int64_t n,
                       int64_t flops_per_task) {
  /* Unknown work is taken as large. */
  double work = flops_per_task > 0 ? (double)flops_per_task * (double)n
                                   : (double)MLPC_MIN_FLOPS_PER_THREAD * n;
  int wanted = n < 2 || mlpc_pool_in_job() ||
                       work < 2.0 * MLPC_MIN_AWAKE_FLOPS_PER_THREAD
                   ? 1
                   : maxThreads(n);
  if (wanted < 2) {
    fn(ctx, 0, n);
    return;
  }
  struct Speed *speed = speedOf((uintptr_t)fn);
  int threads = threadsFor(work, wanted, flopsPerNano(speed));
  /* Without the pool (another caller, or an enclosing split has it), here. */
  if (threads > 1 && splitTasks(fn, ctx, n, threads, work))
    return;
  runSerial(fn, ctx, n, work, speed);
}
