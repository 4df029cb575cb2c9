//===- MlpOps.h - mlp dialect operations ------------------------*- C++ -*-===//
#ifndef MLP_MLPOPS_H
#define MLP_MLPOPS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlp/MlpDialect.h"

#define GET_OP_CLASSES
#include "mlp/MlpOps.h.inc"

namespace mlir::mlp {
/// Activations accepted by `mlp.dense`, in the spelling of its attribute.
bool isKnownActivation(llvm::StringRef name);
} // namespace mlir::mlp

#endif // MLP_MLPOPS_H
