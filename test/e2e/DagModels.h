//===- DagModels.h - float64 references of the DAG test models ------------===//
//
// models/residual.mlir and models/branches.mlir, evaluated in double
// precision, for the CPU target's tests and the emulated GPU kernels alike.
// Both models use the same two 4x4 layers ([out][in]).
//
//===----------------------------------------------------------------------===//
#ifndef MLPC_TEST_E2E_DAGMODELS_H
#define MLPC_TEST_E2E_DAGMODELS_H

#include <cmath>
#include <cstdint>
#include <vector>

namespace mlpc_test {

struct DagWeights {
  double w1[4][4] = {{0.5, -0.2, 0.1, 0.0},
                     {0.3, 0.8, -0.5, 0.2},
                     {-0.7, 0.1, 0.4, 0.9},
                     {0.2, 0.2, 0.2, -0.3}};
  double b1[4] = {0.1, -0.1, 0.05, 0.0};
  double w2[4][4] = {{1.0, 0.0, -1.0, 0.5},
                     {0.25, -0.5, 0.75, 0.0},
                     {0.0, 0.3, 0.3, 0.3},
                     {-0.4, 0.6, 0.0, 0.1}};
  double b2[4] = {0.0, 0.2, -0.2, 0.1};

  /// b + x W^T for one row of 4.
  static void layer(const double w[4][4], const double b[4], const double *x,
                    double *out) {
    for (int o = 0; o < 4; ++o) {
      out[o] = b[o];
      for (int i = 0; i < 4; ++i)
        out[o] += x[i] * w[o][i];
    }
  }
};

/// models/residual.mlir: h = relu(x W1^T + b1) (returned too), then
/// y = tanh(h W2^T + b2 + x) + bias.
inline void residualReference(const std::vector<float> &x, const float *bias,
                              int64_t batch, std::vector<double> &h,
                              std::vector<double> &y) {
  DagWeights d;
  for (int64_t r = 0; r < batch; ++r) {
    double xr[4], hr[4], z[4];
    for (int i = 0; i < 4; ++i)
      xr[i] = x[r * 4 + i];
    DagWeights::layer(d.w1, d.b1, xr, hr);
    for (double &v : hr)
      v = v > 0 ? v : 0;
    DagWeights::layer(d.w2, d.b2, hr, z);
    for (int o = 0; o < 4; ++o) {
      h.push_back(hr[o]);
      y.push_back(std::tanh(z[o] + xr[o]) + bias[o]);
    }
  }
}

/// models/branches.mlir: a = tanh(x W1^T + b1), b = relu(x W2^T + b2),
/// y = sigmoid(a W2^T + b1 + b), s = a + b.
inline void branchesReference(const std::vector<float> &x, int64_t batch,
                              std::vector<double> &y, std::vector<double> &s) {
  DagWeights d;
  for (int64_t r = 0; r < batch; ++r) {
    double xr[4], a[4], b[4], z[4];
    for (int i = 0; i < 4; ++i)
      xr[i] = x[r * 4 + i];
    DagWeights::layer(d.w1, d.b1, xr, a);
    DagWeights::layer(d.w2, d.b2, xr, b);
    for (int o = 0; o < 4; ++o) {
      a[o] = std::tanh(a[o]);
      b[o] = b[o] > 0 ? b[o] : 0;
    }
    DagWeights::layer(d.w2, d.b1, a, z);
    for (int o = 0; o < 4; ++o) {
      y.push_back(1.0 / (1.0 + std::exp(-(z[o] + b[o]))));
      s.push_back(a[o] + b[o]);
    }
  }
}

} // namespace mlpc_test

#endif // MLPC_TEST_E2E_DAGMODELS_H
