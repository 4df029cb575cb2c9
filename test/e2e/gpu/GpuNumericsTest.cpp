//===- GpuNumericsTest.cpp - GPU kernels' results, emulated on the CPU ----===//
//
// The models here are compiled twice: by mlpc --target=nvptx (host code and
// PTX, as an app gets them) and by mlpc-gpu-emulate (the same kernels' IR,
// before NVVM, as CPU code). The fake driver runs each launch through the
// emulator, one thread per GPU thread, so these tests check what the
// kernels compute, through the real host code and runtime, against the
// same float64 references as the CPU target's tests.
//
//===----------------------------------------------------------------------===//
#include "Check.h"
#include "DagModels.h"
#include "Models.h"

#include "acts_fused.h"
#include "acts_unfused.h"
#include "branches.h"
#include "elementwise.h"
#include "losses.h"
#include "losses_cpu.h"
#include "mnist_fused.h"
#include "mnist_traced.h"
#include "onnx_activations.h"
#include "onnx_activations_O0.h"
#include "onnx_activations_O0_cpu.h"
#include "onnx_activations_cpu.h"
#include "onnx_norms.h"
#include "onnx_norms_cpu.h"
#include "onnx_residual.h"
#include "onnx_residual_cpu.h"
#include "residual.h"
#include "shapes.h"
#include "softmax.h"
#include "tiny_emulated.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

using namespace mlpc_test;

namespace {

class EmulatedGpu : public ::testing::Test {
protected:
  void SetUp() override {
    if (!std::getenv("MLPC_CUDA_LIBRARY"))
      GTEST_SKIP() << "needs the fake driver (MLPC_CUDA_LIBRARY)";
  }
};

TEST_F(EmulatedGpu, SeedExampleGives0_484255) {
  const float x[2] = {0.5f, 0.8f};
  float y[1] = {0};
  ASSERT_EQ(tiny_emulated(x, y, 1), MLPC_OK) << mlpc_last_error_message();
  EXPECT_NEAR(y[0], 0.484255f, 1e-6);
}

void checkMlp(int32_t (*fn)(const float *, float *, int64_t), const Mlp &m,
              int64_t batch, const std::string &what) {
  int in = m.layers.front().in, out = m.layers.back().out;
  std::vector<float> x = randomInput(batch * in, 100 + batch);
  std::vector<float> y(batch * out, -12345.0f);
  ASSERT_EQ(fn(x.data(), y.data(), batch), MLPC_OK)
      << what << ": " << mlpc_last_error_message();
  expectClose(y, reference(m, x.data(), batch), 2e-5, 1e-4,
              what + " batch " + std::to_string(batch));
}

// 784-128-64-10 with softmax: K = 784 spans 49 shared-memory slices; a
// batch of 70 needs two row tiles, the second one partial.
// The CPU target's DAG models: a fan-out with a residual add, and two
// branches alive together until they join.
TEST_F(EmulatedGpu, DagModelsMatchFloat64) {
  for (int64_t batch : {1, 9, 70}) {
    std::string what = "batch " + std::to_string(batch);
    std::vector<float> x = randomInput(batch * 4, 11 + batch, 2.0);
    const float bias[4] = {1, -1, 0.5f, 0};
    std::vector<float> h(batch * 4), y(batch * 4), s(batch * 4);
    ASSERT_EQ(residual(x.data(), bias, h.data(), y.data(), batch), MLPC_OK)
        << mlpc_last_error_message();
    std::vector<double> wantH, wantY;
    residualReference(x, bias, batch, wantH, wantY);
    expectClose(h, wantH, 2e-5, 1e-4, "residual hidden " + what);
    expectClose(y, wantY, 2e-5, 1e-4, "residual " + what);
    ASSERT_EQ(branches(x.data(), y.data(), s.data(), batch), MLPC_OK)
        << mlpc_last_error_message();
    std::vector<double> wantJ, wantS;
    branchesReference(x, batch, wantJ, wantS);
    expectClose(y, wantJ, 2e-5, 1e-4, "branches joined " + what);
    expectClose(s, wantS, 2e-5, 1e-4, "branches added " + what);
  }
}

TEST_F(EmulatedGpu, MnistMatchesFloat64) {
  checkMlp(mnist_fused, mnistModel(), 1, "mnist");
  checkMlp(mnist_fused, mnistModel(), 70, "mnist");
}

// Every activation, fused into the dense kernel's epilogue (-O3) and as
// separate matmul, bias-add and activation kernels (-O0).
TEST_F(EmulatedGpu, ActivationsFusedAndUnfused) {
  checkMlp(acts_fused, activationsModel(), 7, "acts_fused");
  checkMlp(acts_unfused, activationsModel(), 7, "acts_unfused");
}

TEST_F(EmulatedGpu, ElementwiseActivationsAtExtremes) {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> x = {-inf,  -1e30f, -1000, -88.8f, -20,  -3,
                          -0.5f, -0.0f,  0.0f,  1e-30f, 0.5f, 3,
                          20,    88.8f,  1000,  1e30f};
  std::vector<std::vector<float>> out(6, std::vector<float>(x.size()));
  ASSERT_EQ(activations(x.data(), out[0].data(), out[1].data(), out[2].data(),
                        out[3].data(), out[4].data(), out[5].data(), 1),
            MLPC_OK)
      << mlpc_last_error_message();
  const char *names[] = {"relu", "sigmoid",   "tanh",
                         "gelu", "gelu_tanh", "leaky_relu"};
  for (int a = 0; a < 6; ++a) {
    std::vector<double> want;
    for (float v : x)
      want.push_back(activate(names[a], v, 0.1));
    if (a == 3 || a == 4) // gelu(-inf) is NaN in any formula
      for (size_t i = 0; i < x.size(); ++i)
        if (std::isinf(x[i]))
          want[i] = out[a][i] = 0;
    expectClose(out[a], want, 1e-6, 1e-5, names[a]);
  }
}

TEST_F(EmulatedGpu, SoftmaxRowsAndOtherAxes) {
  // Rows of 10 with logits up to +-1e30 and -inf.
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> x = randomInput(5 * 10, 7, 60.0);
  x[3] = 1e30f;
  x[12] = -1e30f;
  x[25] = -inf;
  for (bool log : {false, true}) {
    std::vector<float> y(x.size());
    ASSERT_EQ((log ? log_softmax_rows : softmax_rows)(x.data(), y.data(), 5),
              MLPC_OK);
    std::vector<double> want(x.begin(), x.end());
    softmaxRows(want, 5, 10, log);
    expectClose(y, want, 1e-6, 1e-5, log ? "log_softmax" : "softmax");
  }
  // Axis 0 of a static [4, 6]: a reduction over the batch.
  std::vector<float> a = randomInput(24, 3, 50.0), b(24);
  ASSERT_EQ(softmax_axis0(a.data(), b.data(), 4), MLPC_OK);
  expectClose(b, softmaxAlong(a, 1, 4, 6, false), 1e-6, 0, "axis 0");
  // The middle axis of [batch, 3, 5].
  const int64_t batch = 7;
  std::vector<float> z = randomInput(batch * 15, 4, 100.0), w(z.size());
  ASSERT_EQ(log_softmax_mid(z.data(), w.data(), batch), MLPC_OK);
  expectClose(w, softmaxAlong(z, batch, 3, 5, true), 1e-4, 1e-6, "middle axis");
}

// Models imported from ONNX (torch.onnx.export: every new activation, a
// folded BatchNorm1d, LayerNorm, a residual block), on the GPU against the
// CPU target's output, which test/Frontend checks against PyTorch's.
TEST_F(EmulatedGpu, OnnxModelsMatchTheCpu) {
  using Entry = int32_t (*)(const float *, float *, int64_t);
  struct Pair {
    const char *name;
    Entry gpu, cpu;
    int64_t in, out;
  };
  const Pair pairs[] = {
      {"activations", onnx_activations, onnx_activations_cpu, 12, 5},
      {"activations -O0", onnx_activations_O0, onnx_activations_O0_cpu, 12, 5},
      {"norms", onnx_norms, onnx_norms_cpu, 12, 4},
      {"residual", onnx_residual, onnx_residual_cpu, 12, 3}};
  for (const Pair &p : pairs) {
    for (int64_t batch : {1, 9}) {
      std::string what =
          std::string(p.name) + " batch " + std::to_string(batch);
      std::vector<float> x = randomInput(batch * p.in, 5 + batch, 2.0);
      std::vector<float> got(batch * p.out), want(batch * p.out);
      ASSERT_EQ(p.gpu(x.data(), got.data(), batch), MLPC_OK)
          << mlpc_last_error_message();
      ASSERT_EQ(p.cpu(x.data(), want.data(), batch), MLPC_OK);
      expectClose(got, std::vector<double>(want.begin(), want.end()), 2e-5,
                  1e-5, what);
    }
  }
}

TEST_F(EmulatedGpu, TransposeConcatMeanBatchNorm) {
  const double s[3] = {1, 2, -0.5}, b[3] = {0.1, 0, -0.2}, m[3] = {0.5, -1, 0},
               v[3] = {1, 4, 0.25};
  for (int64_t batch : {1, 300}) {
    std::vector<float> x = randomInput(batch * 3, 3 + batch, 2.0);
    std::vector<float> y = randomInput(batch * 2, 4 + batch, 2.0);
    std::vector<float> c(batch * 5), mean(batch), bn(batch * 3);
    ASSERT_EQ(
        shapes(x.data(), y.data(), c.data(), mean.data(), bn.data(), batch),
        MLPC_OK)
        << mlpc_last_error_message();
    std::vector<double> wantC, wantMean, wantBn;
    for (int64_t r = 0; r < batch; ++r) {
      double sum = 0;
      for (int j = 0; j < 5; ++j) {
        double e = j < 3 ? x[r * 3 + j] : y[r * 2 + j - 3];
        wantC.push_back(e);
        sum += e;
      }
      wantMean.push_back(sum / 5);
      for (int j = 0; j < 3; ++j)
        wantBn.push_back((x[r * 3 + j] - m[j]) / std::sqrt(v[j]) * s[j] + b[j]);
    }
    std::string what = "batch " + std::to_string(batch);
    expectClose(c, wantC, 0, 0, "concat " + what);
    expectClose(mean, wantMean, 1e-6, 1e-6, "reduce_mean " + what);
    expectClose(bn, wantBn, 1e-6, 1e-6, "batch_norm " + what);
  }
}

//===----------------------------------------------------------------------===//
// Losses with class indices, and traced entries
//===----------------------------------------------------------------------===//

/// Logits [rows, 5] with the extremes LossTest.cpp checks on the CPU, and
/// targets of every kind.
struct LossInputs {
  std::vector<float> x, p, y;
  std::vector<int32_t> t;
  int64_t rows;
};

LossInputs lossInputs() {
  LossInputs in;
  in.x = randomInput(30 * 5, 77, 4.0);
  const float inf = std::numeric_limits<float>::infinity();
  for (float v : {1e4f, -1e4f, 0.0f, 3.0f, -2.0f, -1e4f, -1e4f, -1e4f, -1e4f,
                  -1e4f, -inf, 1.0f, 2.0f, 3.0f, -inf})
    in.x.push_back(v);
  in.rows = int64_t(in.x.size()) / 5;
  Rng rng(5);
  for (int64_t r = 0; r < in.rows; ++r) {
    in.t.push_back(int32_t(r % 5 == 0 && r >= 30 ? 1 : (r * 3) % 5));
    double total = 0;
    std::vector<double> q(5);
    for (double &v : q)
      total += v = rng.uniform() < 0.3 ? 0.0 : rng.uniform();
    for (double v : q)
      in.p.push_back(float(total > 0 ? v / total : 0.2));
    for (int c = 0; c < 5; ++c)
      in.y.push_back(c % 2 ? float(rng.uniform()) : float(c == in.t[r]));
  }
  return in;
}

void expectSame(const std::vector<float> &gpu, const std::vector<float> &cpu,
                const std::string &what) {
  std::vector<double> want(cpu.begin(), cpu.end());
  expectClose(gpu, want, 1e-6, 2e-6, what);
}

TEST_F(EmulatedGpu, LossesMatchTheCpu) {
  LossInputs in = lossInputs();
  int64_t n = in.rows;
  std::vector<float> g(n), c(n);
  float gm = 0, cm = 0;
  ASSERT_EQ(ce_index(in.x.data(), in.t.data(), g.data(), n), MLPC_OK)
      << mlpc_last_error_message();
  ASSERT_EQ(ce_index_cpu(in.x.data(), in.t.data(), c.data(), n), MLPC_OK);
  expectSame(g, c, "cross_entropy");
  ASSERT_EQ(ce_index_mean(in.x.data(), in.t.data(), &gm, n), MLPC_OK);
  ASSERT_EQ(ce_index_mean_cpu(in.x.data(), in.t.data(), &cm, n), MLPC_OK);
  expectSame({gm}, {cm}, "cross_entropy mean");
  ASSERT_EQ(ce_prob(in.x.data(), in.p.data(), g.data(), n), MLPC_OK);
  ASSERT_EQ(ce_prob_cpu(in.x.data(), in.p.data(), c.data(), n), MLPC_OK);
  expectSame(g, c, "cross_entropy, probabilities");
  ASSERT_EQ(nll_index(in.x.data(), in.t.data(), g.data(), n), MLPC_OK);
  ASSERT_EQ(nll_index_cpu(in.x.data(), in.t.data(), c.data(), n), MLPC_OK);
  expectSame(g, c, "nll_loss");
  ASSERT_EQ(bce(in.x.data(), in.y.data(), g.data(), n), MLPC_OK);
  ASSERT_EQ(bce_cpu(in.x.data(), in.y.data(), c.data(), n), MLPC_OK);
  expectSame(g, c, "bce_with_logits");
  ASSERT_EQ(bce_mean(in.x.data(), in.y.data(), &gm, n), MLPC_OK);
  ASSERT_EQ(bce_mean_cpu(in.x.data(), in.y.data(), &cm, n), MLPC_OK);
  expectSame({gm}, {cm}, "bce_with_logits mean");
  ASSERT_EQ(mse_sum(in.x.data(), in.y.data(), &gm, 30), MLPC_OK);
  ASSERT_EQ(mse_sum_cpu(in.x.data(), in.y.data(), &cm, 30), MLPC_OK);
  expectSame({gm}, {cm}, "mse_loss sum");

  // The host entry checks the indices, like the CPU's.
  std::vector<int32_t> bad = in.t;
  bad[7] = 5;
  EXPECT_EQ(ce_index(in.x.data(), bad.data(), g.data(), n), MLPC_ERR_BAD_INDEX);
  bad[7] = -1;
  EXPECT_EQ(nll_index(in.x.data(), bad.data(), g.data(), n),
            MLPC_ERR_BAD_INDEX);
}

TEST_F(EmulatedGpu, TracedEntryKeepsTheOutputAndEachLayer) {
  Mlp m = mnistModel();
  const int64_t batch = 9;
  std::vector<float> x = randomInput(batch * 784, 12);
  std::vector<float> y(batch * 10);
  ASSERT_EQ(mnist_traced(x.data(), y.data(), batch), MLPC_OK)
      << mlpc_last_error_message();
  const int widths[7] = {10, 128, 128, 64, 64, 10, 10};
  std::vector<std::vector<float>> o;
  for (int w : widths)
    o.emplace_back(batch * w);
  ASSERT_EQ(mnist_traced_trace(x.data(), o[0].data(), o[1].data(), o[2].data(),
                               o[3].data(), o[4].data(), o[5].data(),
                               o[6].data(), batch),
            MLPC_OK)
      << mlpc_last_error_message();
  EXPECT_EQ(0, std::memcmp(y.data(), o[0].data(), y.size() * 4));
  const float *prev = x.data();
  for (size_t l = 0; l < 3; ++l) {
    const Layer &layer = m.layers[l];
    std::vector<double> z(batch * layer.out), a(batch * layer.out);
    for (int64_t r = 0; r < batch; ++r)
      for (int j = 0; j < layer.out; ++j) {
        double acc = layer.b[j];
        for (int i = 0; i < layer.in; ++i)
          acc += double(prev[r * layer.in + i]) * layer.w[j * layer.in + i];
        z[r * layer.out + j] = acc;
      }
    expectClose(o[1 + 2 * l], z, 2e-5, 1e-5, "z" + std::to_string(l + 1));
    for (size_t i = 0; i < a.size(); ++i)
      a[i] = activate(layer.act, o[1 + 2 * l][i], layer.alpha);
    if (l == 2)
      softmaxRows(a, batch, layer.out, false);
    expectClose(o[2 + 2 * l], a, 1e-6, 1e-5, "a" + std::to_string(l + 1));
    prev = o[2 + 2 * l].data();
  }
}

} // namespace
