//===- Utils/Quantize.h - narrowing f32 weights -----------------*- C++ -*-===//
//
// The arithmetic of `--precision`, apart from the IR: bf16 rounding, int8
// symmetric per-output-channel quantization, and which layers stay f32.
// Pure functions, unit-tested in test/unit/QuantizeTest.cpp; docs/Precision.md
// gives the reasons for each choice.
//
//===----------------------------------------------------------------------===//
#ifndef MLPC_UTILS_QUANTIZE_H
#define MLPC_UTILS_QUANTIZE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir::mlpc {

/// The precisions of `mlpc --precision`.
enum class Precision { F32, BF16, Int8 };
std::optional<Precision> parsePrecision(llvm::StringRef name);
llvm::StringRef precisionName(Precision p);

/// The bf16 bits of `v` rounded to nearest, ties to even (NaN stays a quiet
/// NaN, infinities stay infinite, values past bf16's largest round to inf).
uint16_t toBF16(float v);
/// The f32 a bf16 stands for (exact).
float fromBF16(uint16_t bits);

/// Weights quantized per output channel: values[k * n + j] * scales[j]
/// stands for w[k][j].
struct Int8Weights {
  std::vector<int8_t> values; // [K, N], row-major
  std::vector<float> scales;  // [N]
};

/// Symmetric per-output-channel int8 of `w` ([K, N], or [N, K] when
/// `transposed`): scale = max |w[:, j]| / 127, q = roundeven(w / scale) in
/// [-127, 127]; a column of zeros gets scale 0 and zeros. -128 is never
/// used, so that a product of two quantized values never overflows i16 and
/// negating a value never wraps.
Int8Weights quantizeColumns(llvm::ArrayRef<float> w, int64_t k, int64_t n,
                            bool transposed);

/// Which of `names.size()` layers (in the order of the model) stay f32 for
/// `--keep-f32` entries: "first", "last", a 0-based index, or a layer's
/// name (its location's name, such as the ONNX node's). An entry that
/// names no layer sets `error`; an entry may match no layer of this
/// function only when `allowMissing` (a module of several entries).
std::optional<std::vector<bool>>
selectKeptLayers(llvm::ArrayRef<std::string> names,
                 llvm::ArrayRef<std::string> keep, bool allowMissing,
                 std::string &error);

} // namespace mlir::mlpc

#endif // MLPC_UTILS_QUANTIZE_H
