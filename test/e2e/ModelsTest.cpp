//===- ModelsTest.cpp - compiled MLPs and DAGs against float64 ------------===//
//
// The seed texts' worked examples, the generated MLPs (every build: fused,
// unfused, dense ops, baseline x86-64, AVX2, AVX-512's tile) at several
// batches, hand-written DAG models, a model with calls, and several models
// in one program.
//
//===----------------------------------------------------------------------===//
#include "Models.h"
#include "Check.h"
#include "DagModels.h"

#include "acts_baseline.h"
#include "acts_dense.h"
#include "acts_fused.h"
#include "acts_tile512.h"
#include "acts_unfused.h"
#include "branches.h"
#include "calls.h"
#include "large_baseline.h"
#include "large_dense.h"
#include "large_fused.h"
#include "large_groups.h"
#include "large_panels.h"
#include "large_rows.h"
#include "large_split.h"
#include "large_tile512.h"
#include "mnist_avx2.h"
#include "mnist_baseline.h"
#include "mnist_dense.h"
#include "mnist_fused.h"
#include "mnist_groups.h"
#include "mnist_panels.h"
#include "mnist_rows.h"
#include "mnist_split.h"
#include "mnist_tile512.h"
#include "mnist_unfused.h"
#include "residual.h"
#include "seeds.h"
#include "split_baseline.h"
#include "split_fused.h"
#include "split_tile512.h"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>

using namespace mlpc_test;

namespace {

void checkMlp(const Entry &fn, const Mlp &m, int64_t batch, double atol,
              const std::string &what) {
  int in = m.layers.front().in, out = m.layers.back().out;
  std::vector<float> x = randomInput(batch * in, 100 + batch);
  std::vector<float> xCopy = x;
  std::vector<float> y(batch * out, -12345.0f);
  ASSERT_EQ(fn(x.data(), y.data(), batch), MLPC_OK) << what;
  EXPECT_EQ(0, std::memcmp(x.data(), xCopy.data(), x.size() * sizeof(float)))
      << what << ": the input was written";
  expectClose(y, reference(m, x.data(), batch), atol, 1e-4,
              what + " batch " + std::to_string(batch));
}

//===----------------------------------------------------------------------===//
// The seed texts' worked examples
//===----------------------------------------------------------------------===//

TEST(SeedExamples, SigmoidNetworkGives0_484255) {
  const float x[2] = {0.5f, 0.8f};
  float y = 0;
  ASSERT_EQ(seed_sigmoid(x, &y, 1), MLPC_OK);
  // z = 0.7*0.36 - 0.4*0.08 + 0.3*0.23 - 0.1 = -0.063 (not -0.069).
  EXPECT_NEAR(y, 1.0 / (1.0 + std::exp(0.063)), 1e-6);
  EXPECT_NEAR(y, 0.484255, 1e-6);
}

TEST(SeedExamples, LinearNetworkGivesMinus0_01) {
  const float x[2] = {1.0f, 2.0f};
  float y = 0;
  ASSERT_EQ(seed_linear(x, &y, 1), MLPC_OK);
  EXPECT_NEAR(y, -0.01, 1e-6);
}

//===----------------------------------------------------------------------===//
// MLPs at batch 1, an odd batch, one of several row tiles and a large one,
// fused and unfused
//===----------------------------------------------------------------------===//

struct MlpCase {
  const char *name;
  Entry fn;
  Mlp (*model)();
};

void PrintTo(const MlpCase &c, std::ostream *os) { *os << c.name; }

class MlpTest : public ::testing::TestWithParam<std::tuple<MlpCase, int64_t>> {
};

TEST_P(MlpTest, MatchesFloat64Reference) {
  auto [c, batch] = GetParam();
  checkMlp(c.fn, c.model(), batch, 2e-5, c.name);
}

const MlpCase kCases[] = {
    {"mnist_fused", mnist_fused, mnistModel},
    {"mnist_unfused", mnist_unfused, mnistModel},
    {"mnist_dense", mnist_dense, mnistModel},
    {"mnist_baseline_x86_64", mnist_baseline, mnistModel},
    {"mnist_avx2", mnist_avx2, mnistModel},
    {"acts_fused", acts_fused, activationsModel},
    {"acts_unfused", acts_unfused, activationsModel},
    {"acts_dense", acts_dense, activationsModel},
    {"acts_baseline_x86_64", acts_baseline, activationsModel},
    {"large_fused", large_fused, largeModel},
    {"large_dense", large_dense, largeModel},
    {"large_baseline_x86_64", large_baseline, largeModel},
    {"split_fused", split_fused, splitModel},
    {"split_baseline_x86_64", split_baseline, splitModel},
    {"mnist_tile512", mnist_tile512, mnistModel},
    {"acts_tile512", acts_tile512, activationsModel},
    {"large_tile512", large_tile512, largeModel},
    {"split_tile512", split_tile512, splitModel},
    {"mnist_rows_outer", mnist_rows, mnistModel},
    {"mnist_column_groups", mnist_groups, mnistModel},
    {"mnist_panels_outer", mnist_panels, mnistModel},
    {"mnist_column_split", mnist_split, mnistModel},
    {"large_rows_outer", large_rows, largeModel},
    {"large_column_groups", large_groups, largeModel},
    {"large_panels_outer", large_panels, largeModel},
    {"large_column_split", large_split, largeModel},
};

INSTANTIATE_TEST_SUITE_P(Models, MlpTest,
                         ::testing::Combine(::testing::ValuesIn(kCases),
                                            ::testing::Values<int64_t>(1, 7, 64,
                                                                       1000)),
                         [](const auto &info) {
                           return std::string(std::get<0>(info.param).name) +
                                  "_batch" +
                                  std::to_string(std::get<1>(info.param));
                         });

TEST(Mlp, FusedAndUnfusedAgree) {
  const int64_t batch = 33;
  std::vector<float> x = randomInput(batch * 784, 7);
  std::vector<float> a(batch * 10), b(batch * 10), c(batch * 10);
  ASSERT_EQ(mnist_fused(x.data(), a.data(), batch), MLPC_OK);
  ASSERT_EQ(mnist_unfused(x.data(), b.data(), batch), MLPC_OK);
  ASSERT_EQ(mnist_dense(x.data(), c.data(), batch), MLPC_OK);
  for (int i = 0; i < batch * 10; ++i) {
    EXPECT_NEAR(a[i], b[i], 1e-5);
    EXPECT_NEAR(a[i], c[i], 1e-5);
  }
}

TEST(Mlp, SoftmaxRowsSumToOne) {
  const int64_t batch = 5;
  std::vector<float> x = randomInput(batch * 784, 9, 5.0);
  std::vector<float> y(batch * 10);
  ASSERT_EQ(mnist_fused(x.data(), y.data(), batch), MLPC_OK);
  for (int64_t r = 0; r < batch; ++r) {
    double s = 0;
    for (int c = 0; c < 10; ++c)
      s += y[r * 10 + c];
    EXPECT_NEAR(s, 1.0, 1e-5);
  }
}

//===----------------------------------------------------------------------===//
// DAGs, several entries, several models
//===----------------------------------------------------------------------===//

TEST(Dag, FanOutAndResidual) {
  const int64_t batch = 9;
  std::vector<float> x = randomInput(batch * 4, 11, 2.0);
  const float bias[4] = {1, -1, 0.5f, 0};
  std::vector<float> h(batch * 4), y(batch * 4);
  ASSERT_EQ(residual(x.data(), bias, h.data(), y.data(), batch), MLPC_OK);
  std::vector<double> wantH, wantY;
  residualReference(x, bias, batch, wantH, wantY);
  expectClose(h, wantH, 1e-6, 1e-5, "hidden");
  expectClose(y, wantY, 1e-6, 1e-5, "residual");
}

/// A model whose repeated block is a function, called twice (and calling
/// another): mlpc inlines the calls. Bitwise the model written out, and
/// float64's result.
TEST(Calls, InlinedBlocksMatchTheModelWrittenOut) {
  const double w[2][4][4] = {{{0.5, -0.2, 0.1, 0.0},
                              {0.3, 0.8, -0.5, 0.2},
                              {-0.7, 0.1, 0.4, 0.9},
                              {0.2, 0.2, 0.2, -0.3}},
                             {{1.0, 0.0, -1.0, 0.5},
                              {0.25, -0.5, 0.75, 0.0},
                              {0.0, 0.3, 0.3, 0.3},
                              {-0.4, 0.6, 0.0, 0.1}}};
  const double b[2][4] = {{0.1, -0.1, 0.05, 0.0}, {0.0, 0.2, -0.2, 0.1}};
  for (int64_t batch : {1, 7, 64}) {
    std::vector<float> x = randomInput(batch * 4, 13, 2.0);
    std::vector<float> y(batch * 4), written(batch * 4);
    ASSERT_EQ(blocks(x.data(), y.data(), batch), MLPC_OK);
    ASSERT_EQ(blocks_written_out(x.data(), written.data(), batch), MLPC_OK);
    EXPECT_EQ(0, std::memcmp(y.data(), written.data(), y.size() * 4));
    std::vector<double> want(x.begin(), x.end());
    for (int layer = 0; layer < 2; ++layer) {
      std::vector<double> next(want.size());
      for (int64_t r = 0; r < batch; ++r)
        for (int o = 0; o < 4; ++o) {
          double s = b[layer][o] + want[r * 4 + o];
          for (int i = 0; i < 4; ++i)
            s += want[r * 4 + i] * w[layer][o][i];
          next[r * 4 + o] = s > 0 ? s : 0;
        }
      want = next;
    }
    expectClose(y, want, 1e-6, 1e-5, "blocks batch " + std::to_string(batch));
  }
}

TEST(Dag, BranchesKeepTheirOwnBuffers) {
  // Two branches from the input, alive together until they join, at
  // batches with leftover rows (the kernels' scf.index_switch) and without,
  // on 1 and 2 threads. Both branches once got one buffer (max error 3.6).
  for (int threads : {1, 2})
    for (int64_t batch : {1, 6, 9, 13, 64}) {
      mlpc_set_num_threads(threads);
      std::vector<float> x = randomInput(batch * 4, 7 + batch, 2.0);
      std::vector<float> y(batch * 4), s(batch * 4);
      ASSERT_EQ(branches(x.data(), y.data(), s.data(), batch), MLPC_OK);
      std::vector<double> wantY, wantS;
      branchesReference(x, batch, wantY, wantS);
      std::string what = "batch " + std::to_string(batch) + ", " +
                         std::to_string(threads) + " thread(s)";
      expectClose(y, wantY, 1e-6, 1e-5, "joined " + what);
      expectClose(s, wantS, 1e-6, 1e-5, "added " + what);
    }
  mlpc_set_num_threads(0);
}

TEST(Program, SeveralModelsAndEntriesLinkTogether) {
  // Every model of this suite lives in this one executable; call an entry
  // of each object to show they coexist.
  float x2[2] = {1, 2}, y1 = 0;
  EXPECT_EQ(seed_linear(x2, &y1, 1), MLPC_OK);
  EXPECT_EQ(seed_sigmoid(x2, &y1, 1), MLPC_OK);
  std::vector<float> x(784, 0.1f), y(10);
  EXPECT_EQ(mnist_fused(x.data(), y.data(), 1), MLPC_OK);
  EXPECT_EQ(mnist_dense(x.data(), y.data(), 1), MLPC_OK);
}

/// The softmax fused into the last dense layer's epilogue stays stable when
/// the logits are huge (inputs scaled by 1e4: logits of order 1e5).
TEST(Mlp, FusedSoftmaxIsStableForHugeLogits) {
  const int64_t batch = 9;
  std::vector<float> x = randomInput(batch * 784, 41, 1e4);
  std::vector<float> y(batch * 10);
  ASSERT_EQ(mnist_fused(x.data(), y.data(), batch), MLPC_OK);
  std::vector<double> want = reference(mnistModel(), x.data(), batch);
  for (int64_t r = 0; r < batch; ++r) {
    double sum = 0;
    int best = 0, wantBest = 0;
    for (int c = 0; c < 10; ++c) {
      float p = y[r * 10 + c];
      ASSERT_TRUE(std::isfinite(p)) << "row " << r;
      sum += p;
      best = p > y[r * 10 + best] ? c : best;
      wantBest = want[r * 10 + c] > want[r * 10 + wantBest] ? c : wantBest;
    }
    EXPECT_NEAR(sum, 1.0, 1e-5) << "row " << r;
    EXPECT_EQ(best, wantBest) << "row " << r;
  }
}

} // namespace
