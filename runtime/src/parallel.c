/*===- parallel.c - the row-parallel thread pool of the mlpc runtime -----===*
 *
 * One pool per process, started on the first call that is worth splitting.
 * A call takes the pool for its duration; a call made while another thread
 * holds it simply runs on its own thread, so concurrent callers never wait
 * for each other. Work is handed out in fixed ranges (rows of a batch, or
 * column chunks of a layer), each thread taking its own first; which
 * thread runs a range does not change what is computed for it. A worker
 * that wakes too late finds the job closed and never delays the caller.
 *
 *===----------------------------------------------------------------------===*/
#define _GNU_SOURCE
#include "mlpc/runtime.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A job has at most two chunks per thread. */
enum { MaxThreads = 256, MaxChunks = 2 * MaxThreads, MaxPtrs = 64 };

typedef int32_t (*RangeFn)(void *const *, int64_t);
typedef void (*TaskFn)(void *, int64_t, int64_t);

/* Either rows of a batch (fn) or tasks [0, numTasks) of a layer (taskFn).
 * It lives on the caller's stack: the caller does not return before every
 * worker that joined it has left. */
struct Job {
  RangeFn fn;
  TaskFn taskFn;
  void *ctx;
  void *const *ptrs;
  const int64_t *rowBytes;
  int32_t numPtrs;
  int threads; /* chunk c is first offered to thread c % threads */
  int64_t batch, chunkRows, numChunks;
  atomic_bool taken[MaxChunks];
  atomic_int status;
  atomic_int joined; /* workers that took part */
};

static pthread_once_t poolOnce = PTHREAD_ONCE_INIT;
static pthread_mutex_t poolTaken = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;
static struct Job *currentJob;
static atomic_int currentThreads;
/* Bumped for each job (release: currentJob is written first). */
static atomic_uint_fast64_t generation;
/* Bumped to wake sleeping workers without a job, so that they spin for the
 * calls that follow. */
static atomic_uint_fast64_t nudges;
/* Workers spinning for a job (awake, not sleeping). */
static atomic_int spinning;
/* When the last split too small for sleeping workers was asked for (ns). */
static atomic_int_fast64_t lastSmallSplit;
/* When sleeping workers were last nudged (ns). */
static atomic_int_fast64_t lastNudge;
/* The task function of mlpc_parallel_for whose last serial run took longer
 * than waking a worker costs (WakeWorthNanos). */
static _Atomic(TaskFn) slowTask;
enum { WakeWorthNanos = 50000 };
/* Jobs that a worker took part in. */
static atomic_uint_fast64_t sharedJobs;

/* Who is inside the current job: the job's generation (high 32 bits), a
 * closed flag and the number of workers that joined it. A worker joins
 * only an open job of the generation it woke for; the caller closes the
 * job once no worker is inside. So a worker that wakes late (a futex
 * wake-up can take tens of microseconds) finds the job closed and goes
 * back to sleep, and never makes the caller wait: the caller has run the
 * chunks nobody took. */
static _Atomic uint64_t members;
#define MEMBERS_CLOSED ((uint64_t)1 << 31)
#define MEMBERS_COUNT (MEMBERS_CLOSED - 1)

/* After a job, workers and the caller spin this long for the next event
 * before sleeping: a model called in a loop then pays no futex wake-up
 * (tens of microseconds on some machines) per call. */
enum { SpinNanos = 50000 };

static int64_t nowNanos(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}
static int poolSize = 1;     /* threads in the pool, the caller included */
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
    n = cpus < 1 ? 1 : (int)(cpus < MaxThreads ? cpus : MaxThreads);
  }
  defaultCount = n < MaxThreads ? n : MaxThreads;
}

/* MLPC_NUM_THREADS or the CPU count, read once. */
static int defaultThreads(void) {
  pthread_once(&defaultOnce, computeDefault);
  return defaultCount;
}

uint64_t mlpc_parallel_jobs(void) { return atomic_load(&sharedJobs); }

void mlpc_set_num_threads(int32_t n) {
  atomic_store(&requested, n < 1 ? 0 : n < MaxThreads ? n : MaxThreads);
}

int32_t mlpc_get_num_threads(void) {
  int n = atomic_load(&requested);
  return n ? n : defaultThreads();
}

static void runChunk(struct Job *job, int64_t c) {
  /* The last chunk runs to the end (it may have the rows left over from
     the row blocks). */
  int64_t begin = c * job->chunkRows;
  int64_t rows = c == job->numChunks - 1 ? job->batch - begin : job->chunkRows;
  if (job->taskFn) {
    job->taskFn(job->ctx, begin, begin + rows);
    return;
  }
  void *local[MaxPtrs];
  for (int32_t i = 0; i < job->numPtrs; ++i)
    local[i] = (char *)job->ptrs[i] + begin * job->rowBytes[i];
  int32_t s = job->fn(local, rows);
  if (s != MLPC_OK) {
    int expected = MLPC_OK;
    atomic_compare_exchange_strong(&job->status, &expected, s);
  }
}

static int claim(struct Job *job, int64_t c) {
  return !atomic_load_explicit(&job->taken[c], memory_order_relaxed) &&
         !atomic_exchange(&job->taken[c], 1);
}

/* Set while this thread runs chunks of a job: a split inside one (a layer
 * of a row range splitting its columns) runs right here, without touching
 * the pool, whose threads are busy with the job. */
static _Thread_local int inJob;

/* Thread `self` (0: the caller) runs its own chunks first, so that a
 * layer split by columns finds its part of the weights in this core's
 * cache again on the next call, then any chunk left. */
static void runChunks(struct Job *job, int self) {
  inJob = 1;
  for (int64_t c = self; c < job->numChunks; c += job->threads)
    if (claim(job, c))
      runChunk(job, c);
  for (int64_t c = 0; c < job->numChunks; ++c)
    if (claim(job, c))
      runChunk(job, c);
  inJob = 0;
}

/* Joins the job of generation `g` if it is still open. */
static int join(uint64_t g) {
  uint64_t v = atomic_load(&members);
  for (;;) {
    if ((v >> 32) != (uint32_t)g || (v & MEMBERS_CLOSED))
      return 0;
    if (atomic_compare_exchange_weak(&members, &v, v + 1))
      return 1;
  }
}

static void *worker(void *arg) {
  int self = (int)(intptr_t)arg;
  uint64_t seen = 0;
  for (;;) {
    /* Spin for the next job, then sleep until it comes (or a nudge). */
    uint64_t g;
    int64_t start = nowNanos();
    int slept = 0;
    atomic_fetch_add(&spinning, 1);
    for (int i = 0;
         (g = atomic_load_explicit(&generation, memory_order_acquire)) == seen;
         ++i) {
      relax();
      if ((i & 63) == 63 && nowNanos() - start > SpinNanos) {
        atomic_fetch_sub(&spinning, 1);
        slept = 1;
        pthread_mutex_lock(&lock);
        uint64_t n = atomic_load(&nudges);
        while ((g = atomic_load(&generation)) == seen &&
               atomic_load(&nudges) == n)
          pthread_cond_wait(&wake, &lock);
        pthread_mutex_unlock(&lock);
        break;
      }
    }
    if (!slept)
      atomic_fetch_sub(&spinning, 1);
    if (g == seen)
      continue; /* nudged: spin again */
    seen = g;
    if (self >= atomic_load(&currentThreads) || !join(g))
      continue;
    atomic_fetch_add(&currentJob->joined, 1);
    runChunks(currentJob, self);
    if ((atomic_fetch_sub(&members, 1) & MEMBERS_COUNT) == 1) {
      pthread_mutex_lock(&lock);
      pthread_cond_signal(&done);
      pthread_mutex_unlock(&lock);
    }
  }
  return NULL;
}

/* The workers, and the CPUs they may use: those the process had when the
 * pool started. */
static pthread_t workers[MaxThreads];
static int numWorkers;
static cpu_set_t allowedCpus;
static int haveAllowedCpus;
/* The caller's CPU that the workers are kept off (-1: none). */
static atomic_int avoidedCpu = -1;
static pthread_mutex_t affinityLock = PTHREAD_MUTEX_INITIALIZER;

/* Keeps the workers off the CPU of the thread that hands out work. The
 * kernel tends to queue a woken thread on the CPU of the thread that woke
 * it ("wake affine"), here the caller, which is busy with its share of the
 * job: the worker then waits for the caller's time slice to end or for a
 * load balance (milliseconds) while another CPU idles, and a job of
 * microseconds never gets its help. Costs a sched_getcpu() per call, and
 * system calls only when the caller has moved to another CPU. */
static void keepWorkersOffCaller(void) {
  if (!haveAllowedCpus)
    return;
  int cpu = sched_getcpu();
  if (cpu < 0 || cpu == atomic_load_explicit(&avoidedCpu, memory_order_relaxed))
    return;
  if (pthread_mutex_trylock(&affinityLock) != 0)
    return; /* another caller is at it */
  cpu_set_t set = allowedCpus;
  if (cpu < CPU_SETSIZE)
    CPU_CLR(cpu, &set);
  /* Only while there are CPUs enough for the workers besides the
     caller's; else the scheduler balances better unconstrained. */
  if (CPU_COUNT(&set) < numWorkers)
    set = allowedCpus;
  for (int i = 0; i < numWorkers; ++i)
    pthread_setaffinity_np(workers[i], sizeof set, &set);
  atomic_store(&avoidedCpu, cpu);
  pthread_mutex_unlock(&affinityLock);
}

static void startPool(void) {
  int n = mlpc_get_num_threads();
  haveAllowedCpus = sched_getaffinity(0, sizeof allowedCpus, &allowedCpus) == 0;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  /* The kernels keep small scratch buffers (<= 16 KiB) on the stack. */
  pthread_attr_setstacksize(&attr, 1 << 20);
  int started = 1;
  for (int i = 1; i < n; ++i) {
    pthread_t t;
    if (pthread_create(&t, &attr, worker, (void *)(intptr_t)i) != 0)
      break; /* fewer threads is still correct */
    workers[numWorkers++] = t;
    ++started;
  }
  pthread_attr_destroy(&attr);
  poolSize = started;
}

static int32_t runJob(struct Job *job, int threads);

/* Wakes sleeping workers without a job. */
static void nudge(void) {
  keepWorkersOffCaller();
  pthread_mutex_lock(&lock);
  atomic_fetch_add(&nudges, 1);
  pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&lock);
}

/* How many of `threads` (the caller included) to use for `work` FLOPs:
 * as many as get MLPC_MIN_FLOPS_PER_THREAD each, which pays for waking a
 * sleeping worker (the caller's system call alone costs microseconds);
 * while the workers are awake, as many as get
 * MLPC_MIN_AWAKE_FLOPS_PER_THREAD each. A call
 * too small for sleeping workers that comes soon after the previous one
 * (a model called in a loop) runs alone but wakes them, so that the calls
 * that follow find them awake. */
static int threadsFor(double work, int threads) {
  double cold = work / MLPC_MIN_FLOPS_PER_THREAD;
  if (cold >= threads)
    return threads;
  double awake = work / MLPC_MIN_AWAKE_FLOPS_PER_THREAD;
  int hot = awake < threads ? (int)awake : threads;
  if (hot <= (int)cold)
    return (int)cold;
  if (atomic_load(&spinning) >= hot - 1)
    return hot;
  int64_t now = nowNanos();
  int64_t last =
      atomic_exchange_explicit(&lastSmallSplit, now, memory_order_relaxed);
  /* At most one nudge per spin period: a worker can take that long to be
     scheduled, and each nudge costs the caller a system call. */
  if (now - last < SpinNanos &&
      now - atomic_load_explicit(&lastNudge, memory_order_relaxed) >
          SpinNanos) {
    atomic_store_explicit(&lastNudge, now, memory_order_relaxed);
    nudge();
  }
  return (int)cold;
}

int32_t mlpc_parallel_rows(RangeFn fn, void *const *ptrs,
                           const int64_t *row_bytes, int32_t num_ptrs,
                           int64_t batch, int64_t flops_per_row,
                           int64_t row_block) {
  int threads = mlpc_get_num_threads();
  double work = (double)batch * (double)(flops_per_row > 0 ? flops_per_row : 1);
  /* Ranges are whole multiples of the kernels' row block: a kernel handles
     the rows left over from its blocks more slowly. A batch of one block
     runs here, leaving the pool to the layers that split their columns. */
  if (row_block < 1)
    row_block = 1;
  int64_t blocks = (batch + row_block - 1) / row_block;
  if (threads > blocks)
    threads = (int)blocks;
  if (threads <= 1 || num_ptrs > MaxPtrs || inJob ||
      work < 2.0 * MLPC_MIN_AWAKE_FLOPS_PER_THREAD)
    return fn(ptrs, batch);
  pthread_once(&poolOnce, startPool);
  if (threads > poolSize)
    threads = poolSize;
  threads = threadsFor(work, threads);
  if (threads <= 1 || pthread_mutex_trylock(&poolTaken) != 0)
    return fn(ptrs, batch); /* another caller has the pool: run here */

  /* Two ranges per thread balance uneven progress when there are enough
     blocks for it. */
  struct Job job;
  memset(&job, 0, sizeof job);
  job.fn = fn;
  job.ptrs = ptrs;
  job.rowBytes = row_bytes;
  job.numPtrs = num_ptrs;
  job.batch = batch;
  int64_t chunks =
      blocks >= (int64_t)threads * 8 ? (int64_t)threads * 2 : (int64_t)threads;
  /* Whole blocks shared out; the rows left over go with the last range
     when every range has a whole block (13 rows: 6 + 7, not 12 + 1). */
  int64_t fullBlocks = batch / row_block;
  if (fullBlocks >= chunks) {
    job.chunkRows = (fullBlocks + chunks - 1) / chunks * row_block;
    job.numChunks = fullBlocks * row_block / job.chunkRows +
                    (fullBlocks * row_block % job.chunkRows != 0);
  } else {
    job.chunkRows = (blocks + chunks - 1) / chunks * row_block;
    job.numChunks = (batch + job.chunkRows - 1) / job.chunkRows;
  }
  return runJob(&job, threads);
}

void mlpc_parallel_for(void (*fn)(void *ctx, int64_t begin, int64_t end),
                       void *ctx, int64_t n, int64_t flops_per_task) {
  int threads = mlpc_get_num_threads();
  /* Unknown work is taken as large. */
  double work = flops_per_task > 0 ? (double)flops_per_task * (double)n
                                   : (double)MLPC_MIN_FLOPS_PER_THREAD * n;
  if (threads > n)
    threads = (int)n;
  if (threads <= 1 || inJob || work < 2.0 * MLPC_MIN_AWAKE_FLOPS_PER_THREAD) {
    fn(ctx, 0, n);
    return;
  }
  pthread_once(&poolOnce, startPool);
  if (threads > poolSize)
    threads = poolSize;
  /* flops_per_task is a lower bound (a layer's work grows with the batch,
     which only the call knows): a task function timed above the cost of
     waking a worker is split even when its bound says otherwise. */
  int wanted = threads;
  threads = threadsFor(work, threads);
  TaskFn slow = atomic_load_explicit(&slowTask, memory_order_relaxed);
  if (threads < wanted && slow == fn)
    threads = wanted;
  if (threads <= 1) {
    int64_t start = nowNanos();
    fn(ctx, 0, n);
    if (nowNanos() - start > WakeWorthNanos)
      atomic_store_explicit(&slowTask, fn, memory_order_relaxed);
    return;
  }
  if (pthread_mutex_trylock(&poolTaken) != 0) {
    fn(ctx, 0, n); /* another caller (or an enclosing split) has the pool */
    return;
  }
  /* One contiguous range of tasks per thread: for a layer that streams its
     weights from memory, each thread then reads its own part once. */
  struct Job job;
  memset(&job, 0, sizeof job);
  job.taskFn = fn;
  job.ctx = ctx;
  job.batch = n;
  job.chunkRows = (n + threads - 1) / threads;
  job.numChunks = (n + job.chunkRows - 1) / job.chunkRows;
  int64_t start = nowNanos();
  runJob(&job, threads);
  if (slow == fn && (nowNanos() - start) * threads < WakeWorthNanos)
    atomic_compare_exchange_strong(&slowTask, &slow, NULL);
}

/* Runs `job` on the pool (taken by the caller) and on the calling thread,
   waits for the workers that joined it, and gives the pool back. */
static int32_t runJob(struct Job *job, int threads) {
  for (int64_t c = 0; c < job->numChunks; ++c)
    atomic_init(&job->taken[c], 0);
  atomic_init(&job->status, MLPC_OK);
  atomic_init(&job->joined, 0);
  job->threads = threads;

  keepWorkersOffCaller();
  /* Only the pool's holder writes these. */
  uint64_t g = atomic_load(&generation) + 1;
  currentJob = job;
  atomic_store(&currentThreads, threads);
  atomic_store(&members, (uint64_t)(uint32_t)g << 32);
  pthread_mutex_lock(&lock);
  atomic_store_explicit(&generation, g, memory_order_release);
  pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&lock);

  runChunks(job, 0);

  /* Every chunk is taken. Close the job once the workers inside are done
     (spin first, they are usually about done); later ones stay out. */
  int64_t start = nowNanos();
  for (int i = 0;; ++i) {
    uint64_t v = atomic_load(&members);
    if ((v & MEMBERS_COUNT) == 0) {
      if (atomic_compare_exchange_strong(&members, &v, v | MEMBERS_CLOSED))
        break;
      continue;
    }
    relax();
    if ((i & 63) == 63 && nowNanos() - start > SpinNanos) {
      pthread_mutex_lock(&lock);
      while (atomic_load(&members) & MEMBERS_COUNT)
        pthread_cond_wait(&done, &lock);
      pthread_mutex_unlock(&lock);
    }
  }
  if (atomic_load(&job->joined))
    atomic_fetch_add(&sharedJobs, 1);
  pthread_mutex_unlock(&poolTaken);
  return atomic_load(&job->status);
}
