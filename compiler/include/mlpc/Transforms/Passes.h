//===- Transforms/Passes.h - target-independent passes ----------*- C++ -*-===//
#ifndef MLPC_TRANSFORMS_PASSES_H
#define MLPC_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlp/MlpDialect.h"

namespace mlir::mlpc {

#define GEN_PASS_DECL
#include "mlpc/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mlpc/Transforms/Passes.h.inc"

/// Inlines every call (a model may write a repeated block as a function)
/// and drops the private functions left unused; a call that remains
/// (recursion, or a function without a body) is reported by
/// mlp-verify-model. Comes first in every pipeline.
void addInlineCalls(OpPassManager &pm);

/// addInlineCalls, then mlp-verify-model: the start of every target's
/// pipeline.
void addVerifyModel(OpPassManager &pm);

/// mlp-raise-ops then mlp-fold-affine on each function: what an exporter
/// spelled out becomes the ops and weights the backends fuse (-O1 and up).
void addSimplifyModel(OpPassManager &pm);

} // namespace mlir::mlpc

#endif // MLPC_TRANSFORMS_PASSES_H
