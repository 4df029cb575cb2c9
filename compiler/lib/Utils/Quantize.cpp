//===- Quantize.cpp - narrowing f32 weights -------------------------------===//
#include "mlpc/Utils/Quantize.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace mlir::mlpc;

std::optional<Precision> mlpc::parsePrecision(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<Precision>>(name)
      .Case("f32", Precision::F32)
      .Case("bf16", Precision::BF16)
      .Case("int8", Precision::Int8)
      .Default(std::nullopt);
}

llvm::StringRef mlpc::precisionName(Precision p) {
  switch (p) {
  case Precision::F32:
    return "f32";
  case Precision::BF16:
    return "bf16";
  case Precision::Int8:
    return "int8";
  }
  return "";
}

uint16_t mlpc::toBF16(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  if (std::isnan(v))
    return static_cast<uint16_t>((bits >> 16) | 0x40);
  // Adding 0x7fff plus the kept part's lowest bit rounds half to even; a
  // carry into the exponent is the correct rounding up (to inf past the
  // largest finite bf16).
  uint32_t lsb = (bits >> 16) & 1;
  bits += 0x7fff + lsb;
  return static_cast<uint16_t>(bits >> 16);
}

float mlpc::fromBF16(uint16_t b) {
  uint32_t bits = static_cast<uint32_t>(b) << 16;
  float v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

Int8Weights mlpc::quantizeColumns(llvm::ArrayRef<float> w, int64_t k, int64_t n,
                                  bool transposed) {
  auto at = [&](int64_t kk, int64_t j) {
    return transposed ? w[j * k + kk] : w[kk * n + j];
  };
  Int8Weights q;
  q.values.assign(k * n, 0);
  q.scales.assign(n, 0.0f);
  for (int64_t j = 0; j < n; ++j) {
    float amax = 0;
    for (int64_t kk = 0; kk < k; ++kk)
      amax = std::max(amax, std::fabs(at(kk, j)));
    if (!(amax > 0) || !std::isfinite(amax))
      continue;
    float scale = amax / 127.0f;
    q.scales[j] = scale;
    for (int64_t kk = 0; kk < k; ++kk) {
      double r = std::nearbyint(double(at(kk, j)) / double(scale));
      q.values[kk * n + j] =
          static_cast<int8_t>(std::min(127.0, std::max(-127.0, r)));
    }
  }
  return q;
}

std::optional<std::vector<bool>>
mlpc::selectKeptLayers(llvm::ArrayRef<std::string> names,
                       llvm::ArrayRef<std::string> keep, bool allowMissing,
                       std::string &error) {
  std::vector<bool> kept(names.size(), false);
  for (const std::string &entry : keep) {
    llvm::StringRef e(entry);
    bool matched = false;
    unsigned index;
    if (e == "first" || e == "last") {
      if (!names.empty())
        kept[e == "first" ? 0 : names.size() - 1] = matched = true;
    } else if (!e.getAsInteger(10, index)) {
      if (index < names.size())
        kept[index] = matched = true;
    } else {
      for (size_t i = 0; i < names.size(); ++i)
        if (names[i] == entry)
          kept[i] = matched = true;
    }
    if (!matched && !allowMissing && !(e == "first" || e == "last")) {
      error = "--keep-f32 entry '" + entry + "' names no layer; the " +
              std::to_string(names.size()) + " layers are 0.." +
              std::to_string(names.size() - 1);
      std::string named;
      for (const std::string &n : names)
        if (!n.empty())
          named += (named.empty() ? "" : ", ") + n;
      if (!named.empty())
        error += ", named " + named;
      return std::nullopt;
    }
  }
  return kept;
}
