//===- GpuPipeline.h - the NVPTX target's pipelines -------------*- C++ -*-===//
#ifndef MLPC_GPUPIPELINE_H
#define MLPC_GPUPIPELINE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

namespace mlir::mlpc {

/// The GPU architectures --gpu-arch accepts, sm_70 through sm_90.
ArrayRef<StringRef> supportedGpuArchs();
bool isSupportedGpuArch(StringRef arch);

/// Verified mlp -> kernels in the gpu dialect + host launch sequences: fuse
/// dense layers (when optLevel > 0) and mlp-lower-to-gpu.
void buildGpuLoweringPipeline(OpPassManager &pm, unsigned optLevel);

/// The same, starting with mlp-verify-model.
void buildMlpToGpuPipeline(OpPassManager &pm, unsigned optLevel);

/// Kernels -> NVVM -> a gpu.binary holding PTX for `arch` (polynomial math,
/// so no libdevice is needed).
LogicalResult buildKernelsToPtxPipeline(OpPassManager &pm, StringRef arch);

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

#endif // MLPC_GPUPIPELINE_H
