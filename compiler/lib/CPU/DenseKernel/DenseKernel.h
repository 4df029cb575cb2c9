//===- DenseKernel.h - mlp.dense as a register-tiled kernel -----*- C++ -*-===//
//
// What mlp-lower-dense's patterns call: which dense layers the kernel takes,
// which of their users it fuses into the epilogue, and `lower`, which
// chooses the layer's schedule (DenseSchedule.h) and emits it.
//
//===----------------------------------------------------------------------===//
#ifndef MLPC_CPU_DENSEKERNEL_DENSEKERNEL_H
#define MLPC_CPU_DENSEKERNEL_DENSEKERNEL_H

#include "DenseSchedule.h"
#include "mlp/MlpOps.h"
#include "mlpc/CPU/TargetTuning.h"

#include "mlir/IR/PatternMatch.h"

#include <optional>

namespace mlir::mlpc {

/// What the epilogue applies to each row after bias and activation.
enum class Head { None, Softmax, LogSoftmax, LayerNorm };

/// What a tile does to its accumulators before the store: add the bias,
/// then the residual's element at the same place (if any), then apply the
/// activation, then normalize the row (head). In that order the fused
/// kernel computes bit for bit what the unfused ops do.
struct Epilogue {
  Value residual; // [M, N] like the result, or null
  mlp::ActivationSpec activation;
  Head head = Head::None;
  /// Head::LayerNorm's scale and bias ([N]) and epsilon.
  Value normScale, normBias;
  float normEpsilon = 0;

  /// The epilogue of `op` alone, with `head`.
  static Epilogue of(mlp::DenseOp op, Head head = Head::None) {
    Epilogue ep;
    ep.activation = mlp::getActivationSpec(op);
    ep.head = head;
    return ep;
  }
};

struct DenseKernel {
  TargetTuning tuning;
  /// Every layer in this strategy instead of the one chosen for its shape.
  std::optional<DenseStrategy> strategy;

  /// The kernel needs static K and N.
  static bool applies(mlp::DenseOp op);

  /// The bytes of `op`'s constant weights once packed for this kernel
  /// (panels and the columns after them, narrow ones grouped and padded,
  /// with the int8 correction), or 0 when they are not constant or the
  /// kernel does not apply.
  int64_t packedWeightBytes(mlp::DenseOp op) const;

  /// The softmax, log_softmax or layer_norm (with a [N] scale and bias)
  /// over the last axis that is `op`'s only user, when a whole row fits in
  /// one tile (N <= tile-cols), so the epilogue can normalize each row in
  /// registers before the store.
  std::optional<std::pair<Operation *, Head>>
  fusableHead(mlp::DenseOp op) const;

  /// A residual connection after `op`: add(op, r) or add(r, op), with r of
  /// the result's own shape (no broadcast) and `op` without an activation
  /// and with no other user, optionally followed by an activation that is
  /// the add's only user. The kernel then adds r's element after the bias
  /// and applies that activation, and the sum never goes to memory.
  struct Residual {
    mlp::AddOp add;
    Value value;
    Operation *activation; // or null
  };
  static std::optional<Residual> fusableResidual(mlp::DenseOp op);

  /// The tuning `op`'s kernel uses: the target's, with the tile rows its
  /// product needs (productTileRows).
  TargetTuning tuningFor(mlp::DenseOp op) const;

  /// The schedule of `op` (with epilogue `ep`).
  DenseSchedule schedule(mlp::DenseOp op, const Epilogue &ep) const;

  /// Builds the kernel for `op` with epilogue `ep` and returns the result.
  Value lower(mlp::DenseOp op, const Epilogue &ep, PatternRewriter &b) const;
};

} // namespace mlir::mlpc

#endif // MLPC_CPU_DENSEKERNEL_DENSEKERNEL_H
