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

/// An elementwise unary op as the `activation`, `alpha` and `beta` of an
/// equivalent `mlp.dense`; nullopt for other ops. gelu with approximate =
/// "tanh" is "gelu_tanh"; selu's gamma is `beta`, clip's min and max are
/// `alpha` and `beta`.
struct ActivationSpec {
  llvm::StringRef name = "none";
  float alpha = 0.01f;
  float beta = 0.0f;
};
std::optional<ActivationSpec> getActivationSpec(Operation *op);

/// add, sub, mul, div, pow and prelu: numpy-broadcasting binary ops.
bool isBinaryElementwise(Operation *op);

/// The activation a dense layer applies.
ActivationSpec getActivationSpec(DenseOp op);
} // namespace mlir::mlp

#endif // MLP_MLPOPS_H
