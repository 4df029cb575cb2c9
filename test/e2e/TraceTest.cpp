//===- TraceTest.cpp - NAME_trace (mlpc --trace) against float64 ----------===//
//
// The traced entries of the MNIST-shaped model and of the model with every
// activation, fused and unfused (-O0): their first output is bitwise
// NAME's; each layer's z is the layer applied, in float64, to the a the
// entry gave before it, and each a the activation of its z; the last a is
// the float64 reference of the whole model.
//
//===----------------------------------------------------------------------===//
#include "Check.h"
#include "acts_traced.h"
#include "mnist_traced.h"
#include "mnist_traced_o0.h"

#include <cstring>

using namespace mlpc_test;

namespace {

/// A traced call: NAME's output, then z1, a1, z2, a2, ... (the head's
/// output last, as a of the last layer).
using TracedFn =
    std::function<int32_t(const float *, std::vector<float *> &, int64_t)>;
using PlainFn = int32_t (*)(const float *, float *, int64_t);

struct TracedCase {
  const char *name;
  PlainFn plain;
  TracedFn traced;
  Mlp (*model)();
  /// Unfused (-O0): each layer's product before its bias comes first.
  bool unfused;
};

/// The outputs a traced entry of `m` writes, in order, with their widths.
std::vector<int> tracedWidths(const Mlp &m, bool unfused) {
  std::vector<int> widths = {m.layers.back().out};
  for (const Layer &l : m.layers) {
    if (unfused)
      widths.push_back(l.out); // matmul<l>
    widths.push_back(l.out);   // z<l>
    if (l.act != "none" || &l == &m.layers.back())
      widths.push_back(l.out); // a<l> (the last layer's: its head)
  }
  return widths;
}

void checkTrace(const TracedCase &c, int64_t batch) {
  Mlp m = c.model();
  std::vector<int> widths = tracedWidths(m, c.unfused);
  std::vector<float> x =
      randomInput(batch * m.layers.front().in, 300 + batch, 2.0);
  std::vector<std::vector<float>> outs;
  std::vector<float *> ptrs;
  for (int w : widths)
    outs.emplace_back(batch * w, -12345.0f);
  for (auto &o : outs)
    ptrs.push_back(o.data());
  ASSERT_EQ(c.traced(x.data(), ptrs, batch), MLPC_OK) << c.name;

  std::vector<float> y(batch * m.layers.back().out);
  ASSERT_EQ(c.plain(x.data(), y.data(), batch), MLPC_OK);
  EXPECT_EQ(0, std::memcmp(y.data(), outs[0].data(), y.size() * 4))
      << c.name << ": NAME_trace's output differs from NAME's";

  // Layer by layer, from the a that the entry itself gave before.
  const float *prev = x.data();
  size_t next = 1;
  for (size_t li = 0; li < m.layers.size(); ++li) {
    const Layer &l = m.layers[li];
    std::string what = std::string(c.name) + " layer " +
                       std::to_string(li + 1) + " batch " +
                       std::to_string(batch);
    std::vector<double> z(batch * l.out);
    for (int64_t r = 0; r < batch; ++r)
      for (int o = 0; o < l.out; ++o) {
        double acc = l.b[o];
        for (int i = 0; i < l.in; ++i)
          acc += double(prev[r * l.in + i]) * double(l.w[o * l.in + i]);
        z[r * l.out + o] = acc;
      }
    if (c.unfused)
      ++next; // the product before the bias: checked through z
    const std::vector<float> &gotZ = outs[next++];
    expectClose(gotZ, z, 2e-5, 1e-5, what + " z");
    bool last = li + 1 == m.layers.size();
    if (l.act == "none" && !last) {
      prev = gotZ.data();
      continue;
    }
    std::vector<double> a(batch * l.out);
    for (size_t i = 0; i < a.size(); ++i)
      a[i] = activate(l.act, gotZ[i], l.alpha);
    if (last && m.head != Head::None)
      softmaxRows(a, batch, l.out, m.head == Head::LogSoftmax);
    const std::vector<float> &gotA = outs[next++];
    expectClose(gotA, a, 1e-5, 1e-5, what + " a");
    prev = gotA.data();
  }
  EXPECT_EQ(next, outs.size());
  expectClose(outs.back(), reference(m, x.data(), batch), 2e-5, 1e-4,
              std::string(c.name) + " against the float64 model");
}

class TraceTest
    : public ::testing::TestWithParam<std::tuple<TracedCase, int64_t>> {};

TEST_P(TraceTest, LayersMatchFloat64) {
  auto [c, batch] = GetParam();
  checkTrace(c, batch);
}

const TracedCase kCases[] = {
    {"mnist", mnist_traced,
     [](const float *x, std::vector<float *> &o, int64_t n) {
       return mnist_traced_trace(x, o[0], o[1], o[2], o[3], o[4], o[5], o[6],
                                 n);
     },
     mnistModel, false},
    {"mnist_O0", mnist_traced_o0,
     [](const float *x, std::vector<float *> &o, int64_t n) {
       return mnist_traced_o0_trace(x, o[0], o[1], o[2], o[3], o[4], o[5], o[6],
                                    o[7], o[8], o[9], n);
     },
     mnistModel, true},
    {"activations", acts_traced,
     [](const float *x, std::vector<float *> &o, int64_t n) {
       return acts_traced_trace(x, o[0], o[1], o[2], o[3], o[4], o[5], o[6],
                                o[7], o[8], o[9], o[10], o[11], o[12], n);
     },
     activationsModel, false},
};

INSTANTIATE_TEST_SUITE_P(Traced, TraceTest,
                         ::testing::Combine(::testing::ValuesIn(kCases),
                                            ::testing::Values<int64_t>(1, 7,
                                                                       300)),
                         [](const auto &info) {
                           return std::string(std::get<0>(info.param).name) +
                                  "_batch" +
                                  std::to_string(std::get<1>(info.param));
                         });

TEST(Trace, HeaderNamesAndShapesTheLayers) {
  EXPECT_EQ(mnist_traced_trace_NUM_OUTPUTS, 7);
  EXPECT_STREQ(mnist_traced_trace_OUT0_NAME, "out0");
  EXPECT_STREQ(mnist_traced_trace_OUT1_NAME, "z1");
  EXPECT_STREQ(mnist_traced_trace_OUT2_NAME, "a1");
  EXPECT_STREQ(mnist_traced_trace_OUT6_NAME, "a3");
  EXPECT_EQ(mnist_traced_trace_OUT1_DIM1, 128);
  EXPECT_EQ(mnist_traced_trace_OUT3_ROW_SIZE, 64);
  EXPECT_STREQ(mnist_traced_o0_trace_OUT1_NAME, "matmul1");
  EXPECT_STREQ(mnist_traced_o0_trace_OUT2_NAME, "z1");
}

TEST(Trace, ChecksItsArgumentsLikeNAME) {
  std::vector<float> x(784), o(10 + 2 * 128 + 2 * 64 + 2 * 10);
  float *p = o.data();
  EXPECT_EQ(mnist_traced_trace(x.data(), p, p + 10, p + 138, nullptr, p + 330,
                               p + 394, p + 404, 1),
            MLPC_ERR_NULL_POINTER);
  EXPECT_EQ(mnist_traced_trace(x.data(), p, p + 10, p + 138, p + 266, p + 330,
                               p + 394, p + 404, 0),
            MLPC_ERR_BAD_BATCH);
  // z1 and a1 overlapping.
  EXPECT_EQ(mnist_traced_trace(x.data(), p, p + 10, p + 100, p + 266, p + 330,
                               p + 394, p + 404, 1),
            MLPC_ERR_OVERLAP);
}

} // namespace
