//===- Header.h - the C header declaring a model's entry points -*- C++ -*-===//
#ifndef MLPC_HEADER_H
#define MLPC_HEADER_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace mlir::mlpc {

/// The C-visible signature of one public entry point.
struct EntrySignature {
  std::string name;
  std::vector<SmallVector<int64_t>> inputs, outputs;
  /// Per input: whether it holds i32 class indices (else f32).
  std::vector<bool> indexInputs;
  /// A traced entry's (mlp-trace-entries): the entry it traces, and per
  /// output its name ("out0", "z1", ...) and what computes it.
  std::string traceOf;
  std::vector<std::string> outputNames, outputLayers;
};

/// The public func.func entry points of a model, before lowering.
SmallVector<EntrySignature> collectEntries(ModuleOp module);

/// Writes a self-contained header: includes mlpc/runtime.h, declares each
/// entry point and defines its shape macros. `guard` names the include
/// guard. For the GPU target (`gpu`), each entry point NAME also gets its
/// device-buffer variant NAME_device.
void writeHeader(llvm::raw_ostream &os, ArrayRef<EntrySignature> entries,
                 StringRef guard, StringRef source, bool gpu = false);

/// The same as JSON, for programs that load a model at run time (the
/// Python package reads it from a shared library's `mlpc_manifest`):
///   {"version": 1, "gpu": false, "entries": [{"name": ..., "trace_of": ...,
///     "inputs": [{"shape": [-1, 64], "dtype": "float32"}, ...],
///     "outputs": [{"shape": [...], "dtype": "float32", "name": "z1",
///                  "layer": "dense relu"}, ...]}, ...]}
/// with -1 for the dynamic (batch) dimension.
void writeManifest(llvm::raw_ostream &os, ArrayRef<EntrySignature> entries,
                   bool gpu);

} // namespace mlir::mlpc

#endif // MLPC_HEADER_H
