//===- Utils/Constants.h - f32 weights at compile time ----------*- C++ -*-===//
#ifndef MLPC_UTILS_CONSTANTS_H
#define MLPC_UTILS_CONSTANTS_H

#include "mlir/IR/Builders.h"

#include <optional>

namespace mlir::mlpc {

/// The float values (row-major) of an f32 arith.constant tensor, whether
/// written inline, as hex or as a dense_resource blob; nullopt otherwise.
std::optional<SmallVector<float>> constantValues(Value v);

/// An f32 tensor constant holding `data`: a dense attribute when small, a
/// resource blob (not uniqued, not printed inline) when it is a weight
/// matrix's size.
Value f32Constant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                  ArrayRef<float> data);

} // namespace mlir::mlpc

#endif // MLPC_UTILS_CONSTANTS_H
