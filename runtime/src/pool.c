/*===- pool.c - the runtime's worker threads and how jobs reach them ------===*
 *
 * One pool per process, started on first use. A caller takes the pool for
 * the duration of a job; a caller that finds it taken runs its work on its
 * own thread, so concurrent callers never wait for each other. Each thread
 * takes its own share of a job's chunks first, then any left; which thread
 * runs a chunk does not change what is computed for it. A worker that wakes
 * too late finds the job closed and never delays the caller.
 *
 *===----------------------------------------------------------------------===*/
#define _GNU_SOURCE
#include "pool.h"

#include "mlpc/abi.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t pool_taken = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;
/* Threads in the pool, the caller included; it only grows. */
static atomic_int pool_size = 1;

static struct mlpc_job *current_job;
static atomic_int current_threads;
/* Bumped for each job (release: current_job is written first). */
static atomic_uint_fast64_t generation;
/* Bumped to wake sleeping workers without a job. */
static atomic_uint_fast64_t nudges;
static atomic_int_fast64_t last_nudge; /* ns */
/* Workers spinning for a job (awake, not sleeping). */
static atomic_int spinning;
static atomic_uint_fast64_t shared_jobs;

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

/* Set while this thread runs chunks of a job. */
static _Thread_local int in_job;

int64_t mlpc_pool_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

int mlpc_pool_awake(void) { return atomic_load(&spinning); }
int mlpc_pool_in_job(void) { return in_job; }
uint64_t mlpc_pool_shared_jobs(void) { return atomic_load(&shared_jobs); }

static void run_chunk(struct mlpc_job *job, int64_t c) {
  /* Chunks of equal size, to a row (or task). */
  int64_t begin = c * job->batch / job->num_chunks;
  int64_t rows = (c + 1) * job->batch / job->num_chunks - begin;
  if (job->task_fn) {
    job->task_fn(job->ctx, begin, begin + rows);
    return;
  }
  void *local[MLPC_POOL_MAX_PTRS];
  for (int32_t i = 0; i < job->num_ptrs; ++i)
    local[i] = (char *)job->ptrs[i] + begin * job->row_bytes[i];
  int32_t s = job->fn(local, rows);
  if (s != MLPC_OK) {
    int expected = MLPC_OK;
    atomic_compare_exchange_strong(&job->status, &expected, s);
  }
}

static int claim(struct mlpc_job *job, int64_t c) {
  return !atomic_load_explicit(&job->taken[c], memory_order_relaxed) &&
         !atomic_exchange(&job->taken[c], 1);
}

/* Thread `self` (0: the caller) runs its own share of the chunks first,
 * a contiguous range, in order: a layer split by columns then finds its
 * part of the weights in this core's cache again on the next call, and
 * each panel's prefetch of the next one lands in the chunk it runs next.
 * Then it takes any chunk left, the last first: the far end of another
 * thread's share, which that thread would reach last. A thread that the
 * machine slows down (or that wakes late) so hands over the rest of its
 * share instead of making the others wait. */
static void run_chunks(struct mlpc_job *job, int self) {
  in_job = 1;
  /* Shares of equal size, to a chunk, as chunks are of rows. */
  int64_t begin = self * job->num_chunks / job->threads;
  int64_t end = (self + 1) * job->num_chunks / job->threads;
  for (int64_t c = begin; c < end; ++c)
    if (claim(job, c))
      run_chunk(job, c);
  for (int64_t c = job->num_chunks - 1; c >= 0; --c)
    if (claim(job, c))
      run_chunk(job, c);
  in_job = 0;
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
    int64_t start = mlpc_pool_now();
    int slept = 0;
    atomic_fetch_add(&spinning, 1);
    for (int i = 0;
         (g = atomic_load_explicit(&generation, memory_order_acquire)) == seen;
         ++i) {
      relax();
      if ((i & 63) == 63 && mlpc_pool_now() - start > MLPC_POOL_SPIN_NANOS) {
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
    if (self >= atomic_load(&current_threads) || !join(g))
      continue;
    atomic_fetch_add(&current_job->joined, 1);
    run_chunks(current_job, self);
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
static pthread_t workers[MLPC_POOL_MAX_THREADS];
static int num_workers;
static cpu_set_t allowed_cpus;
static int have_allowed_cpus;
/* The caller's CPU that the workers are kept off (-1: none). */
static atomic_int avoided_cpu = -1;
static pthread_mutex_t affinity_lock = PTHREAD_MUTEX_INITIALIZER;

/* Keeps the workers off the CPU of the thread that hands out work. The
 * kernel tends to queue a woken thread on the CPU of the thread that woke
 * it ("wake affine"), here the caller, which is busy with its share of the
 * job: the worker then waits for the caller's time slice to end or for a
 * load balance (milliseconds) while another CPU idles, and a job of
 * microseconds never gets its help. Costs a sched_getcpu() per call, and
 * system calls only when the caller has moved to another CPU. */
static void keep_workers_off_caller(void) {
  if (!have_allowed_cpus)
    return;
  int cpu = sched_getcpu();
  if (cpu < 0 ||
      cpu == atomic_load_explicit(&avoided_cpu, memory_order_relaxed))
    return;
  if (pthread_mutex_trylock(&affinity_lock) != 0)
    return; /* another caller is at it */
  cpu_set_t set = allowed_cpus;
  if (cpu < CPU_SETSIZE)
    CPU_CLR(cpu, &set);
  /* Only while there are CPUs enough for the workers besides the
     caller's; else the scheduler balances better unconstrained. */
  if (CPU_COUNT(&set) < num_workers)
    set = allowed_cpus;
  for (int i = 0; i < num_workers; ++i)
    pthread_setaffinity_np(workers[i], sizeof set, &set);
  atomic_store(&avoided_cpu, cpu);
  pthread_mutex_unlock(&affinity_lock);
}

static pthread_mutex_t grow_lock = PTHREAD_MUTEX_INITIALIZER;
/* The most threads the pool may have: lowered to its size when a thread
 * cannot be started, so that later calls do not try again each time. */
static atomic_int pool_limit = MLPC_POOL_MAX_THREADS;

/* Starts workers until the pool has `want` threads, the caller included.
 * A new worker has the next index: jobs of fewer threads, the one running
 * included, leave it out, and later ones give it its share. */
static void grow_pool(int want) {
  int limit = atomic_load(&pool_limit);
  if (want > limit)
    want = limit;
  pthread_mutex_lock(&grow_lock);
  int size = atomic_load(&pool_size);
  if (size < want) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* The kernels keep small scratch buffers (<= 16 KiB) on the stack. */
    pthread_attr_setstacksize(&attr, 1 << 20);
    /* keep_workers_off_caller walks the workers under this lock. */
    pthread_mutex_lock(&affinity_lock);
    for (; size < want; ++size) {
      pthread_t t;
      if (pthread_create(&t, &attr, worker, (void *)(intptr_t)size) != 0) {
        atomic_store(&pool_limit, size); /* fewer threads is still correct */
        break;
      }
      workers[num_workers++] = t;
    }
    pthread_mutex_unlock(&affinity_lock);
    pthread_attr_destroy(&attr);
    /* The next call sets every worker's CPUs, the new ones' too. */
    atomic_store(&avoided_cpu, -1);
    atomic_store(&pool_size, size);
  }
  pthread_mutex_unlock(&grow_lock);
}

static void start_pool(void) {
  have_allowed_cpus =
      sched_getaffinity(0, sizeof allowed_cpus, &allowed_cpus) == 0;
  grow_pool(mlpc_get_num_threads());
}

int mlpc_pool_size(void) {
  pthread_once(&pool_once, start_pool);
  /* mlpc_set_num_threads may have asked for more since. */
  int want = mlpc_get_num_threads();
  int size = atomic_load_explicit(&pool_size, memory_order_relaxed);
  if (want > size &&
      size < atomic_load_explicit(&pool_limit, memory_order_relaxed))
    grow_pool(want);
  return atomic_load(&pool_size);
}

void mlpc_pool_nudge(void) {
  int64_t now = mlpc_pool_now();
  if (now - atomic_load_explicit(&last_nudge, memory_order_relaxed) <=
      MLPC_POOL_SPIN_NANOS)
    return;
  atomic_store_explicit(&last_nudge, now, memory_order_relaxed);
  keep_workers_off_caller();
  pthread_mutex_lock(&lock);
  atomic_fetch_add(&nudges, 1);
  pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&lock);
}

int mlpc_pool_run(struct mlpc_job *job, int threads, int32_t *status) {
  if (pthread_mutex_trylock(&pool_taken) != 0)
    return 0;
  for (int64_t c = 0; c < job->num_chunks; ++c)
    atomic_init(&job->taken[c], 0);
  atomic_init(&job->status, MLPC_OK);
  atomic_init(&job->joined, 0);
  job->threads = threads;

  keep_workers_off_caller();
  /* Only the pool's holder writes these. */
  uint64_t g = atomic_load(&generation) + 1;
  current_job = job;
  atomic_store(&current_threads, threads);
  atomic_store(&members, (uint64_t)(uint32_t)g << 32);
  pthread_mutex_lock(&lock);
  atomic_store_explicit(&generation, g, memory_order_release);
  pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&lock);

  run_chunks(job, 0);

  /* Every chunk is taken. Close the job once the workers inside are done
     (spin first, they are usually about done); later ones stay out. */
  int64_t start = mlpc_pool_now();
  for (int i = 0;; ++i) {
    uint64_t v = atomic_load(&members);
    if ((v & MEMBERS_COUNT) == 0) {
      if (atomic_compare_exchange_strong(&members, &v, v | MEMBERS_CLOSED))
        break;
      continue;
    }
    relax();
    if ((i & 63) == 63 && mlpc_pool_now() - start > MLPC_POOL_SPIN_NANOS) {
      pthread_mutex_lock(&lock);
      while (atomic_load(&members) & MEMBERS_COUNT)
        pthread_cond_wait(&done, &lock);
      pthread_mutex_unlock(&lock);
    }
  }
  if (atomic_load(&job->joined))
    atomic_fetch_add(&shared_jobs, 1);
  pthread_mutex_unlock(&pool_taken);
  *status = atomic_load(&job->status);
  return 1;
}

/* A probe job of two chunks: the caller's (chunk 0) waits for the
 * worker's (chunk 1) to start, a bounded time. */
struct mlpc_probe {
  atomic_int started;
};

static void probe_task(void *ctx, int64_t begin, int64_t end) {
  struct mlpc_probe *probe = ctx;
  (void)end;
  if (begin != 0) {
    atomic_store(&probe->started, 1);
    return;
  }
  int64_t deadline = mlpc_pool_now() + MLPC_PROBE_WAIT_NANOS;
  while (!atomic_load(&probe->started) && mlpc_pool_now() < deadline)
    relax();
}

static int compare_nanos(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static atomic_int_fast64_t round_trip_nanos; /* 0: not measured */
/* When it was last measured, or last failed to be (ns). It is measured
 * again every MLPC_REMEASURE_NANOS, since a VM's virtual CPUs move and its
 * round trip can change several times over from hour to hour. A
 * failed measurement (the workers said to be awake did not take part: a
 * machine too busy to say) waits MLPC_PROBE_RETRY_NANOS before the next, so
 * that the probes' waits do not fall on every call. */
static atomic_int_fast64_t last_probe;
/* The calling thread's calls since it last read the clock for that. */
static _Thread_local unsigned calls_since_clock;

int64_t mlpc_pool_round_trip_nanos(int measure) {
  int64_t known = atomic_load_explicit(&round_trip_nanos, memory_order_relaxed);
  /* Once known, the clock is read every 4096th call, not on each. */
  if (!measure || in_job || (known > 0 && (++calls_since_clock & 4095) != 0))
    return known;
  int64_t start = mlpc_pool_now();
  int64_t last = atomic_load_explicit(&last_probe, memory_order_relaxed);
  if (last && start - last <
                  (known > 0 ? MLPC_REMEASURE_NANOS : MLPC_PROBE_RETRY_NANOS))
    return known;
  if (mlpc_pool_size() < 2 || mlpc_pool_awake() < 1 ||
      !atomic_compare_exchange_strong(&last_probe, &last, start))
    return known; /* or another caller is measuring */
  int64_t samples[MLPC_PROBE_SAMPLES];
  int n = 0;
  for (int i = 0; i < MLPC_PROBE_SAMPLES && n + 4 >= i; ++i) {
    struct mlpc_probe probe;
    atomic_init(&probe.started, 0);
    struct mlpc_job job;
    memset(&job, 0, sizeof job);
    job.task_fn = probe_task;
    job.ctx = &probe;
    job.batch = 2;
    job.num_chunks = 2;
    int32_t status;
    int64_t t0 = mlpc_pool_now();
    if (!mlpc_pool_run(&job, 2, &status))
      return known; /* another caller has the pool: another time */
    if (atomic_load(&job.joined))
      samples[n++] = mlpc_pool_now() - t0;
  }
  /* Most probes must have had the worker's help, or the figure would be
     the wait's bound rather than a round trip. */
  if (n <= MLPC_PROBE_SAMPLES / 2)
    return known;
  qsort(samples, (size_t)n, sizeof samples[0], compare_nanos);
  int64_t median = samples[n / 2] > 0 ? samples[n / 2] : 1;
  atomic_store_explicit(&round_trip_nanos, median, memory_order_relaxed);
  return median;
}
