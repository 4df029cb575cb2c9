//===- CAbi/Passes.h - the C entry points -----------------------*- C++ -*-===//
#ifndef MLPC_CABI_PASSES_H
#define MLPC_CABI_PASSES_H

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::mlpc {

#define GEN_PASS_DECL
#include "mlpc/CAbi/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mlpc/CAbi/Passes.h.inc"

} // namespace mlir::mlpc

#endif // MLPC_CABI_PASSES_H
