//===- Activation.h - scalar/vector activation bodies -----------*- C++ -*-===//
//
// One definition of each activation's arithmetic, used both by the linalg
// lowering (on scalars) and by the dense kernel's epilogue (on vectors), so
// fused and unfused code compute exactly the same function.
//
//===----------------------------------------------------------------------===//
#ifndef MLPC_ACTIVATION_H
#define MLPC_ACTIVATION_H

#include "mlp/MlpOps.h"

#include "mlir/IR/Builders.h"

namespace mlir::mlpc {

/// A constant `value` of type `type` (f32 or a vector of f32).
Value floatConstant(OpBuilder &b, Location loc, Type type, double value);

/// exp(x) for f32 (or vector) x <= 0, as softmax (x - max) and sigmoid
/// (-|x|) need: built in place, with no overflow clamps, 2^n made from a
/// float addition's bits and a Cody-Waite reduction, so the relative error
/// stays about 2e-7 however far below 0 x is (x below -87.7 and -inf give
/// 0, NaN stays NaN). About half the operations of math.exp's polynomial
/// approximation.
Value buildExpNonPositive(OpBuilder &b, Location loc, Value x);

/// Builds the activation `spec` (a name `mlp.dense` accepts, with its
/// parameters) of an f32 or vector-of-f32 value.
Value buildActivation(OpBuilder &b, Location loc,
                      const mlp::ActivationSpec &spec, Value x);

/// The scalar (or vector) body of an elementwise binary mlp op (add, sub,
/// mul, div, pow, prelu) on `x` and `y`.
Value buildBinary(OpBuilder &b, Location loc, Operation *op, Value x, Value y);

/// layer_norm's factor 1 / sqrt(var + eps), for an f32 or vector `var`.
Value buildInverseStd(OpBuilder &b, Location loc, Value var, float epsilon);

/// layer_norm's output from a centered value, the factor above (of the
/// same type) and the element's scale and bias: centered * inv * scale +
/// bias, in the order of ONNX's reference.
Value buildLayerNormOutput(OpBuilder &b, Location loc, Value centered,
                           Value inv, Value scale, Value bias);

/// Batch normalization of one element: (x - mean) / sqrt(var + eps) *
/// scale + bias.
Value buildBatchNorm(OpBuilder &b, Location loc, Value x, Value scale,
                     Value bias, Value mean, Value var, float epsilon);

/// A loss's term `weight` * `term` (f32), or 0 where the weight is 0
/// whatever the term: 0 · inf is NaN, the loss meant is 0.
Value buildWeightedTerm(OpBuilder &b, Location loc, Value weight, Value term);

/// Binary cross-entropy of a logit `x` against the probability `y`:
/// y·softplus(-x) + (1 - y)·softplus(x), the two softplus sharing
/// log1p(exp(-|x|)), each term weighted as above.
Value buildBceTerm(OpBuilder &b, Location loc, Value x, Value y);

/// `spec` applied to each of `xs` (vectors of f32), where the activation
/// is a long chain of dependent operations (sigmoid, tanh, gelu, ...): up to
/// `group` consecutive vectors of one type go through it as one vector of
/// `group` times the lanes. LLVM splits each operation of that vector into one
/// per register, side by side, so the chains interleave instruction by
/// instruction instead of one after the other, where the out-of-order window
/// overlaps only about two of them.
SmallVector<Value> buildActivations(OpBuilder &b, Location loc,
                                    const mlp::ActivationSpec &spec,
                                    ArrayRef<Value> xs, int64_t group);

} // namespace mlir::mlpc

#endif // MLPC_ACTIVATION_H
