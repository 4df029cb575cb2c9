//===- GPU/Passes.h - the NVPTX backend's passes and pipelines --*- C++ -*-===//
#ifndef MLPC_GPU_PASSES_H
#define MLPC_GPU_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::mlpc {

#define GEN_PASS_DECL
#include "mlpc/GPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mlpc/GPU/Passes.h.inc"

/// The GPU architectures --gpu-arch accepts, sm_70 through sm_90.
ArrayRef<StringRef> supportedGpuArchs();
bool isSupportedGpuArch(StringRef arch);

struct GpuPipelineOptions : PassPipelineOptions<GpuPipelineOptions> {
  Option<unsigned> optLevel{
      *this, "opt-level",
      llvm::cl::desc("0 skips the fusion of dense layers (for debugging)"),
      llvm::cl::init(3)};
};

/// Verified mlp -> kernels in the gpu dialect + host launch sequences: fuse
/// dense layers (when optLevel > 0) and mlp-lower-to-gpu.
void buildGpuLoweringPipeline(OpPassManager &pm, unsigned optLevel);

/// Its two halves, for a driver that reads the entry points in between:
/// the fusion (and, with `trace`, mlp-trace-entries), then mlp-lower-to-gpu.
void buildGpuFusionPipeline(OpPassManager &pm, unsigned optLevel,
                            bool trace = false);
void buildGpuKernelPipeline(OpPassManager &pm);

/// The same, starting with mlp-verify-model: what `mlpc --target=nvptx
/// --emit=mlir` prints (with `trace`, `--trace`); registered as
/// `mlpc-gpu-pipeline`.
void buildMlpToGpuPipeline(OpPassManager &pm, unsigned optLevel,
                           bool trace = false);

/// Kernels -> NVVM -> a gpu.binary holding PTX for `arch` (polynomial math,
/// so no libdevice is needed).
void buildKernelsToPtxPipeline(OpPassManager &pm, StringRef arch);

/// Registers `mlpc-gpu-pipeline` and `mlpc-gpu-to-ptx{chip=sm_NN}`.
void registerGpuPipelines();

/// The PTX of the module's gpu.binary ("" if there is none).
std::string getPtx(ModuleOp module);

/// The ptxas to use: `requested` if not empty ("none" disables), else
/// $CUDA_PATH/bin/ptxas, /usr/local/cuda/bin/ptxas or ptxas on PATH. Empty
/// when there is none.
std::string findPtxas(StringRef requested);

/// Assembles the binary's PTX with `ptxas` for `arch` and adds the cubin to
/// the gpu.binary. Returns false and sets `error` when ptxas fails.
bool attachCubin(ModuleOp module, StringRef ptxas, StringRef arch,
                 std::string &error);

/// Host functions + gpu.binary -> LLVM dialect (mlp-emit-gpu-host).
void buildGpuHostToLLVMPipeline(OpPassManager &pm);

} // namespace mlir::mlpc

#endif // MLPC_GPU_PASSES_H
