//===- Registration.cpp - dialects and passes mlpc's tools use ------------===//
//
// The only file that includes the InitAll* headers: they are slow to
// compile, and the pipeline names upstream passes textually.
//
//===----------------------------------------------------------------------===//
#include "mlpc/Registration.h"
#include "mlpc/Passes.h"

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
    registerMlpcPasses();
    return true;
  }();
  (void)passesRegistered;
}
