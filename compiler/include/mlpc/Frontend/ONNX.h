//===- ONNX.h - ONNX models as mlp-dialect modules --------------*- C++ -*-===//
//
// The ONNX frontend translates a model file node by node into mlp ops, one
// op (or a fixed short sequence) per node, so that everything mlpc does to
// a hand-written model happens to an imported one too, in passes.
//
//===----------------------------------------------------------------------===//
#ifndef MLPC_FRONTEND_ONNX_H
#define MLPC_FRONTEND_ONNX_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/MemoryBufferRef.h"

#include <string>

namespace mlir::mlpc {

/// The opsets of the default ONNX domain the frontend reads: each op with
/// the semantics of its version at the model's opset, back to the first
/// (where an old version needs what mlpc lacks, the node is refused).
constexpr int64_t kMinOnnxOpset = 1;
constexpr int64_t kMaxOnnxOpset = 21;

/// The ONNX op types the frontend translates, sorted.
llvm::ArrayRef<llvm::StringRef> supportedOnnxOps();

/// The entry point's name for a model file: its stem made a C identifier
/// ("my-model.onnx" -> "my_model", "2layer.onnx" -> "m_2layer").
std::string entryNameFromPath(llvm::StringRef path);

/// Translates the ONNX model in `bytes` (read from `path`, which names the
/// model in diagnostics and locates external data files) into a module with
/// one public entry point `entryName`. Errors are emitted through the
/// context's diagnostics, located at the node (a NameLoc of its name) or
/// the file; the result is then null.
OwningOpRef<ModuleOp> importOnnx(MLIRContext *context,
                                 llvm::MemoryBufferRef bytes,
                                 llvm::StringRef path,
                                 llvm::StringRef entryName);

} // namespace mlir::mlpc

#endif // MLPC_FRONTEND_ONNX_H
