//===- Passes.h - mlpc passes -----------------------------------*- C++ -*-===//
#ifndef MLPC_PASSES_H
#define MLPC_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"
#include "mlp/MlpDialect.h"

namespace mlir::mlpc {

#define GEN_PASS_DECL
#include "mlpc/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mlpc/Passes.h.inc"

} // namespace mlir::mlpc

#endif // MLPC_PASSES_H
