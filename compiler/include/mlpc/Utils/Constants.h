//===- Utils/Constants.h - f32 weights at compile time ----------*- C++ -*-===//
#ifndef MLPC_UTILS_CONSTANTS_H
#define MLPC_UTILS_CONSTANTS_H

#include "mlir/IR/Builders.h"

#include <optional>
#include <vector>

namespace mlir::mlpc {

/// The float values (row-major) of an f32 arith.constant tensor, whether
/// written inline, as hex or as a dense_resource blob; nullopt otherwise.
std::optional<SmallVector<float>> constantValues(Value v);

/// An f32 tensor constant holding `data`: a dense attribute when small, a
/// resource blob (not uniqued, not printed inline) when it is a weight
/// matrix's size.
Value f32Constant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                  ArrayRef<float> data);

/// The element bytes (row-major, as stored) of a statically shaped
/// arith.constant tensor of any element type that is a whole number of
/// bytes wide, a splat expanded; nullopt otherwise.
std::optional<std::vector<char>> constantBytes(Value v);

/// A tensor constant of `type` holding `raw` (its elements' bytes), as
/// f32Constant chooses between inline and a resource blob.
Value rawConstant(OpBuilder &b, Location loc, RankedTensorType type,
                  ArrayRef<char> raw, StringRef blobName);

} // namespace mlir::mlpc

#endif // MLPC_UTILS_CONSTANTS_H
