//===- SoftmaxTest.cpp - softmax and log_softmax entries ------------------===//
//
// Extreme logits, wide and narrow rows on every vector width, other axes.
//
//===----------------------------------------------------------------------===//
#include "Check.h"

#include "softmax.h"
#include "softmax_baseline.h"
#include "softmax_tile512.h"

#include <gtest/gtest.h>

#include <limits>

using namespace mlpc_test;

namespace {

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

} // namespace
