//===- Header.h - the C header declaring a model's entry points -*- C++ -*-===//
#ifndef MLPC_HEADER_H
#define MLPC_HEADER_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::mlpc {

/// The C-visible signature of one public entry point.
struct EntrySignature {
  std::string name;
  SmallVector<SmallVector<int64_t>> inputs, outputs;
};

/// The public func.func entry points of a model, before lowering.
SmallVector<EntrySignature> collectEntries(ModuleOp module);

/// Writes a self-contained header: includes mlpc/runtime.h, declares each
/// entry point and defines its shape macros. `guard` names the include
/// guard. For the GPU target (`gpu`), each entry point NAME also gets its
/// device-buffer variant NAME_device.
void writeHeader(llvm::raw_ostream &os, ArrayRef<EntrySignature> entries,
                 StringRef guard, StringRef source, bool gpu = false);

} // namespace mlir::mlpc

#endif // MLPC_HEADER_H
