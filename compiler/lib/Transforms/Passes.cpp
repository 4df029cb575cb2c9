//===- Passes.cpp - what every target's pipeline starts with --------------===//
#include "mlpc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringMap.h"

using namespace mlir;

void mlpc::addInlineCalls(OpPassManager &pm) {
  // No cleanup pipeline between inlinings: canonicalization belongs after
  // mlp-verify-model, which must see the model as written.
  pm.addPass(createInlinerPass(llvm::StringMap<OpPassManager>{},
                               [](OpPassManager &) {}));
  pm.addPass(createSymbolDCEPass());
}

void mlpc::addSimplifyModel(OpPassManager &pm) {
  OpPassManager &fpm = pm.nest<func::FuncOp>();
  fpm.addPass(createRaiseOps());
  fpm.addPass(createFoldAffine());
}

void mlpc::addVerifyModel(OpPassManager &pm) {
  addInlineCalls(pm);
  pm.addPass(createVerifyModel());
}
