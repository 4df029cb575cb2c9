//===- LowerShapeOps.h - patterns of mlp-lower-to-linalg --------*- C++ -*-===//
#ifndef MLPC_TRANSFORMS_LOWERSHAPEOPS_H
#define MLPC_TRANSFORMS_LOWERSHAPEOPS_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::mlpc {
/// layer_norm, batch_norm, reduce_mean, reshape, transpose and concat.
void populateLowerShapeOpsPatterns(RewritePatternSet &patterns);
} // namespace mlir::mlpc

#endif // MLPC_TRANSFORMS_LOWERSHAPEOPS_H
