//===- CodeGen.h - LLVM dialect -> LLVM IR, assembly, object ----*- C++ -*-===//
#ifndef MLPC_CODEGEN_H
#define MLPC_CODEGEN_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"
#include <string>

namespace mlir::mlpc {

enum class OutputKind { LLVMIR, Assembly, Object };

struct TargetSpec {
  std::string triple;   ///< empty: the host's
  std::string cpu;      ///< empty or "native": the host CPU
  std::string features; ///< extra "+a,-b" features on top of the CPU's
  unsigned optLevel = 3;
};

/// The CPU name and feature string `spec` resolves to ("native" and empty
/// mean the host's own).
std::pair<std::string, std::string> resolveCpu(const TargetSpec &spec);

/// Translates a module in the LLVM dialect to LLVM IR, optimizes it at
/// spec.optLevel and writes `kind` to `os`. Objects are position
/// independent. On failure returns false and sets `error`.
bool emitModule(ModuleOp module, const TargetSpec &spec, OutputKind kind,
                llvm::raw_pwrite_stream &os, std::string &error);

} // namespace mlir::mlpc

#endif // MLPC_CODEGEN_H
