//===- Check.h - inputs and comparisons shared by the numeric tests -------===//
#ifndef MLPC_TEST_E2E_CHECK_H
#define MLPC_TEST_E2E_CHECK_H

#include "Models.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace mlpc_test {

/// An input and an output pointer for a call whose batch is too large to
/// allocate its intermediates (MLPC_ERR_OUT_OF_MEMORY before any buffer is
/// touched): never dereferenced, and far enough apart that the entry's
/// overlap check, which sizes each buffer at the batch given, sees two
/// separate buffers.
inline std::pair<const float *, float *> unreachableBuffers() {
  return {reinterpret_cast<const float *>(uintptr_t(1) << 12),
          reinterpret_cast<float *>(uintptr_t(1) << 62)};
}

/// A compiled entry of one input and one output.
using Entry = std::function<int32_t(const float *, float *, int64_t)>;

inline std::vector<float> randomInput(int64_t n, uint64_t seed,
                                      double scale = 1.0) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (float &f : v)
    f = rng.symmetric(scale);
  return v;
}

/// |got - want| <= atol + rtol * |want| elementwise, with NaN == NaN and
/// infinities equal only to themselves.
inline void expectClose(const std::vector<float> &got,
                        const std::vector<double> &want, double atol,
                        double rtol, const std::string &what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    double g = got[i], w = want[i];
    if (std::isnan(w)) {
      EXPECT_TRUE(std::isnan(g)) << what << " [" << i << "]: got " << g;
      continue;
    }
    if (std::isinf(w)) {
      EXPECT_EQ(g, w) << what << " [" << i << "]";
      continue;
    }
    EXPECT_NEAR(g, w, atol + rtol * std::fabs(w)) << what << " [" << i << "]";
  }
}

} // namespace mlpc_test

#endif // MLPC_TEST_E2E_CHECK_H
