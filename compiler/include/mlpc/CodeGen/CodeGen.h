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
/// independent. `translated`, if given, runs once the LLVM module holds its
/// own copy of everything (the weights included), before optimization and
/// code generation. On failure returns false and sets `error`.
bool emitModule(ModuleOp module, const TargetSpec &spec, OutputKind kind,
                llvm::raw_pwrite_stream &os, std::string &error,
                llvm::function_ref<void()> translated = {});

/// Frees the data of the builtin dialect's resource blobs in `context` (the
/// weights, as parsed and as packed), except those that `keep` references.
/// For a driver that owns the context: the original weights are garbage
/// once packed, and all of them once emitModule has translated the module
/// (the LLVM module has its own copy); each is as large as the model.
void releaseWeightBlobs(MLIRContext *context, ModuleOp keep = {});

} // namespace mlir::mlpc

#endif // MLPC_CODEGEN_H
