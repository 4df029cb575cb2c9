//===- MlpDialect.h - the mlp dialect ---------------------------*- C++ -*-===//
#ifndef MLP_MLPDIALECT_H
#define MLP_MLPDIALECT_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Dialect.h"

#include "mlp/MlpOpsDialect.h.inc"

#endif // MLP_MLPDIALECT_H
