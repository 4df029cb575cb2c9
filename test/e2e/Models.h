//===- Models.h - test models, their MLIR text and a float64 reference ----===//
//
// One description of each test model serves twice: gen-models writes it as
// MLIR for mlpc to compile at build time, and the tests evaluate it in
// double precision, independently of mlpc, as the reference.
//
//===----------------------------------------------------------------------===//
#ifndef MLPC_TEST_E2E_MODELS_H
#define MLPC_TEST_E2E_MODELS_H

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

namespace mlpc_test {

/// A fixed pseudo-random sequence (xorshift64*), identical everywhere.
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
  double uniform() { // [0, 1)
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return double((s * 0x2545F4914F6CDD1Dull) >> 11) / double(1ull << 53);
  }
  float symmetric(double scale) { return float((2 * uniform() - 1) * scale); }
};

struct Layer {
  int in = 0, out = 0;
  std::string act; // "none", "relu", "sigmoid", "tanh", "gelu", "gelu_tanh",
                   // "leaky_relu"
  float alpha = 0.01f;
  std::vector<float> w; // [out][in] (PyTorch layout)
  std::vector<float> b; // [out]
};

enum class Head { None, Softmax, LogSoftmax };

struct Mlp {
  std::vector<Layer> layers;
  Head head = Head::None;
};

/// A dense MLP with Xavier-like random weights.
inline Mlp makeMlp(const std::vector<int> &dims,
                   const std::vector<std::string> &acts, Head head,
                   uint64_t seed) {
  Mlp m;
  m.head = head;
  Rng rng(seed);
  for (size_t l = 0; l + 1 < dims.size(); ++l) {
    Layer layer;
    layer.in = dims[l];
    layer.out = dims[l + 1];
    layer.act = acts[l];
    if (layer.act == "leaky_relu")
      layer.alpha = 0.1f;
    double scale = std::sqrt(6.0 / (layer.in + layer.out));
    for (int i = 0; i < layer.in * layer.out; ++i)
      layer.w.push_back(rng.symmetric(scale));
    for (int i = 0; i < layer.out; ++i)
      layer.b.push_back(rng.symmetric(0.5));
    m.layers.push_back(std::move(layer));
  }
  return m;
}

//===----------------------------------------------------------------------===//
// float64 reference
//===----------------------------------------------------------------------===//

inline double activate(const std::string &act, double z, double alpha) {
  if (act == "relu")
    return z > 0 ? z : (z == z ? 0.0 : z);
  if (act == "sigmoid")
    return 1.0 / (1.0 + std::exp(-z));
  if (act == "tanh")
    return std::tanh(z);
  // The gelus in the forms that do not cancel for negative z (1 + erf(v)
  // and 1 + tanh(v) lose all relative accuracy below z = -8 even in double):
  // 1 + erf(v) = erfc(-v) and 1 + tanh(v) = 2 / (1 + exp(-2v)).
  if (act == "gelu")
    return 0.5 * z * std::erfc(-z / std::sqrt(2.0));
  if (act == "gelu_tanh")
    return z / (1.0 + std::exp(-2.0 * std::sqrt(2.0 / M_PI) * z *
                               (1.0 + 0.044715 * z * z)));
  if (act == "leaky_relu")
    return z > 0 ? z : alpha * z;
  return z;
}

/// Stable softmax or log_softmax of each row, in double.
inline void softmaxRows(std::vector<double> &v, int64_t rows, int cols,
                        bool log) {
  for (int64_t r = 0; r < rows; ++r) {
    double *row = v.data() + r * cols;
    double mx = -INFINITY;
    for (int c = 0; c < cols; ++c)
      mx = std::fmax(mx, row[c]);
    double sum = 0;
    for (int c = 0; c < cols; ++c)
      sum += std::exp(row[c] - mx);
    for (int c = 0; c < cols; ++c)
      row[c] = log ? row[c] - mx - std::log(sum) : std::exp(row[c] - mx) / sum;
  }
}

/// Stable softmax or log_softmax of a row-major [outer, axis, inner] tensor
/// along its middle dimension, in double.
inline std::vector<double> softmaxAlong(const std::vector<float> &x,
                                        int64_t outer, int axis, int64_t inner,
                                        bool log) {
  std::vector<double> out(x.size());
  std::vector<double> v(axis);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      for (int a = 0; a < axis; ++a)
        v[a] = x[(o * axis + a) * inner + i];
      softmaxRows(v, 1, axis, log);
      for (int a = 0; a < axis; ++a)
        out[(o * axis + a) * inner + i] = v[a];
    }
  return out;
}

inline std::vector<double> reference(const Mlp &m, const float *x,
                                     int64_t batch) {
  std::vector<double> cur(x, x + batch * m.layers.front().in);
  for (const Layer &l : m.layers) {
    std::vector<double> next(batch * l.out);
    for (int64_t r = 0; r < batch; ++r)
      for (int o = 0; o < l.out; ++o) {
        double acc = l.b[o];
        for (int i = 0; i < l.in; ++i)
          acc += cur[r * l.in + i] * double(l.w[o * l.in + i]);
        next[r * l.out + o] = activate(l.act, acc, l.alpha);
      }
    cur = std::move(next);
  }
  if (m.head != Head::None)
    softmaxRows(cur, batch, m.layers.back().out, m.head == Head::LogSoftmax);
  return cur;
}

//===----------------------------------------------------------------------===//
// MLIR text
//===----------------------------------------------------------------------===//

/// How the weights and layers are written.
enum class Form {
  Unfused,  ///< matmul{transpose_b} + add + activation, dense_resource blobs
  DenseOps, ///< mlp.dense with [K,N] weights written as inline hex
};

inline std::string hexBlob(const std::vector<float> &v, bool alignPrefix) {
  static const char *digits = "0123456789ABCDEF";
  std::string s = "0x";
  if (alignPrefix)
    s += "04000000"; // dense_resource blobs start with their alignment
  const auto *bytes = reinterpret_cast<const unsigned char *>(v.data());
  for (size_t i = 0; i < v.size() * sizeof(float); ++i) {
    s += digits[bytes[i] >> 4];
    s += digits[bytes[i] & 15];
  }
  return s;
}

inline std::string tensorType(const std::string &dims) {
  return "tensor<" + dims + "xf32>";
}

/// One public entry point `name` computing `m` on tensor<?xIN>.
inline std::string toMlir(const Mlp &m, const std::string &name, Form form) {
  std::ostringstream os, resources;
  int in = m.layers.front().in;
  os << "func.func @" << name
     << "(%x: " << tensorType("?x" + std::to_string(in)) << ") -> "
     << tensorType("?x" + std::to_string(m.layers.back().out)) << " {\n";
  std::string cur = "%x";
  for (size_t li = 0; li < m.layers.size(); ++li) {
    const Layer &l = m.layers[li];
    std::string id = name + "_l" + std::to_string(li);
    std::string inT = tensorType("?x" + std::to_string(l.in));
    std::string outT = tensorType("?x" + std::to_string(l.out));
    std::string bT = tensorType(std::to_string(l.out));
    if (form == Form::Unfused) {
      std::string wT =
          tensorType(std::to_string(l.out) + "x" + std::to_string(l.in));
      os << "  %w" << li << " = arith.constant dense_resource<" << id
         << "_w> : " << wT << "\n";
      os << "  %b" << li << " = arith.constant dense_resource<" << id
         << "_b> : " << bT << "\n";
      resources << "      " << id << "_w: \"" << hexBlob(l.w, true) << "\",\n";
      resources << "      " << id << "_b: \"" << hexBlob(l.b, true) << "\",\n";
      os << "  %h" << li << " = \"mlp.matmul\"(" << cur << ", %w" << li
         << ") {transpose_b = true} : (" << inT << ", " << wT << ") -> " << outT
         << "\n";
      os << "  %z" << li << " = \"mlp.add\"(%h" << li << ", %b" << li << ") : ("
         << outT << ", " << bT << ") -> " << outT << "\n";
      cur = "%z" + std::to_string(li);
      if (l.act != "none") {
        std::string op = l.act == "gelu_tanh" ? "gelu" : l.act;
        os << "  %a" << li << " = \"mlp." << op << "\"(" << cur << ")";
        if (l.act == "gelu_tanh")
          os << " {approximate = \"tanh\"}";
        if (l.act == "leaky_relu")
          os << " {alpha = " << l.alpha << " : f32}";
        os << " : (" << outT << ") -> " << outT << "\n";
        cur = "%a" + std::to_string(li);
      }
    } else {
      // [K,N] layout: transpose the [N,K] weights here.
      std::vector<float> kn(l.w.size());
      for (int o = 0; o < l.out; ++o)
        for (int i = 0; i < l.in; ++i)
          kn[i * l.out + o] = l.w[o * l.in + i];
      std::string wT =
          tensorType(std::to_string(l.in) + "x" + std::to_string(l.out));
      os << "  %w" << li << " = arith.constant dense<\"" << hexBlob(kn, false)
         << "\"> : " << wT << "\n";
      os << "  %b" << li << " = arith.constant dense<\"" << hexBlob(l.b, false)
         << "\"> : " << bT << "\n";
      os << "  %d" << li << " = mlp.dense " << cur << ", %w" << li << ", %b"
         << li << " {activation = \"" << l.act << "\"";
      if (l.act == "leaky_relu")
        os << ", alpha = " << l.alpha << " : f32";
      os << "} : " << inT << ", " << wT << ", " << bT << " -> " << outT << "\n";
      cur = "%d" + std::to_string(li);
    }
  }
  std::string outT = tensorType("?x" + std::to_string(m.layers.back().out));
  if (m.head != Head::None) {
    os << "  %p = mlp." << (m.head == Head::Softmax ? "softmax" : "log_softmax")
       << " " << cur << " : " << outT << " -> " << outT << "\n";
    cur = "%p";
  }
  os << "  return " << cur << " : " << outT << "\n}\n";
  std::string res = resources.str();
  if (!res.empty()) {
    res.erase(res.size() - 2); // the last ",\n"
    os << "{-#\n  dialect_resources: {\n    builtin: {\n"
       << res << "\n    }\n  }\n#-}\n";
  }
  return os.str();
}

//===----------------------------------------------------------------------===//
// The models of the suite
//===----------------------------------------------------------------------===//

inline Mlp mnistModel() {
  return makeMlp({784, 128, 64, 10}, {"relu", "relu", "none"}, Head::Softmax,
                 1);
}

/// Every activation, with widths that are not multiples of any tile.
inline Mlp activationsModel() {
  return makeMlp({13, 37, 21, 19, 33, 17, 5},
                 {"sigmoid", "tanh", "gelu", "gelu_tanh", "leaky_relu", "none"},
                 Head::LogSoftmax, 2);
}

/// A first layer larger than the kernel's L2 budget (600 x 700 floats,
/// 1.7 MB) with short panels, so it runs in column groups (96 columns on
/// AVX2: 7 groups and one of 28); 700 = 43 x 16 + 12 leaves columns after
/// the last panel, in the last group.
inline Mlp largeModel() {
  return makeMlp({600, 700, 37}, {"gelu", "none"}, Head::Softmax, 5);
}

/// A first layer of 1024 x 600 floats (2.4 MB), over the size at which a
/// layer splits its columns over threads (chunks of one wide tile, each
/// running column panels outer, prefetching the next); 600 is not a
/// multiple of the chunk nor of the panel width.
inline Mlp splitModel() {
  return makeMlp({1024, 600, 10}, {"gelu", "none"}, Head::Softmax, 6);
}

} // namespace mlpc_test

#endif // MLPC_TEST_E2E_MODELS_H
