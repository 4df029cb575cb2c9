/*===- parallel.c - the row-parallel thread pool of the mlpc runtime -----===*
 *
 * One pool per process, started on the first call that is worth splitting.
 * A call takes the pool for its duration; a call made while another thread
 * holds it simply runs on its own thread, so concurrent callers never wait
 * for each other. Work is handed out in fixed row ranges; which thread runs
 * a range does not change what is computed for it.
 *
 *===----------------------------------------------------------------------===*/
#define _GNU_SOURCE
#include "mlpc/runtime.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { MaxThreads = 256, MaxPtrs = 64 };

typedef int32_t (*RangeFn)(void *const *, int64_t);
typedef void (*TaskFn)(void *, int64_t, int64_t);

/* Either rows of a batch (fn) or tasks [0, numTasks) of a layer (taskFn). */
struct Job {
  RangeFn fn;
  TaskFn taskFn;
  void *ctx;
  void *const *ptrs;
  const int64_t *rowBytes;
  int32_t numPtrs;
  int64_t batch, chunkRows, numChunks;
  atomic_int_fast64_t nextChunk;
  atomic_int status;
};

static pthread_once_t poolOnce = PTHREAD_ONCE_INIT;
static pthread_mutex_t poolTaken = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;
static struct Job *currentJob;
/* Bumped for each job (release: currentJob is written first). */
static atomic_uint_fast64_t generation;
static atomic_int busyWorkers;

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
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    n = cpus < 1 ? 1 : (int)(cpus < MaxThreads ? cpus : MaxThreads);
  }
  defaultCount = n < MaxThreads ? n : MaxThreads;
}

/* MLPC_NUM_THREADS or the CPU count, read once. */
static int defaultThreads(void) {
  pthread_once(&defaultOnce, computeDefault);
  return defaultCount;
}

void mlpc_set_num_threads(int32_t n) {
  atomic_store(&requested, n < 1 ? 0 : n < MaxThreads ? n : MaxThreads);
}

int32_t mlpc_get_num_threads(void) {
  int n = atomic_load(&requested);
  return n ? n : defaultThreads();
}

/* Runs chunks of `job` until none is left. */
static void runChunks(struct Job *job) {
  void *local[MaxPtrs];
  for (;;) {
    int64_t c = atomic_fetch_add(&job->nextChunk, 1);
    if (c >= job->numChunks)
      return;
    int64_t begin = c * job->chunkRows;
    int64_t rows = job->batch - begin < job->chunkRows ? job->batch - begin
                                                       : job->chunkRows;
    if (job->taskFn) {
      job->taskFn(job->ctx, begin, begin + rows);
      continue;
    }
    for (int32_t i = 0; i < job->numPtrs; ++i)
      local[i] = (char *)job->ptrs[i] + begin * job->rowBytes[i];
    int32_t s = job->fn(local, rows);
    if (s != MLPC_OK) {
      int expected = MLPC_OK;
      atomic_compare_exchange_strong(&job->status, &expected, s);
    }
  }
}

static void *worker(void *arg) {
  (void)arg;
  uint64_t seen = 0;
  for (;;) {
    /* Spin for the next job, then sleep until it comes. */
    uint64_t g;
    int64_t start = nowNanos();
    for (int i = 0;
         (g = atomic_load_explicit(&generation, memory_order_acquire)) == seen;
         ++i) {
      relax();
      if ((i & 63) == 63 && nowNanos() - start > SpinNanos) {
        pthread_mutex_lock(&lock);
        while ((g = atomic_load(&generation)) == seen)
          pthread_cond_wait(&wake, &lock);
        pthread_mutex_unlock(&lock);
        break;
      }
    }
    seen = g;
    runChunks(currentJob);
    if (atomic_fetch_sub(&busyWorkers, 1) == 1) {
      pthread_mutex_lock(&lock);
      pthread_cond_signal(&done);
      pthread_mutex_unlock(&lock);
    }
  }
  return NULL;
}

static void startPool(void) {
  int n = mlpc_get_num_threads();
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  /* The kernels keep small scratch buffers (<= 16 KiB) on the stack. */
  pthread_attr_setstacksize(&attr, 1 << 20);
  int started = 1;
  for (int i = 1; i < n; ++i) {
    pthread_t t;
    if (pthread_create(&t, &attr, worker, NULL) != 0)
      break; /* fewer threads is still correct */
    ++started;
  }
  pthread_attr_destroy(&attr);
  poolSize = started;
}

static int32_t runJob(struct Job *job);

int32_t mlpc_parallel_rows(RangeFn fn, void *const *ptrs,
                           const int64_t *row_bytes, int32_t num_ptrs,
                           int64_t batch, int64_t flops_per_row,
                           int64_t row_block) {
  int threads = mlpc_get_num_threads();
  double work = (double)batch * (double)(flops_per_row > 0 ? flops_per_row : 1);
  if (work / MLPC_MIN_FLOPS_PER_THREAD < threads)
    threads = (int)(work / MLPC_MIN_FLOPS_PER_THREAD);
  if (threads > batch)
    threads = (int)batch;
  if (threads <= 1 || num_ptrs > MaxPtrs)
    return fn(ptrs, batch);
  pthread_once(&poolOnce, startPool);
  if (threads > poolSize)
    threads = poolSize;
  if (threads <= 1 || pthread_mutex_trylock(&poolTaken) != 0)
    return fn(ptrs, batch); /* another caller has the pool: run here */

  /* Ranges are whole multiples of the kernels' row block: a kernel handles
     the rows left over from its blocks more slowly. Two ranges per thread
     balance uneven progress when there are enough blocks for it. */
  struct Job job;
  memset(&job, 0, sizeof job);
  job.fn = fn;
  job.ptrs = ptrs;
  job.rowBytes = row_bytes;
  job.numPtrs = num_ptrs;
  job.batch = batch;
  if (row_block < 1)
    row_block = 1;
  int64_t blocks = (batch + row_block - 1) / row_block;
  int64_t chunks =
      blocks >= (int64_t)threads * 8 ? (int64_t)threads * 2 : (int64_t)threads;
  job.chunkRows = (blocks + chunks - 1) / chunks * row_block;
  job.numChunks = (batch + job.chunkRows - 1) / job.chunkRows;
  return runJob(&job);
}

void mlpc_parallel_for(void (*fn)(void *ctx, int64_t begin, int64_t end),
                       void *ctx, int64_t n) {
  int threads = mlpc_get_num_threads();
  if (threads > n)
    threads = (int)n;
  if (threads <= 1) {
    fn(ctx, 0, n);
    return;
  }
  pthread_once(&poolOnce, startPool);
  if (threads > poolSize)
    threads = poolSize;
  if (threads <= 1 || pthread_mutex_trylock(&poolTaken) != 0) {
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
  runJob(&job);
}

/* Runs `job` on the pool (taken by the caller) and on the calling thread,
   waits for all of it, and gives the pool back. */
static int32_t runJob(struct Job *jobPtr) {
  struct Job *job = jobPtr;
  atomic_init(&job->nextChunk, 0);
  atomic_init(&job->status, MLPC_OK);

  currentJob = job;
  atomic_store(&busyWorkers, poolSize - 1);
  pthread_mutex_lock(&lock);
  atomic_fetch_add_explicit(&generation, 1, memory_order_release);
  pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&lock);

  runChunks(job);

  /* Wait for the workers: spin first, they are usually about done. */
  int64_t start = nowNanos();
  for (int i = 0; atomic_load(&busyWorkers) > 0; ++i) {
    relax();
    if ((i & 63) == 63 && nowNanos() - start > SpinNanos) {
      pthread_mutex_lock(&lock);
      while (atomic_load(&busyWorkers) > 0)
        pthread_cond_wait(&done, &lock);
      pthread_mutex_unlock(&lock);
      break;
    }
  }
  pthread_mutex_unlock(&poolTaken);
  return atomic_load(&job->status);
}
