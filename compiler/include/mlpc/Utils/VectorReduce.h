//===- VectorReduce.h - short reductions of f32 vectors ---------*- C++ -*-===//
//
// A row's maximum and sum for softmax, built as log2(lanes) dependent steps
// that stay in vector registers, for the row kernels and the dense
// epilogue alike.
//
//===----------------------------------------------------------------------===//
#ifndef MLPC_VECTORREDUCE_H
#define MLPC_VECTORREDUCE_H

#include "mlir/IR/Builders.h"

namespace mlir::mlpc {

/// x > y ? x : y when `isMax`, else x + y. The maximum is one vmaxps on
/// x86, where arith.maximumf's NaN and signed-zero rules take four
/// instructions. It does not keep a NaN, but a softmax still gets one in
/// every result: exp(NaN - M) makes the sum NaN.
Value combineLanes(OpBuilder &b, Location loc, bool isMax, Value x, Value y);

/// Reduces `parts` (f32 vectors, or nulls to skip) to one scalar with
/// combineLanes: the parts of `width` lanes or more are halved to `width`
/// (the upper half combined into the lower) and combined lane by lane, then
/// each vector is halved down to one lane (an odd remainder by
/// vector.reduction). vector.reduction alone lowers a maximum or an ordered
/// sum to one scalar step per lane, and the maximum to a branch per lane.
Value reduceLanes(OpBuilder &b, Location loc, bool isMax, ArrayRef<Value> parts,
                  int64_t width);

} // namespace mlir::mlpc

#endif // MLPC_VECTORREDUCE_H
