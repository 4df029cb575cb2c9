//===- SoftmaxRows.h - vectorized (log-)softmax over rows -------*- C++ -*-===//
//
// The (log-)softmax along the last axis of a tensor whose rows have a static
// length, as vector loops over each row.
//
//===----------------------------------------------------------------------===//
#ifndef MLPC_SOFTMAXROWS_H
#define MLPC_SOFTMAXROWS_H

#include "mlir/IR/Builders.h"

namespace mlir::mlpc {

/// Whether buildSoftmaxRows handles `x` along `axis`: a ranked f32 tensor,
/// `axis` its last dimension, of static size.
bool softmaxRowsApply(Value x, int64_t axis);

/// softmax(x) = exp(x - m) / s or log_softmax(x) = (x - m) - log(s) along
/// the last axis of `x`, where m is the row's maximum and s the sum of
/// exp(x - m), with `vectorWidth`-lane vectors: per row, the maximum; each
/// exp(x - m), stored, and their sum; the scaling.
Value buildSoftmaxRows(OpBuilder &b, Location loc, Value x, bool isLog,
                       int64_t vectorWidth);

} // namespace mlir::mlpc

#endif // MLPC_SOFTMAXROWS_H
