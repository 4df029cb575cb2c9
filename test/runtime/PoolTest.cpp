//===- PoolTest.cpp - the runtime's thread pool ---------------------------===//
//
// Every task and every row is run exactly once, whatever the work's size
// (below or above the split thresholds), the pause between calls (workers
// awake, asleep, or waking too late for a job) and the number of callers
// sharing the pool; row ranges are whole row blocks but the last.
//
//===----------------------------------------------------------------------===//
#include "mlpc/abi.h"

#include <gtest/gtest.h>

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>
#include <utility>
#include <vector>

namespace {

void countTasks(void *ctx, int64_t begin, int64_t end) {
  auto *counts = static_cast<std::atomic<int> *>(ctx);
  for (int64_t i = begin; i < end; ++i)
    counts[i].fetch_add(1);
}

int32_t countRows(void *const *ptrs, int64_t rows) {
  auto *counts = static_cast<std::atomic<int> *>(ptrs[0]);
  for (int64_t i = 0; i < rows; ++i)
    counts[i].fetch_add(1);
  return MLPC_OK;
}

/// One caller's random mix of calls; returns how many went wrong.
int randomCalls(unsigned seed, int calls) {
  std::mt19937 rng(seed);
  std::atomic<int> counts[600];
  int bad = 0;
  for (int c = 0; c < calls; ++c) {
    int64_t n = 1 + rng() % 600;
    for (auto &v : counts)
      v.store(0);
    // Work per task from tiny to large: split never, only while the
    // workers are awake, or always.
    const int64_t flops[] = {0, 100, 40000, 1 << 20, 1 << 24};
    int64_t f = flops[rng() % 5];
    if (rng() % 2) {
      mlpc_parallel_for(countTasks, counts, n, f);
    } else {
      void *ptrs[1] = {counts};
      int64_t rowBytes[1] = {sizeof(std::atomic<int>)};
      if (mlpc_parallel_rows(countRows, ptrs, rowBytes, 1, n, f, 6) != MLPC_OK)
        ++bad;
    }
    for (int64_t i = 0; i < 600; ++i)
      bad += counts[i].load() != (i < n ? 1 : 0);
    // Now and then a pause long enough for the workers to fall asleep.
    if (rng() % 40 == 0)
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 300));
  }
  return bad;
}

TEST(Pool, EveryTaskRunsOnceForOneCaller) {
  mlpc_set_num_threads(4);
  EXPECT_EQ(randomCalls(1, 3000), 0);
  mlpc_set_num_threads(0);
}

TEST(Pool, EveryTaskRunsOnceForConcurrentCallers) {
  mlpc_set_num_threads(3);
  std::vector<std::thread> callers;
  std::atomic<int> bad{0};
  for (unsigned i = 0; i < 4; ++i)
    callers.emplace_back([&bad, i] { bad += randomCalls(100 + i, 1500); });
  for (auto &t : callers)
    t.join();
  EXPECT_EQ(bad.load(), 0);
  mlpc_set_num_threads(0);
}

/// Large work is split (the pool takes part) into row ranges of equal size
/// to a row, whole blocks of 6 rows or not: 13 rows on 2 threads are 6 + 7
/// (not 12 + 1), 32 are 16 + 16 (not 18 + 14), and 200 rows (8 blocks per
/// thread or more, and 2^24 FLOPs per row: 8 chunks per thread) are 16
/// ranges of 12 or 13 rows.
std::mutex rangesLock;
std::vector<std::pair<const char *, int64_t>> ranges;

int32_t recordRange(void *const *ptrs, int64_t rows) {
  std::lock_guard<std::mutex> guard(rangesLock);
  ranges.push_back({static_cast<const char *>(ptrs[0]), rows});
  return MLPC_OK;
}

TEST(Pool, RowRangesAreEven) {
  mlpc_set_num_threads(2);
  char base[256];
  void *ptrs[1] = {base};
  int64_t rowBytes[1] = {1};
  const std::vector<std::pair<int64_t, std::vector<int64_t>>> cases = {
      {13, {6, 7}},
      {32, {16, 16}},
      {200, {12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13, 12, 13}}};
  for (const auto &[batch, sizes] : cases) {
    // Until the pool took part a few times (2^24 FLOPs per row are worth
    // waking a thread for; a worker that wakes too late leaves the whole
    // job to the caller, with the same ranges).
    uint64_t before = mlpc_parallel_jobs();
    for (int call = 0; call < 100000 && mlpc_parallel_jobs() < before + 5;
         ++call) {
      ranges.clear();
      ASSERT_EQ(mlpc_parallel_rows(recordRange, ptrs, rowBytes, 1, batch,
                                   int64_t(1) << 24, 6),
                MLPC_OK);
      std::sort(ranges.begin(), ranges.end());
      std::vector<std::pair<const char *, int64_t>> want;
      int64_t begin = 0;
      for (int64_t rows : sizes) {
        want.push_back({base + begin, rows});
        begin += rows;
      }
      ASSERT_EQ(ranges, want) << "batch " << batch;
    }
    EXPECT_GE(mlpc_parallel_jobs(), before + 5) << "batch " << batch;
  }
  mlpc_set_num_threads(0);
}

/// A split inside a job's range (a row range whose layer splits its
/// columns) runs on the thread of that range: every task once, no
/// deadlock, whatever the work.
int32_t nestedRows(void *const *ptrs, int64_t rows) {
  auto *counts = static_cast<std::atomic<int> *>(ptrs[0]);
  // 8 tasks per row, each worth waking a thread for on its own.
  mlpc_parallel_for(countTasks, counts, rows * 8, int64_t(1) << 24);
  return MLPC_OK;
}

TEST(Pool, SplitsInsideAJobRunInPlace) {
  mlpc_set_num_threads(2);
  for (int call = 0; call < 500; ++call) {
    std::atomic<int> counts[64 * 8];
    for (auto &v : counts)
      v.store(0);
    void *ptrs[1] = {counts};
    int64_t rowBytes[1] = {8 * sizeof(std::atomic<int>)};
    int64_t batch = 1 + call % 64;
    ASSERT_EQ(mlpc_parallel_rows(nestedRows, ptrs, rowBytes, 1, batch,
                                 int64_t(1) << 24, 6),
              MLPC_OK);
    for (int64_t i = 0; i < 64 * 8; ++i)
      ASSERT_EQ(counts[i].load(), i < batch * 8 ? 1 : 0) << "call " << call;
  }
  mlpc_set_num_threads(0);
}

/// Calls a split of `work` FLOPs (two tasks) `calls` times in a loop, which
/// keeps the workers awake; returns how many of them a worker took part in.
uint64_t splitsOfLoop(int64_t work, int calls) {
  std::atomic<int> counts[2];
  uint64_t before = mlpc_parallel_jobs();
  for (int c = 0; c < calls; ++c) {
    for (auto &v : counts)
      v.store(0);
    mlpc_parallel_for(countTasks, counts, 2, work / 2);
    EXPECT_EQ(counts[0].load() + counts[1].load(), 2);
  }
  return mlpc_parallel_jobs() - before;
}

/// The split cost is measured while the workers are awake, once: a round
/// trip to a worker on any machine is over 10 ns and far below 10 ms. On a
/// machine too busy for the worker to take part (ctest -j2 on two cores),
/// the measurement waits 100 ms before it tries again.
TEST(Pool, SplitCostIsMeasuredWhileWorkersAreAwake) {
  mlpc_set_num_threads(2);
  mlpc_set_split_cost_nanos(-1);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (mlpc_get_split_cost_nanos() == 0 &&
         std::chrono::steady_clock::now() < until)
    splitsOfLoop(int64_t(1) << 21, 10);
  int64_t cost = mlpc_get_split_cost_nanos();
  EXPECT_GT(cost, 10);
  EXPECT_LT(cost, 10000000);
  splitsOfLoop(int64_t(1) << 21, 100);
  EXPECT_EQ(mlpc_get_split_cost_nanos(), cost) << "measured again";
  mlpc_set_num_threads(0);
}

/// Tasks that take *ctx nanoseconds each (at least). Each instance is a
/// function of its own: the runtime learns each function's speed.
template <int Instance> void timedTasks(void *ctx, int64_t begin, int64_t end) {
  auto nanos = std::chrono::nanoseconds(*static_cast<int64_t *>(ctx));
  for (int64_t i = begin; i < end; ++i) {
    auto until = std::chrono::steady_clock::now() + nanos;
    while (std::chrono::steady_clock::now() < until) {
    }
  }
}

/// Splits in `calls` calls of two tasks of `fn`, each `nanos` long and of
/// 100 K FLOPs (in a loop, which keeps the workers awake).
uint64_t timedSplits(void (*fn)(void *, int64_t, int64_t), int64_t nanos,
                     int calls) {
  uint64_t before = mlpc_parallel_jobs();
  for (int c = 0; c < calls; ++c)
    mlpc_parallel_for(fn, &nanos, 2, 100000);
  return mlpc_parallel_jobs() - before;
}

/// Whether such calls get a worker's help within 5 s (on a busy machine a
/// worker may take long to be scheduled).
bool timedSplitsSoon(void (*fn)(void *, int64_t, int64_t), int64_t nanos) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < until)
    if (timedSplits(fn, nanos, 100) > 0)
      return true;
  return false;
}

/// A layer's time, not its FLOPs, is weighed against the split cost: of two
/// task functions with the same FLOPs, the one whose half of the work takes
/// less than the cost (2 us of 10) runs on the caller's thread even while
/// the workers are awake; the one whose half takes longer (30 us) is split,
/// and with no cost both are.
TEST(Pool, WorkShorterThanTheSplitCostRunsOnOneThread) {
  mlpc_set_num_threads(2);
  mlpc_set_split_cost_nanos(10000);
  EXPECT_EQ(mlpc_get_split_cost_nanos(), 10000);
  EXPECT_TRUE(timedSplitsSoon(timedTasks<1>, 30000)) << "30 us per thread";
  EXPECT_EQ(timedSplits(timedTasks<0>, 2000, 5000), 0u) << "2 us per thread";
  mlpc_set_split_cost_nanos(0);
  EXPECT_TRUE(timedSplitsSoon(timedTasks<0>, 2000)) << "no cost";
  mlpc_set_split_cost_nanos(-1);
  mlpc_set_num_threads(0);
}

/// MLPC_SPLIT_COST_NS sets the cost (read once, so in a fresh process).
TEST(Pool, TheVariableSetsTheSplitCost) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        setenv("MLPC_SPLIT_COST_NS", "12345", 1);
        std::exit(mlpc_get_split_cost_nanos() == 12345 ? 0 : 1);
      },
      testing::ExitedWithCode(0), "");
}

/// Variables that are not whole numbers are ignored: the cost is measured
/// (0 until then), and the thread count is the CPUs'.
TEST(Pool, VariablesThatDoNotParseAreIgnored) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  for (const char *bad : {"1e999x", "12345 ", "99999999999999999999", "x"})
    EXPECT_EXIT(
        {
          setenv("MLPC_SPLIT_COST_NS", bad, 1);
          std::exit(mlpc_get_split_cost_nanos() == 0 ? 0 : 1);
        },
        testing::ExitedWithCode(0), "")
        << bad;
  EXPECT_EXIT(
      {
        setenv("MLPC_NUM_THREADS", "3", 1);
        std::exit(mlpc_get_num_threads() == 3 ? 0 : 1);
      },
      testing::ExitedWithCode(0), "");
  // Without asking the runtime, which reads the variable only once.
  cpu_set_t set;
  ASSERT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
  int32_t cpus = std::min(CPU_COUNT(&set), 256);
  for (const char *bad : {"3x", "0", "-2", "4294967296"})
    EXPECT_EXIT(
        {
          setenv("MLPC_NUM_THREADS", bad, 1);
          std::exit(mlpc_get_num_threads() == cpus ? 0 : 1);
        },
        testing::ExitedWithCode(0), "")
        << bad;
}

/// The pool grows when a call asks for more threads than it has: after a
/// job on two threads, one asked to run on four gets four distinct threads
/// (each task sleeps long enough for every thread to wake and take its
/// share).
std::mutex seenLock;
std::vector<std::thread::id> seenThreads;

void recordThread(void *, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::lock_guard<std::mutex> guard(seenLock);
    if (std::find(seenThreads.begin(), seenThreads.end(),
                  std::this_thread::get_id()) == seenThreads.end())
      seenThreads.push_back(std::this_thread::get_id());
  }
}

TEST(Pool, GrowsWhenMoreThreadsAreAsked) {
  for (int threads : {2, 4}) {
    mlpc_set_num_threads(threads);
    seenThreads.clear();
    // Work estimated large: split over every thread asked for.
    mlpc_parallel_for(recordThread, nullptr, 16, int64_t(1) << 24);
    EXPECT_EQ(int(seenThreads.size()), threads);
  }
  mlpc_set_num_threads(0);
}

TEST(Pool, ErrorsOfRangesComeBack) {
  mlpc_set_num_threads(2);
  auto failing = [](void *const *, int64_t rows) -> int32_t {
    return rows == 7 ? MLPC_ERR_OUT_OF_MEMORY : MLPC_OK;
  };
  char base[64];
  void *ptrs[1] = {base};
  int64_t rowBytes[1] = {1};
  EXPECT_EQ(
      mlpc_parallel_rows(failing, ptrs, rowBytes, 1, 13, int64_t(1) << 24, 6),
      MLPC_ERR_OUT_OF_MEMORY);
  mlpc_set_num_threads(0);
}

} // namespace
