//===- Pipeline.h - mlpc's pass pipelines -----------------------*- C++ -*-===//
#ifndef MLPC_PIPELINE_H
#define MLPC_PIPELINE_H

#include "mlir/Pass/PassManager.h"

namespace mlir::mlpc {

struct PipelineOptions {
  /// Register tile of the dense kernel (rows x f32 lanes).
  int64_t tileRows = 6;
  int64_t tileCols = 32;
  /// f32 lanes of one vector register.
  int64_t vectorWidth = 16;
  /// Whether the target has an FMA instruction; without one, math.fma is
  /// expanded to mulf + addf instead of becoming libm calls.
  bool hasFma = true;
  /// 0 disables the fusion and cleanup passes (for debugging).
  unsigned optLevel = 3;
};

/// The tile that fits the vector registers of a CPU with this LLVM feature
/// string ("+avx512f,+fma,-avx512f,...", a later entry overriding an
/// earlier one), and whether it has FMA; resolveCpu's string spells out
/// implied features.
PipelineOptions tileForFeatures(llvm::StringRef features);

/// Inlines every call (a model may write a repeated block as a function)
/// and drops the private functions left unused; a call that remains
/// (recursion, or a function without a body) is reported by
/// mlp-verify-model. Comes first in every pipeline.
void addInlineCalls(OpPassManager &pm);

/// mlp -> linalg/vector on tensors: verify, fuse, stabilize softmax and
/// lower mlp ops. What `mlpc --emit=mlir` prints.
void buildMlpToTensorPipeline(OpPassManager &pm, const PipelineOptions &opts);

/// Tensors -> LLVM dialect: entry points, bufferization, deallocation,
/// loops and the C ABI wrappers.
LogicalResult buildTensorToLLVMPipeline(OpPassManager &pm);

} // namespace mlir::mlpc

#endif // MLPC_PIPELINE_H
