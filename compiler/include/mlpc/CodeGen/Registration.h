//===- Registration.h - dialects and passes mlpc's tools use ----*- C++ -*-===//
#ifndef MLPC_REGISTRATION_H
#define MLPC_REGISTRATION_H

#include "mlir/IR/DialectRegistry.h"

namespace mlir::mlpc {

/// Adds the mlp dialect, the upstream dialects and interface extensions the
/// pipeline goes through, and registers mlpc's and upstream's passes (so
/// that textual pipelines and mlpc-opt can name them).
void registerEverything(DialectRegistry &registry);

} // namespace mlir::mlpc

#endif // MLPC_REGISTRATION_H
