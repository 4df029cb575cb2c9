//===- CPU/Passes.h - the CPU backend's passes and pipelines ----*- C++ -*-===//
#ifndef MLPC_CPU_PASSES_H
#define MLPC_CPU_PASSES_H

#include "mlp/MlpOps.h"
#include "mlpc/CPU/TargetTuning.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::mlpc {

#define GEN_PASS_DECL
#include "mlpc/CPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mlpc/CPU/Passes.h.inc"

/// The options of the CPU pipelines, as `mlpc-opt --mlpc-cpu-pipeline=...`
/// takes them; `mlpc` fills them from the target CPU (tuningForFeatures).
struct CpuPipelineOptions : PassPipelineOptions<CpuPipelineOptions> {
  Option<int64_t> tileRows{*this, "tile-rows",
                           llvm::cl::desc("Output rows per register tile"),
                           llvm::cl::init(6)};
  Option<int64_t> tileCols{
      *this, "tile-cols",
      llvm::cl::desc("Output columns per register tile (f32 lanes)"),
      llvm::cl::init(32)};
  Option<int64_t> vectorWidth{
      *this, "vector-width", llvm::cl::desc("f32 lanes of one vector register"),
      llvm::cl::init(16)};
  Option<bool> fma{*this, "fma",
                   llvm::cl::desc("The target has an FMA instruction"),
                   llvm::cl::init(true)};
  Option<std::string> denseStrategy{
      *this, "dense-strategy",
      llvm::cl::desc("Every dense layer's loop order (mlp-lower-dense's "
                     "strategy option; auto chooses per layer)"),
      llvm::cl::init("auto")};
  Option<std::string> int8Product{
      *this, "int8-product",
      llvm::cl::desc("How i8 weights are multiplied (generic, maddwd, vnni)"),
      llvm::cl::init("generic")};
  Option<std::string> bf16Product{
      *this, "bf16-product",
      llvm::cl::desc("How bf16 weights are multiplied (widen, dot)"),
      llvm::cl::init("widen")};
  Option<std::string> precision{
      *this, "precision",
      llvm::cl::desc("f32, or the width the layers' weights are narrowed to "
                     "(bf16, int8; mlp-narrow-weights)"),
      llvm::cl::init("f32")};
  ListOption<std::string> keepF32{
      *this, "keep-f32",
      llvm::cl::desc("Layers whose weights stay f32 (first, last, an index "
                     "or a name)")};
  Option<bool> trace{
      *this, "trace",
      llvm::cl::desc("Add NAME_trace beside each entry (mlp-trace-entries)"),
      llvm::cl::init(false)};
  Option<unsigned> optLevel{
      *this, "opt-level",
      llvm::cl::desc("0 skips fusion and cleanup (for debugging)"),
      llvm::cl::init(3)};

  /// Takes the tile and FMA of `t`.
  void setTuning(const TargetTuning &t);
};

/// Verified mlp -> linalg/vector on tensors: verify, fuse, the dense
/// kernel, stable softmax, the rest to linalg, cleanup. What `mlpc
/// --emit=mlir` prints; registered as `mlpc-cpu-pipeline`.
void buildCpuTensorPipeline(OpPassManager &pm, const CpuPipelineOptions &opts);

/// Its two halves, for a driver that looks at the fused model (mlpc
/// --stats): verify, fuse, narrow and trace; then the kernels and linalg.
void buildCpuFusionPipeline(OpPassManager &pm, const CpuPipelineOptions &opts);
void buildCpuKernelPipeline(OpPassManager &pm, const CpuPipelineOptions &opts);

/// Tensors -> LLVM dialect: entry points, bufferization, scratch,
/// deallocation, loops, and the C entry points; registered as
/// `mlpc-cpu-to-llvm`.
void buildCpuToLLVMPipeline(OpPassManager &pm);

/// Registers both pipelines.
void registerCpuPipelines();

} // namespace mlir::mlpc

#endif // MLPC_CPU_PASSES_H
