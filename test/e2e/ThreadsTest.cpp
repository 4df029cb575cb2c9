//===- ThreadsTest.cpp - results and splits on any thread count -----------===//
//
// Results are bitwise identical on any thread count, and layers and batches
// are split over the pool's threads when that pays.
//
//===----------------------------------------------------------------------===//
#include "Check.h"
#include "Models.h"

#include "large_fused.h"
#include "mnist_fused.h"
#include "mnist_tile512.h"
#include "softmax.h"
#include "split_baseline.h"
#include "split_fused.h"
#include "split_once.h"
#include "split_tile512.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <sched.h>
#include <thread>

using namespace mlpc_test;

namespace {

/// Every thread count gives bitwise the same result: each output row is
/// computed by the same code in the same order whichever thread runs it.
TEST(Threads, ResultsDoNotDependOnTheThreadCount) {
  // Large enough to be split, and for each range to run in several chunks
  // of rows (mnist's are 144 rows): batches 333 and 1000 end in partial
  // chunks and partial register tiles.
  const int64_t batch = 1000;
  std::vector<float> x = randomInput(batch * 784, 31);
  std::vector<float> want(batch * 10), got(batch * 10);
  mlpc_set_num_threads(1);
  ASSERT_EQ(mlpc_get_num_threads(), 1);
  ASSERT_EQ(mnist_fused(x.data(), want.data(), batch), MLPC_OK);
  std::vector<float> want512(batch * 10);
  ASSERT_EQ(mnist_tile512(x.data(), want512.data(), batch), MLPC_OK);
  for (int threads : {2, 3, 4}) {
    mlpc_set_num_threads(threads);
    EXPECT_EQ(mlpc_get_num_threads(), threads);
    for (int64_t b :
         {int64_t(1), int64_t(19), int64_t(20), int64_t(333), batch}) {
      std::fill(got.begin(), got.end(), -1.0f);
      ASSERT_EQ(mnist_fused(x.data(), got.data(), b), MLPC_OK);
      EXPECT_EQ(0, std::memcmp(got.data(), want.data(), b * 10 * sizeof(float)))
          << threads << " threads, batch " << b;
      std::fill(got.begin(), got.end(), -1.0f);
      ASSERT_EQ(mnist_tile512(x.data(), got.data(), b), MLPC_OK);
      EXPECT_EQ(0,
                std::memcmp(got.data(), want512.data(), b * 10 * sizeof(float)))
          << "AVX-512's tile, " << threads << " threads, batch " << b;
    }
  }
  mlpc_set_num_threads(0); // back to the default
  EXPECT_GE(mlpc_get_num_threads(), 1);
  expectClose(want, reference(mnistModel(), x.data(), batch), 2e-5, 1e-4,
              "threaded mnist");

  // A model whose first layer runs in column groups: its leftover rows
  // take other tiles depending on the split, and still match bitwise.
  std::vector<float> lx = randomInput(batch * 600, 32);
  std::vector<float> lwant(batch * 37), lgot(batch * 37);
  mlpc_set_num_threads(1);
  ASSERT_EQ(large_fused(lx.data(), lwant.data(), batch), MLPC_OK);
  for (int threads : {2, 3}) {
    mlpc_set_num_threads(threads);
    for (int64_t b : {int64_t(5), int64_t(100), batch}) {
      std::vector<float> single(b * 37);
      mlpc_set_num_threads(1);
      ASSERT_EQ(large_fused(lx.data(), single.data(), b), MLPC_OK);
      mlpc_set_num_threads(threads);
      ASSERT_EQ(large_fused(lx.data(), lgot.data(), b), MLPC_OK);
      EXPECT_EQ(0,
                std::memcmp(lgot.data(), single.data(), b * 37 * sizeof(float)))
          << threads << " threads, batch " << b;
      // The same rows computed in a bigger batch: identical too.
      EXPECT_EQ(0,
                std::memcmp(lgot.data(), lwant.data(), b * 37 * sizeof(float)))
          << "rows of batch " << b << " vs batch " << batch;
    }
  }
  mlpc_set_num_threads(0);
}

TEST(Threads, ColumnSplitLayersAreIdenticalOnAnyThreadCount) {
  // split_fused's first layer splits its columns over the threads at any
  // batch (1 included); every chunk is computed by the same code. The same
  // with AVX-512's tile (chunks of 32-column panels, 600 = 18 x 32 + 24).
  const int64_t batch = 70;
  std::vector<float> x = randomInput(batch * 1024, 41);
  for (auto fn : {split_fused, split_tile512}) {
    for (int64_t b : {int64_t(1), int64_t(5), int64_t(13), batch}) {
      std::vector<float> want(b * 10), got(b * 10);
      mlpc_set_num_threads(1);
      ASSERT_EQ(fn(x.data(), want.data(), b), MLPC_OK);
      for (int threads : {2, 3, 4}) {
        mlpc_set_num_threads(threads);
        std::fill(got.begin(), got.end(), -1.0f);
        ASSERT_EQ(fn(x.data(), got.data(), b), MLPC_OK);
        EXPECT_EQ(0, std::memcmp(got.data(), want.data(), got.size() * 4))
            << threads << " threads, batch " << b;
      }
      expectClose(want, reference(splitModel(), x.data(), b), 2e-5, 1e-4,
                  "split batch " + std::to_string(b));
    }
  }
  mlpc_set_num_threads(0);
}

/// The CPUs this process may run on.
int usableCpus() {
  cpu_set_t set;
  return sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
}

/// Batches smaller than the register tile split the columns of mid-size
/// layers (256 KiB to 2 MiB of weights: mnist's first, large's first)
/// while the pool's threads are awake, which calls in a loop keep them.
/// Every call is compared bitwise with one thread's result, and the loop
/// runs until the pool took part in some of them (it must, well before the
/// limit, or the split is broken). With no split cost: whether a split
/// pays at batch 1 depends on the machine.
///
/// Only where every thread can have a CPU: with more threads than CPUs, a
/// worker descheduled while it spins outlasts its spin and sleeps, so all
/// of them are seldom awake at once, and never with another process busy
/// on a CPU (3 threads on 2 CPUs beside a CPU hog: none of 20000 calls at
/// batch 1 split in 4 of 8 runs). The calls still run and must still match
/// bitwise.
TEST(Threads, SmallBatchesSplitColumnsWhenCalledInALoop) {
  const int cpus = usableCpus();
  mlpc_set_split_cost_nanos(0);
  struct Case {
    std::function<int32_t(const float *, float *, int64_t)> fn;
    int64_t in, out, batch;
  };
  std::vector<Case> cases;
  for (int64_t b = 1; b <= 5; ++b)
    cases.push_back({mnist_fused, 784, 10, b});
  cases.push_back({large_fused, 600, 37, 5});
  cases.push_back({large_fused, 600, 37, 1});
  for (const Case &c : cases) {
    std::vector<float> x = randomInput(c.batch * c.in, 51);
    std::vector<float> want(c.batch * c.out), got(c.batch * c.out);
    mlpc_set_num_threads(1);
    ASSERT_EQ(c.fn(x.data(), want.data(), c.batch), MLPC_OK);
    for (int threads : {2, 3}) {
      mlpc_set_num_threads(threads);
      uint64_t before = mlpc_parallel_jobs();
      int calls = 0;
      for (; calls < 20000 && mlpc_parallel_jobs() < before + 5; ++calls) {
        std::fill(got.begin(), got.end(), -1.0f);
        ASSERT_EQ(c.fn(x.data(), got.data(), c.batch), MLPC_OK);
        ASSERT_EQ(0, std::memcmp(got.data(), want.data(), got.size() * 4))
            << threads << " threads, batch " << c.batch << ", call " << calls;
      }
      if (threads <= cpus)
        EXPECT_GE(mlpc_parallel_jobs(), before + 5)
            << "no split in " << calls << " calls: " << threads
            << " threads, batch " << c.batch;
    }
  }
  mlpc_set_split_cost_nanos(-1);
  mlpc_set_num_threads(0);
}

/// The work a column-split layer states grows with the batch: with a split
/// cost between half of mnist's time at batch 1 and half of it at batch 5
/// on one thread (their geometric mean), mnist's first layer runs on one
/// thread at batch 1 and splits at batch 5, however long the loop keeps the
/// workers awake. When the compiler stated the work at batch 1, batch 5
/// never split.
TEST(Threads, ColumnSplitsWeighTheCallsBatch) {
  // The fastest of 20 blocks of 200 calls (the runtime keeps a layer's
  // fastest run too), in ns per call.
  auto fastest = [](int64_t batch) {
    std::vector<float> x = randomInput(batch * 784, 53), y(batch * 10);
    double best = 1e30;
    for (int block = 0; block < 20; ++block) {
      auto start = std::chrono::steady_clock::now();
      for (int c = 0; c < 200; ++c)
        EXPECT_EQ(mnist_fused(x.data(), y.data(), batch), MLPC_OK);
      std::chrono::duration<double, std::nano> took =
          std::chrono::steady_clock::now() - start;
      best = std::min(best, took.count() / 200);
    }
    return best;
  };
  mlpc_set_num_threads(1);
  double one = fastest(1), five = fastest(5);
  mlpc_set_num_threads(2);
  mlpc_set_split_cost_nanos(int64_t(std::sqrt(one * five) / 2));
  // Splits in 20000 calls, or (wanted) until the first, within 5 s.
  auto splits = [](int64_t batch, bool untilOne) {
    std::vector<float> x = randomInput(batch * 784, 53), y(batch * 10);
    uint64_t before = mlpc_parallel_jobs();
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (int c = 0; untilOne ? mlpc_parallel_jobs() == before &&
                                   std::chrono::steady_clock::now() < until
                             : c < 20000;
         ++c)
      EXPECT_EQ(mnist_fused(x.data(), y.data(), batch), MLPC_OK);
    return mlpc_parallel_jobs() - before;
  };
  // The runtime learns the layer's speed from its fastest serial runs; on a
  // busy machine the first ones may all be slowed down, and batch 1 split
  // until a fast one came. Those calls are not counted.
  splits(1, false);
  EXPECT_EQ(splits(1, false), 0u)
      << one << " ns at batch 1, " << five << " at 5";
  EXPECT_GT(splits(5, true), 0u)
      << one << " ns at batch 1, " << five << " at 5";
  mlpc_set_split_cost_nanos(-1);
  mlpc_set_num_threads(0);
}

/// Two models called in turn (here split_fused and split_baseline, each
/// with a 1024 x 600 layer) both split their layers on every call. When the
/// compiler stated a layer's work at batch 1, too little for a sleeping
/// thread, the runtime split such layers once a serial run had shown them
/// slow, and with one mark for the whole process each call evicted the
/// other's: neither ever used a second thread.
TEST(Threads, SplitLayersOfModelsCalledInTurnBothSplit) {
  const int64_t batch = 64;
  std::vector<float> x = randomInput(batch * 1024, 61);
  std::vector<float> y(batch * 10);
  mlpc_set_num_threads(2);
  // A call counts when the second thread took part. On a busy machine the
  // caller may finish before it wakes, so the rounds go on until enough
  // calls were split; with one mark for the process, none ever was.
  uint64_t before = mlpc_parallel_jobs();
  int rounds = 0;
  for (; rounds < 500 && mlpc_parallel_jobs() < before + 10; ++rounds) {
    ASSERT_EQ(split_fused(x.data(), y.data(), batch), MLPC_OK);
    ASSERT_EQ(split_baseline(x.data(), y.data(), batch), MLPC_OK);
  }
  EXPECT_GE(mlpc_parallel_jobs(), before + 10)
      << "only " << mlpc_parallel_jobs() - before << " split calls in "
      << rounds << " rounds";
  mlpc_set_num_threads(0);
}

/// A model's first call, with the pool's threads asleep, splits a layer
/// whose work at the call's batch pays for waking them. When the compiler
/// stated a layer's work at batch 1, a program calling a model once with a
/// large batch never used a second thread.
TEST(Threads, FirstCallOfALargeBatchSplitsItsLayers) {
  const int64_t batch = 1024;
  std::vector<float> x = randomInput(batch * 1024, 71);
  std::vector<float> y(batch * 10);
  mlpc_set_num_threads(2);
  // The pool's threads asleep, as in a program's first call.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  uint64_t before = mlpc_parallel_jobs();
  ASSERT_EQ(split_once(x.data(), y.data(), batch), MLPC_OK);
  EXPECT_GT(mlpc_parallel_jobs(), before)
      << "the first call ran its column-split layer on one thread";
  mlpc_set_num_threads(1);
  std::vector<float> single(y.size());
  ASSERT_EQ(split_once(x.data(), single.data(), batch), MLPC_OK);
  EXPECT_EQ(0, std::memcmp(y.data(), single.data(), y.size() * sizeof(float)));
  mlpc_set_num_threads(0);
}

/// An entry with no dense layer (a 1000-class softmax) has work per row all
/// the same: its rows split over the threads when it is called in a loop,
/// and every row matches one thread's bitwise.
TEST(Threads, SoftmaxOnlyEntriesSplitRowsWhenCalledInALoop) {
  const int64_t batch = 64;
  std::vector<float> x = randomInput(batch * 1000, 61, 30.0);
  for (auto fn : {softmax_wide, log_softmax_wide}) {
    std::vector<float> want(x.size()), got(x.size());
    mlpc_set_num_threads(1);
    ASSERT_EQ(fn(x.data(), want.data(), batch), MLPC_OK);
    mlpc_set_num_threads(2);
    uint64_t before = mlpc_parallel_jobs();
    int calls = 0;
    for (; calls < 20000 && mlpc_parallel_jobs() < before + 5; ++calls) {
      std::fill(got.begin(), got.end(), -1.0f);
      ASSERT_EQ(fn(x.data(), got.data(), batch), MLPC_OK);
      ASSERT_EQ(0, std::memcmp(got.data(), want.data(), got.size() * 4))
          << "call " << calls;
    }
    EXPECT_GE(mlpc_parallel_jobs(), before + 5)
        << "no split in " << calls << " calls";
  }
  mlpc_set_num_threads(0);
}

TEST(Threads, ErrorsFromRangesAreReported) {
  // The scratch allocation of each range fails: the status comes back.
  mlpc_set_num_threads(4);
  auto [in, out] = unreachableBuffers();
  EXPECT_EQ(large_fused(in, out, int64_t(1) << 40), MLPC_ERR_OUT_OF_MEMORY);
  mlpc_set_num_threads(0);
}

} // namespace
