//===- LowerLosses.h - loss patterns of mlp-lower-to-linalg -----*- C++ -*-===//
#ifndef MLPC_TRANSFORMS_LOWERLOSSES_H
#define MLPC_TRANSFORMS_LOWERLOSSES_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::mlpc {
/// nll_loss, bce_with_logits and mse_loss (cross_entropy is decomposed by
/// mlp-stable-softmax first).
void populateLowerLossPatterns(RewritePatternSet &patterns);
} // namespace mlir::mlpc

#endif // MLPC_TRANSFORMS_LOWERLOSSES_H
