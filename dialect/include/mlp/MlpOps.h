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

/// An activation op (relu, sigmoid, tanh, gelu, leaky_relu) as the
/// `activation` and `alpha` of an equivalent `mlp.dense`; nullopt for other
/// ops. gelu with approximate = "tanh" is "gelu_tanh".
struct ActivationSpec {
  llvm::StringRef name;
  float alpha = 0.01f;
};
std::optional<ActivationSpec> getActivationSpec(Operation *op);
} // namespace mlir::mlp

#endif // MLP_MLPOPS_H
