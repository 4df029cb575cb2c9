//===- EndToEndTest.cpp - compiled models against a float64 reference -----===//
#include "Check.h"
#include "DagModels.h"
#include "Models.h"

#include "acts_baseline.h"
#include "acts_dense.h"
#include "acts_fused.h"
#include "acts_tile512.h"
#include "acts_unfused.h"
#include "branches.h"
#include "elementwise.h"
#include "elementwise_avx2.h"
#include "elementwise_baseline.h"
#include "large_baseline.h"
#include "large_dense.h"
#include "large_fused.h"
#include "large_tile512.h"
#include "mnist_avx2.h"
#include "mnist_baseline.h"
#include "mnist_dense.h"
#include "mnist_fused.h"
#include "mnist_tile512.h"
#include "mnist_unfused.h"
#include "residual.h"
#include "seeds.h"
#include "softmax.h"
#include "softmax_baseline.h"
#include "softmax_tile512.h"
#include "split_baseline.h"
#include "split_fused.h"
#include "split_once.h"
#include "split_tile512.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <limits>
#include <thread>

using namespace mlpc_test;

namespace {

using Entry = std::function<int32_t(const float *, float *, int64_t)>;

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
// Softmax and log_softmax at the edges of float
//===----------------------------------------------------------------------===//

std::vector<std::vector<float>> extremeRows() {
  const float inf = std::numeric_limits<float>::infinity();
  return {
      {1000, -1000, 0, 999, 1000, -500, 1, 2, 3, 1000},
      {-1000, -1000, -999, -1000, -1001, -1000, -1000, -1000, -1000, -1000},
      {1e30f, -1e30f, 0, 1e30f, 5, -5, 1e29f, -1e29f, 0, 1},
      {-1e30f, -1e30f, -1e30f, -1e30f, -1e30f, -1e30f, -1e30f, -1e30f, -1e30f,
       -1e30f},
      {7, 7, 7, 7, 7, 7, 7, 7, 7, 7},
      {0, -inf, 1, -inf, 2, -inf, 3, -inf, 4, -inf},
      {-inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, 0},
  };
}

TEST(Softmax, ExtremeLogitsMatchFloat64) {
  for (bool log : {false, true}) {
    std::vector<std::vector<float>> rows = extremeRows();
    std::vector<float> x;
    for (auto &r : rows)
      x.insert(x.end(), r.begin(), r.end());
    int64_t batch = rows.size();
    std::vector<float> y(x.size());
    auto fn = log ? log_softmax_rows : softmax_rows;
    ASSERT_EQ(fn(x.data(), y.data(), batch), MLPC_OK);
    std::vector<double> want(x.begin(), x.end());
    softmaxRows(want, batch, 10, log);
    for (float v : y)
      if (!log)
        EXPECT_FALSE(std::isnan(v));
    expectClose(y, want, 1e-6, 1e-5, log ? "log_softmax" : "softmax");
  }
}

/// Rows wider than a register tile, and narrower than a vector, run as
/// vector loops: full vectors, then a tail. Extreme values sit in the first
/// vector, in the tail and in between.
/// One build's softmax entries over rows of several widths.
struct SoftmaxRowEntries {
  Entry wide, logWide, odd, narrow, logVector;
};

/// Each build's rows against float64: wide rows with edge cases, rows that
/// pass through every loop of the row kernel, rows narrower than a vector
/// and a rank-1 row.
static void checkSoftmaxRows(const SoftmaxRowEntries &f) {
  const float inf = std::numeric_limits<float>::infinity();
  const int wide = 1000;
  std::vector<std::vector<float>> rows;
  for (int r = 0; r < 6; ++r)
    rows.push_back(randomInput(wide, 40 + r, 40.0));
  for (int c = 0; c < 8; ++c)
    rows[1][c] = -inf;                             // the first vector: all -inf
  std::fill(rows[2].begin(), rows[2].end(), 7.0f); // uniform
  std::fill(rows[3].begin(), rows[3].end(), -1e30f);
  rows[3][wide - 1] = 1e30f; // the maximum in the last (tail) lane
  std::fill(rows[4].begin(), rows[4].end(), -inf);
  rows[4][500] = 0; // one finite logit
  for (float &v : rows[5])
    v += 1000.0f; // exp(x) would overflow
  std::vector<float> x;
  for (auto &r : rows)
    x.insert(x.end(), r.begin(), r.end());
  const int64_t batch = rows.size();
  for (bool log : {false, true}) {
    std::vector<float> y(x.size());
    ASSERT_EQ((log ? f.logWide : f.wide)(x.data(), y.data(), batch), MLPC_OK);
    std::vector<double> want(x.begin(), x.end());
    softmaxRows(want, batch, wide, log);
    for (float v : y)
      EXPECT_FALSE(std::isnan(v));
    expectClose(y, want, log ? 1e-5 : 1e-6, 1e-5,
                log ? "wide log_softmax" : "wide softmax");
  }

  // Rows whose exps go through all three loops, each row's maximum in
  // another of them.
  const int odd = 45;
  std::vector<float> o = randomInput(4 * odd, 11, 30.0), po(o.size());
  for (int r = 0; r < 4; ++r)
    o[r * odd + std::vector<int>{3, 35, 42, 44}[r]] = 31.0f;
  ASSERT_EQ(f.odd(o.data(), po.data(), 4), MLPC_OK);
  std::vector<double> wantO(o.begin(), o.end());
  softmaxRows(wantO, 4, odd, false);
  expectClose(po, wantO, 1e-6, 1e-5, "softmax over 45 columns");

  std::vector<float> n = {-inf, 0,  -inf, 1e30f, -1e30f, 0,
                          3,    -2, 0.5f, 88,    -88,    87};
  std::vector<float> p(n.size());
  ASSERT_EQ(f.narrow(n.data(), p.data(), 4), MLPC_OK);
  std::vector<double> wantN(n.begin(), n.end());
  softmaxRows(wantN, 4, 3, false);
  expectClose(p, wantN, 1e-6, 1e-5, "narrow softmax");

  std::vector<float> v = randomInput(37, 7, 30.0), lv(37);
  EXPECT_EQ(f.logVector(v.data(), lv.data(), 36), MLPC_ERR_BAD_BATCH);
  ASSERT_EQ(f.logVector(v.data(), lv.data(), 37), MLPC_OK);
  std::vector<double> wantV(v.begin(), v.end());
  softmaxRows(wantV, 1, 37, true);
  expectClose(lv, wantV, 1e-5, 1e-5, "rank-1 log_softmax");
}

TEST(Softmax, WideAndNarrowRowsMatchFloat64) {
  checkSoftmaxRows({softmax_wide, log_softmax_wide, softmax_odd, softmax_narrow,
                    log_softmax_vector});
}

// Baseline x86-64: 4-lane vectors (1000 = 62 steps of four vectors, then
// two vectors; 45 = two steps, three vectors and a tail of 1).
TEST(Softmax, WideAndNarrowRowsMatchFloat64OnBaselineX86) {
  checkSoftmaxRows({softmax_wide_baseline, log_softmax_wide_baseline,
                    softmax_odd_baseline, softmax_narrow_baseline,
                    log_softmax_vector_baseline});
}

// AVX-512's 16-lane vectors (1000 = 15 steps of four vectors, then two
// vectors and a tail of 8; 45 = two vectors and a tail of 13).
TEST(Softmax, WideAndNarrowRowsMatchFloat64With16Lanes) {
  checkSoftmaxRows({softmax_wide_tile512, log_softmax_wide_tile512,
                    softmax_odd_tile512, softmax_narrow_tile512,
                    log_softmax_vector_tile512});
}

TEST(Softmax, OtherAxes) {
  // Axis 0 of a static [4, 6].
  std::vector<float> x = randomInput(24, 3, 50.0);
  std::vector<float> y(24);
  ASSERT_EQ(softmax_axis0(x.data(), y.data(), 4), MLPC_OK);
  expectClose(y, softmaxAlong(x, 1, 4, 6, false), 1e-6, 0, "axis 0");
  EXPECT_EQ(softmax_axis0(x.data(), y.data(), 3), MLPC_ERR_BAD_BATCH);

  // The middle axis of [batch, 3, 5].
  const int64_t batch = 7;
  std::vector<float> z = randomInput(batch * 15, 4, 100.0);
  std::vector<float> w(z.size());
  ASSERT_EQ(log_softmax_mid(z.data(), w.data(), batch), MLPC_OK);
  expectClose(w, softmaxAlong(z, batch, 3, 5, true), 1e-4, 1e-6, "middle axis");
}

//===----------------------------------------------------------------------===//
// Activations at extremes
//===----------------------------------------------------------------------===//

/// The outputs of the `activations` entry, in this order.
const char *const kActivationNames[] = {"relu", "sigmoid",   "tanh",
                                        "gelu", "gelu_tanh", "leaky_relu"};

/// The `activations` entry's signature, and the entry compiled for the host,
/// for baseline x86-64 (SSE2, no FMA instruction) and for AVX2.
using ActivationsFn = int32_t (*)(const float *, float *, float *, float *,
                                  float *, float *, float *, int64_t);
struct ActivationsBuild {
  const char *target;
  ActivationsFn fn;
};
const ActivationsBuild kActivationBuilds[] = {{"host", activations},
                                              {"x86-64", activations_baseline},
                                              {"haswell", activations_avx2}};

/// Runs `activations` (or `fn`) on `in` ([batch, 16]); one output per
/// activation.
std::vector<std::vector<float>> runActivations(const std::vector<float> &in,
                                               int64_t batch,
                                               ActivationsFn fn = activations) {
  std::vector<std::vector<float>> out(6, std::vector<float>(in.size()));
  EXPECT_EQ(fn(in.data(), out[0].data(), out[1].data(), out[2].data(),
               out[3].data(), out[4].data(), out[5].data(), batch),
            MLPC_OK);
  return out;
}

TEST(Activations, ExtremeInputs) {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> x = {-inf,  -1e30f, -1000, -88.8f, -20,  -3,
                          -0.5f, -0.0f,  0.0f,  1e-30f, 0.5f, 3,
                          20,    88.8f,  1000,  1e30f};
  const int64_t batch = 3; // three copies, to exercise more than one row
  std::vector<float> in;
  for (int i = 0; i < batch; ++i)
    in.insert(in.end(), x.begin(), x.end());
  // The last copy with a NaN (which every activation must propagate) and
  // +inf among the finite values, in the same vectors.
  in[2 * 16 + 9] = std::numeric_limits<float>::quiet_NaN();
  in[2 * 16 + 7] = inf;
  for (const ActivationsBuild &build : kActivationBuilds) {
    SCOPED_TRACE(build.target);
    std::vector<std::vector<float>> out = runActivations(in, batch, build.fn);
    const auto &names = kActivationNames;
    for (int a = 0; a < 6; ++a) {
      std::vector<double> want;
      for (float v : in)
        want.push_back(activate(names[a], v, 0.1));
      // gelu of -inf is 0 * -inf in any formula: NaN in the reference and in
      // PyTorch; leave it out for the gelus (+inf gives +inf).
      if (a == 3 || a == 4)
        for (size_t i = 0; i < in.size(); ++i)
          if (in[i] == -inf)
            want[i] = out[a][i] = 0;
      expectClose(out[a], want, 1e-6, 1e-5, names[a]);
    }
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

//===----------------------------------------------------------------------===//
// The ABI: status codes, headers, threads
//===----------------------------------------------------------------------===//

TEST(Abi, StatusCodes) {
  std::vector<float> x(784 * 2), y(10 * 2);
  EXPECT_EQ(mnist_fused(nullptr, y.data(), 1), MLPC_ERR_NULL_POINTER);
  EXPECT_EQ(mnist_fused(x.data(), nullptr, 1), MLPC_ERR_NULL_POINTER);
  EXPECT_EQ(mnist_fused(x.data(), y.data(), 0), MLPC_ERR_BAD_BATCH);
  EXPECT_EQ(mnist_fused(x.data(), y.data(), -5), MLPC_ERR_BAD_BATCH);
  EXPECT_EQ(
      mnist_fused(x.data(), y.data(), std::numeric_limits<int64_t>::max()),
      MLPC_ERR_BAD_BATCH);
  EXPECT_STREQ(mlpc_status_string(MLPC_OK), "success");
  EXPECT_NE(std::string(mlpc_status_string(MLPC_ERR_BAD_BATCH)).find("batch"),
            std::string::npos);
  EXPECT_STREQ(mlpc_status_string(12345), "unknown mlpc status code");
}

TEST(Abi, HeaderShapeMacros) {
  static_assert(mnist_fused_IN0_DIM1 == 784, "input width");
  static_assert(mnist_fused_OUT0_DIM1 == 10, "output width");
  static_assert(softmax_axis0_IN0_DIM0 == 4, "static leading dimension");
  static_assert(log_softmax_mid_IN0_ROW_SIZE == 15, "row size");
  static_assert(residual_NUM_INPUTS == 2 && residual_NUM_OUTPUTS == 2, "");
  SUCCEED();
}

TEST(Abi, UnalignedBuffers) {
  const int64_t batch = 3;
  std::vector<float> xs(batch * 784 + 1), ys(batch * 10 + 1);
  std::vector<float> x = randomInput(batch * 784, 5);
  std::memcpy(xs.data() + 1, x.data(), x.size() * sizeof(float));
  ASSERT_EQ(mnist_fused(xs.data() + 1, ys.data() + 1, batch), MLPC_OK);
  expectClose(std::vector<float>(ys.begin() + 1, ys.end()),
              reference(mnistModel(), x.data(), batch), 2e-5, 1e-4,
              "unaligned");
}

TEST(Abi, ConcurrentCallsAreIdentical) {
  const int64_t batch = 64;
  std::vector<float> x = randomInput(batch * 784, 21);
  std::vector<float> want(batch * 10);
  ASSERT_EQ(mnist_fused(x.data(), want.data(), batch), MLPC_OK);
  std::vector<std::vector<float>> got(4, std::vector<float>(batch * 10));
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 50; ++rep) {
        if (mnist_fused(x.data(), got[t].data(), batch) != MLPC_OK ||
            std::memcmp(got[t].data(), want.data(),
                        want.size() * sizeof(float)) != 0)
          ++failures[t];
      }
    });
  for (auto &th : threads)
    th.join();
  for (int t = 0; t < 4; ++t)
    EXPECT_EQ(failures[t], 0) << "thread " << t;
}

} // namespace

namespace {
TEST(Abi, OutOfMemoryIsAStatusNotACrash) {
  // A batch whose intermediates cannot be allocated: the wrapper's single
  // scratch allocation fails before the kernel touches any buffer, so small
  // buffers are safe to pass. (mnist is no use here: its row ranges run in
  // chunks with a scratch buffer of one chunk, whatever the batch; the large
  // model's weights exceed L2, so its ranges are not chunked.)
  std::vector<float> x(600), y(37);
  EXPECT_EQ(large_fused(x.data(), y.data(), int64_t(1) << 40),
            MLPC_ERR_OUT_OF_MEMORY);
  EXPECT_EQ(large_dense(x.data(), y.data(), int64_t(1) << 40),
            MLPC_ERR_OUT_OF_MEMORY);
  // And the next call works normally.
  EXPECT_EQ(large_fused(x.data(), y.data(), 1), MLPC_OK);
}
} // namespace

namespace {
/// The activations use polynomial approximations of exp, tanh and erf
/// (mlp-approximate-math). Sweep them densely and bound the error against
/// float64; the measured maxima are printed and recorded in
/// docs/accuracy.md.
TEST(Accuracy, ApproximationsOverADenseSweep) {
  std::vector<float> in;
  for (double v = -30; v <= 30; v += 1.0 / 1024)
    in.push_back(float(v));
  for (double v = 1e-6; v < 1e6; v *= 1.01) {
    in.push_back(float(v));
    in.push_back(float(-v));
  }
  in.resize(in.size() / 16 * 16);
  int64_t batch = in.size() / 16;
  const auto &names = kActivationNames;
  // |error| <= absBound + relBound * |exact|
  const double absBound[] = {0, 1e-7, 1e-7, 2e-7, 2e-7, 0};
  const double relBound[] = {0, 4e-7, 4e-7, 1e-6, 1e-6, 1e-7};
  for (const ActivationsBuild &build : kActivationBuilds) {
    SCOPED_TRACE(build.target);
    std::printf("%s:\n", build.target);
    std::vector<std::vector<float>> out = runActivations(in, batch, build.fn);
    for (int a = 0; a < 6; ++a) {
      double worstAbs = 0, worstRel = 0;
      for (size_t i = 0; i < in.size(); ++i) {
        double exact = activate(names[a], double(in[i]), 0.1);
        double err = std::fabs(out[a][i] - exact);
        worstAbs = std::max(worstAbs, std::fabs(exact) < 1 ? err : 0);
        worstRel = std::max(worstRel,
                            std::fabs(exact) >= 1 ? err / std::fabs(exact) : 0);
        EXPECT_LE(err, absBound[a] + relBound[a] * std::fabs(exact))
            << names[a] << "(" << in[i] << ")";
      }
      std::printf("%-10s max abs error (|f| < 1): %.2e, max rel error (|f| >= "
                  "1): %.2e\n",
                  names[a], worstAbs, worstRel);
    }
    // The gelus' negative tail is x * Phi(x) with Phi(x) down to 1e-33: the
    // absolute bound above lets any tiny value pass there, so check that the
    // tail keeps its relative accuracy (what 1 + erf would lose to
    // cancellation) wherever the result is a normal f32.
    for (int a : {3, 4}) {
      double worstTail = 0;
      for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] < -12 || in[i] > -3)
          continue;
        double exact = activate(names[a], double(in[i]), 0.1);
        if (std::fabs(exact) < 1e-37) // below f32's normal range
          continue;
        worstTail = std::max(worstTail,
                             std::fabs(out[a][i] - exact) / std::fabs(exact));
      }
      std::printf("%-10s max rel error for x in [-12, -3]: %.2e\n", names[a],
                  worstTail);
      EXPECT_LE(worstTail, 2e-5) << names[a];
    }
  }
  // Softmax and log_softmax go through the exp and log approximations.
  std::vector<float> logits = randomInput(10 * 4096, 77, 40.0);
  std::vector<float> p(logits.size()), lp(logits.size());
  ASSERT_EQ(softmax_rows(logits.data(), p.data(), 4096), MLPC_OK);
  ASSERT_EQ(log_softmax_rows(logits.data(), lp.data(), 4096), MLPC_OK);
  std::vector<double> wp(logits.begin(), logits.end()), wl = wp;
  softmaxRows(wp, 4096, 10, false);
  softmaxRows(wl, 4096, 10, true);
  // Relative error too: small probabilities (down to e^-80 here) feed logs
  // and products, so exp must stay accurate far below 0, not only near 1.
  // Against a reference from the same f32 shifts x - max (rounding x - max
  // to f32 alone moves e^-80 by up to 4e-6), so that this measures exp.
  std::vector<double> wr(logits.size());
  for (int64_t r = 0; r < 4096; ++r) {
    const float *row = logits.data() + r * 10;
    float mx = *std::max_element(row, row + 10);
    double sum = 0;
    for (int c = 0; c < 10; ++c)
      sum += wr[r * 10 + c] = std::exp(double(row[c] - mx));
    for (int c = 0; c < 10; ++c)
      wr[r * 10 + c] /= sum;
  }
  double worstP = 0, worstL = 0, worstRelP = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    worstP = std::max(worstP, std::fabs(p[i] - wp[i]));
    if (wr[i] >= 1e-37)
      worstRelP = std::max(worstRelP, std::fabs(p[i] - wr[i]) / wr[i]);
    worstL = std::max(worstL, std::fabs(lp[i] - wl[i]) /
                                  std::max(1.0, std::fabs(wl[i])));
  }
  std::printf("softmax max abs error: %.2e, max rel error: %.2e, "
              "log_softmax max error (abs, rel above 1): %.2e\n",
              worstP, worstRelP, worstL);
  EXPECT_LE(worstP, 1e-6);
  EXPECT_LE(worstRelP, 1e-6);
  EXPECT_LE(worstL, 1e-6);
}
} // namespace

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

/// Batches smaller than the register tile split the columns of mid-size
/// layers (256 KiB to 2 MiB of weights: mnist's first, large's first)
/// while the pool's threads are awake, which calls in a loop keep them.
/// Every call is compared bitwise with one thread's result, and the loop
/// runs until the pool took part in some of them (it must, well before the
/// limit, or the split is broken).
TEST(Threads, SmallBatchesSplitColumnsWhenCalledInALoop) {
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
      EXPECT_GE(mlpc_parallel_jobs(), before + 5)
          << "no split in " << calls << " calls: " << threads
          << " threads, batch " << c.batch;
    }
  }
  mlpc_set_num_threads(0);
}

/// Layers that split their columns but whose work estimate (FLOPs at
/// batch 1) is too small for a sleeping thread are split once a serial run
/// has shown them slow. Each such function keeps its own mark: two models
/// called in turn (here split_fused and split_baseline, each with a
/// 1024 x 600 layer) both split on every call after their first. With one
/// mark for the whole process, each call evicted the other's, and neither
/// ever used a second thread.
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

/// An entry with no dense layer (a 1000-class softmax) has work per row all
/// the same: its rows split over the threads when it is called in a loop,
/// and every row matches one thread's bitwise.
/// A layer's work estimate is its work at batch 1 (only the call knows the
/// batch), too small to wake a sleeping thread; the runtime times the first
/// eighth of its column chunks and splits the rest when they are worth it.
/// Before, a model's first call ran such layers on one thread whatever the
/// batch, and a program calling it once with a large batch never used a
/// second thread.
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
  std::vector<float> x(600), y(37);
  EXPECT_EQ(large_fused(x.data(), y.data(), int64_t(1) << 40),
            MLPC_ERR_OUT_OF_MEMORY);
  mlpc_set_num_threads(0);
}
} // namespace

namespace {
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
