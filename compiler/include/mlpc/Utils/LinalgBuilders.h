//===- LinalgBuilders.h - small helpers for building linalg IR --*- C++ -*-===//
#ifndef MLPC_LINALGBUILDERS_H
#define MLPC_LINALGBUILDERS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

namespace mlir::mlpc {

/// A tensor.empty of `type`, taking each dynamic size from the same
/// dimension of `like` (mapped through `dimsOfLike`: result dim i is
/// dimension dimsOfLike[i] of `like`).
Value emptyLike(OpBuilder &b, Location loc, RankedTensorType type, Value like,
                ArrayRef<int64_t> dimsOfLike);

/// `empty` filled with the f32 constant `value`.
Value fillF32(OpBuilder &b, Location loc, Value empty, double value);

/// A linalg.generic with one result, given its inputs, init, maps and
/// iterator kinds; `body` receives the block arguments (inputs then init)
/// and returns the value to yield.
Value buildGeneric(OpBuilder &b, Location loc, ValueRange inputs, Value init,
                   ArrayRef<AffineMap> maps,
                   ArrayRef<utils::IteratorType> iterators,
                   function_ref<Value(OpBuilder &, Location, ValueRange)> body);

} // namespace mlir::mlpc

#endif // MLPC_LINALGBUILDERS_H
