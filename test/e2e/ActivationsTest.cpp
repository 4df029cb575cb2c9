//===- ActivationsTest.cpp - activations at extremes, and their accuracy --===//
//
// Every activation on extreme inputs, for the host, baseline x86-64 and
// AVX2, and a dense sweep of the approximations' error (docs/accuracy.md).
//
//===----------------------------------------------------------------------===//
#include "Check.h"

#include "elementwise.h"
#include "elementwise_avx2.h"
#include "elementwise_baseline.h"
#include "softmax.h"

#include <gtest/gtest.h>

#include <limits>

using namespace mlpc_test;

namespace {

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
