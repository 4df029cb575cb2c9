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
static uint64_t generation;
static int busyWorkers;
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
  pthread_mutex_lock(&lock);
  for (;;) {
    while (generation == seen)
      pthread_cond_wait(&wake, &lock);
    seen = generation;
    struct Job *job = currentJob;
    pthread_mutex_unlock(&lock);
    runChunks(job);
    pthread_mutex_lock(&lock);
    if (--busyWorkers == 0)
      pthread_cond_signal(&done);
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
                           int64_t batch, int64_t flops_per_row) {
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

  /* Two ranges per thread balance uneven progress. Ranges are multiples
     of 8 rows, so the kernels' row blocks stay whole: a kernel handles the
     rows left over from its blocks more slowly. */
  struct Job job;
  memset(&job, 0, sizeof job);
  job.fn = fn;
  job.ptrs = ptrs;
  job.rowBytes = row_bytes;
  job.numPtrs = num_ptrs;
  job.batch = batch;
  int64_t chunks = (int64_t)threads * 2;
  job.chunkRows = ((batch + chunks - 1) / chunks + 7) / 8 * 8;
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

  pthread_mutex_lock(&lock);
  currentJob = job;
  busyWorkers = poolSize - 1;
  ++generation;
  pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&lock);

  runChunks(job);

  pthread_mutex_lock(&lock);
  while (busyWorkers > 0)
    pthread_cond_wait(&done, &lock);
  currentJob = NULL;
  pthread_mutex_unlock(&lock);
  pthread_mutex_unlock(&poolTaken);
  return atomic_load(&job->status);
}
