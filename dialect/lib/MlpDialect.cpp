//===- MlpDialect.cpp - the mlp dialect -----------------------------------===//
#include "mlp/MlpDialect.h"
#include "mlp/MlpOps.h"

using namespace mlir;
using namespace mlir::mlp;

#include "mlp/MlpOpsDialect.cpp.inc"

void MlpDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "mlp/MlpOps.cpp.inc"
      >();
}
