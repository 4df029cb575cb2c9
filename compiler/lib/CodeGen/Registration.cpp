//===- Registration.cpp - dialects, passes and pipelines of mlpc's tools --===//
//
// The only file that includes the InitAll* headers: they are slow to
// compile, and mlpc-opt names upstream passes textually.
//
//===----------------------------------------------------------------------===//
#include "mlpc/CodeGen/Registration.h"
#include "mlpc/CAbi/Passes.h"
#include "mlpc/CPU/Passes.h"
#include "mlpc/Transforms/Passes.h"
#ifdef MLPC_ENABLE_GPU
#include "mlpc/GPU/Passes.h"
#endif

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

void mlir::mlpc::registerEverything(DialectRegistry &registry) {
  registry.insert<mlp::MlpDialect>();
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  static bool passesRegistered = [] {
    registerAllPasses();
    registerMlpcTransformsPasses();
    registerMlpcCPUPasses();
    registerMlpcCAbiPasses();
    registerCpuPipelines();
#ifdef MLPC_ENABLE_GPU
    registerMlpcGPUPasses();
    registerGpuPipelines();
#endif
    return true;
  }();
  (void)passesRegistered;
}
