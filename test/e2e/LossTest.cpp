//===- LossTest.cpp - the loss ops and the i32 ABI against float64 --------===//
//
// Each loss at ordinary logits, at ±1e4 and with -inf, against a float64
// reference written the naive way in long double where that is exact
// enough; the class-index arguments' checks (null, overlap, indices outside
// [0, C), negative ones).
//
//===----------------------------------------------------------------------===//
#include "Check.h"
#include "losses.h"

#include <cmath>
#include <cstring>

using namespace mlpc_test;

namespace {
constexpr int C = 5;

/// log(sum(exp(x))) of one row, in long double with the maximum subtracted.
double logSumExp(const float *x) {
  long double m = -INFINITY;
  for (int c = 0; c < C; ++c)
    m = std::fmax(m, (long double)x[c]);
  long double s = 0;
  for (int c = 0; c < C; ++c)
    s += std::exp((long double)x[c] - m);
  return double(m + std::log(s));
}

double softplus(double x) {
  return std::fmax(x, 0) + std::log1p(std::exp(-std::fabs(x)));
}

/// The reference of each loss, per row.
double ceIndex(const float *x, int32_t t) { return logSumExp(x) - x[t]; }
double ceProb(const float *x, const float *p) {
  double lse = logSumExp(x), l = 0;
  for (int c = 0; c < C; ++c)
    if (p[c] != 0)
      l += p[c] * (lse - x[c]);
  return l;
}
double refBce(const float *x, const float *y) {
  double l = 0;
  for (int c = 0; c < C; ++c) {
    if (y[c] != 0)
      l += y[c] * softplus(-double(x[c]));
    if (y[c] != 1)
      l += (1 - double(y[c])) * softplus(x[c]);
  }
  return l / C;
}
double refMse(const float *x, const float *y) {
  double l = 0;
  for (int c = 0; c < C; ++c)
    l += (double(x[c]) - y[c]) * (double(x[c]) - y[c]);
  return l / C;
}

/// Rows of logits: ordinary ones, then the extremes.
struct Batch {
  std::vector<float> x, p, y;
  std::vector<int32_t> t;
  int64_t rows = 0;
};

Batch makeBatch() {
  Batch b;
  Rng rng(42);
  auto add = [&](std::vector<float> row, int32_t t) {
    b.x.insert(b.x.end(), row.begin(), row.end());
    b.t.push_back(t);
    double total = 0;
    std::vector<float> p(C);
    for (int c = 0; c < C; ++c)
      total += p[c] = float(rng.uniform() < 0.3 ? 0.0 : rng.uniform());
    for (int c = 0; c < C; ++c)
      b.p.push_back(total > 0 ? float(p[c] / total) : (c == t ? 1.0f : 0.0f));
    for (int c = 0; c < C; ++c)
      b.y.push_back(c % 2 ? float(rng.uniform()) : float(c == t));
    ++b.rows;
  };
  for (int r = 0; r < 20; ++r) {
    std::vector<float> row(C);
    for (float &v : row)
      v = rng.symmetric(4.0);
    add(row, r % C);
  }
  const float inf = INFINITY;
  add({1e4f, -1e4f, 0.0f, 3.0f, -2.0f}, 0);    // a confident right class
  add({1e4f, -1e4f, 0.0f, 3.0f, -2.0f}, 1);    // a confident wrong one: 2e4
  add({-1e4f, -1e4f, -1e4f, -1e4f, -1e4f}, 2); // all equal and very small
  add({1e4f, 1e4f, 1e4f - 1, 1e4f, 1e4f}, 2);  // large and close
  add({-inf, 1.0f, 2.0f, 3.0f, -inf}, 3);      // classes that cannot be
  return b;
}

TEST(Losses, CrossEntropyOfClassIndices) {
  Batch b = makeBatch();
  std::vector<float> got(b.rows);
  ASSERT_EQ(ce_index(b.x.data(), b.t.data(), got.data(), b.rows), MLPC_OK);
  std::vector<double> want(b.rows);
  double mean = 0;
  for (int64_t r = 0; r < b.rows; ++r)
    mean += want[r] = ceIndex(&b.x[r * C], b.t[r]);
  expectClose(got, want, 1e-6, 1e-6, "cross_entropy");
  EXPECT_EQ(got[20], 0.0f); // logit 1e4 against 0 and below
  EXPECT_EQ(got[21], 2e4f); // 1e4 - (-1e4)
  for (float v : got)
    EXPECT_TRUE(std::isfinite(v));
  float m = 0;
  ASSERT_EQ(ce_index_mean(b.x.data(), b.t.data(), &m, b.rows), MLPC_OK);
  EXPECT_NEAR(m, mean / b.rows, 1e-6 * std::fabs(mean / b.rows));
}

TEST(Losses, CrossEntropyAgainstAnImpossibleClassIsInfinite) {
  const float x[C] = {-INFINITY, 1, 2, 3, -INFINITY};
  int32_t t = 0;
  float l = 0;
  ASSERT_EQ(ce_index(x, &t, &l, 1), MLPC_OK);
  EXPECT_EQ(l, INFINITY);
  ASSERT_EQ(nll_index(x, &t, &l, 1), MLPC_OK);
  EXPECT_EQ(l, INFINITY);
}

TEST(Losses, CrossEntropyOfProbabilities) {
  Batch b = makeBatch();
  std::vector<float> got(b.rows);
  ASSERT_EQ(ce_prob(b.x.data(), b.p.data(), got.data(), b.rows), MLPC_OK);
  std::vector<double> want(b.rows);
  double sum = 0;
  for (int64_t r = 0; r < b.rows; ++r)
    sum += want[r] = ceProb(&b.x[r * C], &b.p[r * C]);
  expectClose(got, want, 1e-6, 2e-6, "cross_entropy, probabilities");
  float s = 0;
  ASSERT_EQ(ce_prob_sum(b.x.data(), b.p.data(), &s, b.rows), MLPC_OK);
  if (std::isfinite(sum)) {
    EXPECT_NEAR(s, sum, 1e-5 * std::fabs(sum));
  } else {
    EXPECT_EQ(s, sum);
  }
}

TEST(Losses, NegativeLogLikelihood) {
  Batch b = makeBatch();
  std::vector<float> got(b.rows);
  ASSERT_EQ(nll_index(b.x.data(), b.t.data(), got.data(), b.rows), MLPC_OK);
  std::vector<double> want(b.rows);
  for (int64_t r = 0; r < b.rows; ++r)
    want[r] = -double(b.x[r * C + b.t[r]]);
  expectClose(got, want, 0, 0, "nll_loss");
}

TEST(Losses, BinaryCrossEntropyWithLogits) {
  Batch b = makeBatch();
  std::vector<float> got(b.rows);
  ASSERT_EQ(bce(b.x.data(), b.y.data(), got.data(), b.rows), MLPC_OK);
  std::vector<double> want(b.rows);
  double mean = 0;
  for (int64_t r = 0; r < b.rows; ++r)
    mean += want[r] = refBce(&b.x[r * C], &b.y[r * C]);
  expectClose(got, want, 1e-6, 2e-6, "bce_with_logits");
  float m = 0;
  ASSERT_EQ(bce_mean(b.x.data(), b.y.data(), &m, b.rows), MLPC_OK);
  if (std::isfinite(mean)) {
    EXPECT_NEAR(m, mean / b.rows, 1e-5 * std::fabs(mean / b.rows));
  } else {
    EXPECT_EQ(m, mean);
  }
}

TEST(Losses, BinaryCrossEntropyIsFiniteWhereTheTargetAgrees) {
  // y = 1 against +inf and y = 0 against -inf: no weight on the infinity.
  const float x[C] = {INFINITY, -INFINITY, 1e4f, -1e4f, 0.0f};
  const float y[C] = {1, 0, 1, 0, 0.5f};
  float l = -1;
  ASSERT_EQ(bce(x, y, &l, 1), MLPC_OK);
  EXPECT_NEAR(l, std::log(2.0) / C, 1e-7);
}

TEST(Losses, MeanSquaredError) {
  Batch b = makeBatch();
  b.x.resize(20 * C); // the finite rows
  std::vector<float> got(20);
  ASSERT_EQ(mse(b.x.data(), b.y.data(), got.data(), 20), MLPC_OK);
  std::vector<double> want(20);
  double sum = 0;
  for (int64_t r = 0; r < 20; ++r)
    sum += want[r] = refMse(&b.x[r * C], &b.y[r * C]);
  expectClose(got, want, 1e-6, 1e-6, "mse_loss");
  float s = 0;
  ASSERT_EQ(mse_sum(b.x.data(), b.y.data(), &s, 20), MLPC_OK);
  EXPECT_NEAR(s, sum, 1e-5 * sum);
}

TEST(Losses, PredictionAndLossFromOneCall) {
  const float x[6] = {1, 2, 3, -1, 0.5f, 2};
  const int32_t t[2] = {2, 4};
  float z[10], l = 0;
  ASSERT_EQ(classifier_loss(x, t, z, &l, 2), MLPC_OK);
  double want = (ceIndex(z, 2) + ceIndex(z + C, 4)) / 2;
  EXPECT_NEAR(l, want, 1e-6);
}

//===----------------------------------------------------------------------===//
// The i32 ABI
//===----------------------------------------------------------------------===//

TEST(ClassIndices, OutsideTheClassesAreRefused) {
  Batch b = makeBatch();
  std::vector<float> got(b.rows, -7.0f);
  for (int32_t bad : {C, C + 1, -1, INT32_MIN, INT32_MAX}) {
    std::vector<int32_t> t = b.t;
    t[b.rows - 1] = bad;
    EXPECT_EQ(ce_index(b.x.data(), t.data(), got.data(), b.rows),
              MLPC_ERR_BAD_INDEX)
        << bad;
    EXPECT_EQ(got[0], -7.0f) << "an output was written before the check";
    float m = -7.0f;
    EXPECT_EQ(ce_index_mean(b.x.data(), t.data(), &m, b.rows),
              MLPC_ERR_BAD_INDEX);
    EXPECT_EQ(nll_index(b.x.data(), t.data(), got.data(), b.rows),
              MLPC_ERR_BAD_INDEX);
  }
  EXPECT_STREQ(mlpc_status_string(MLPC_ERR_BAD_INDEX),
               "a class index is outside [0, number of classes)");
}

TEST(ClassIndices, BuffersAreCheckedFirst) {
  Batch b = makeBatch();
  std::vector<float> got(b.rows);
  EXPECT_EQ(ce_index(b.x.data(), nullptr, got.data(), b.rows),
            MLPC_ERR_NULL_POINTER);
  EXPECT_EQ(ce_index(b.x.data(), b.t.data(), got.data(), 0),
            MLPC_ERR_BAD_BATCH);
  // The output over the indices: refused before any index is read.
  std::vector<int32_t> t(b.rows, 99);
  EXPECT_EQ(ce_index(b.x.data(), t.data(), reinterpret_cast<float *>(t.data()),
                     b.rows),
            MLPC_ERR_OVERLAP);
  // Only the batch's rows are read: an index past them does not count.
  std::vector<int32_t> longer = b.t;
  longer.push_back(-5);
  EXPECT_EQ(ce_index(b.x.data(), longer.data(), got.data(), b.rows), MLPC_OK);
}

TEST(ClassIndices, ManyRowsOnThreads) {
  const int64_t rows = 20000;
  std::vector<float> x = randomInput(rows * C, 9, 3.0);
  std::vector<int32_t> t(rows);
  for (int64_t r = 0; r < rows; ++r)
    t[r] = int32_t(r % C);
  std::vector<float> got(rows);
  ASSERT_EQ(ce_index(x.data(), t.data(), got.data(), rows), MLPC_OK);
  for (int64_t r = 0; r < rows; r += 997)
    EXPECT_NEAR(got[r], ceIndex(&x[r * C], t[r]), 2e-6) << r;
}

} // namespace
