//===- Utils/Attributes.h - what passes leave for each other ----*- C++ -*-===//
#ifndef MLPC_UTILS_ATTRIBUTES_H
#define MLPC_UTILS_ATTRIBUTES_H

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringRef.h"
#include <string>

namespace mlir::mlpc {

/// Attributes that mlp-entry-points leaves on each kernel for mlp-emit-c-abi:
/// the public name, and the shapes of arguments and results (dynamic
/// dimensions as ShapedType::kDynamic).
constexpr llvm::StringLiteral kEntryNameAttr = "mlpc.entry_name";
constexpr llvm::StringLiteral kArgShapesAttr = "mlpc.arg_shapes";
constexpr llvm::StringLiteral kResultShapesAttr = "mlpc.result_shapes";
/// On an entry's i32 argument (set when its loss is lowered), then on its
/// kernel as one value per argument (0: not class indices): the number of
/// classes, which every index must be below.
/// Left by mlp-trace-entries: on NAME_trace, the entry it traces; on each
/// of its results, its name ("out0", "z1", "a1", ...) and what computes it.
constexpr llvm::StringLiteral kTraceOfAttr = "mlpc.trace_of";
constexpr llvm::StringLiteral kTraceNameAttr = "mlpc.trace_name";
constexpr llvm::StringLiteral kTraceLayerAttr = "mlpc.trace_layer";
constexpr llvm::StringLiteral kClassCountAttr = "mlpc.class_count";
constexpr llvm::StringLiteral kClassCountsAttr = "mlpc.class_counts";
/// Left by mlp-plan-scratch on a kernel whose intermediates live in one
/// scratch buffer (its last argument): an upper bound of that buffer's bytes
/// per batch row (plus alignment), so the wrapper can bound the batch.
constexpr llvm::StringLiteral kScratchRowBytesAttr = "mlpc.scratch_row_bytes";
/// Also left by mlp-plan-scratch, for mlpc --stats: per scratch buffer, its
/// bytes without the batch and whether the batch multiplies them (1 or 0);
/// each is rounded up to kScratchAlign bytes.
constexpr llvm::StringLiteral kScratchPlanAttr = "mlpc.scratch_plan";
constexpr int64_t kScratchAlign = 64;
/// Left by mlp-mark-row-parallel on an entry whose batch rows are computed
/// independently of each other: the FLOPs per row (for the runtime to
/// judge whether splitting the batch over threads pays).
constexpr llvm::StringLiteral kRowParallelAttr = "mlpc.row_parallel_flops";
/// Left beside it: the bytes of the entry's largest weight matrix, which
/// tells mlp-emit-c-abi whether running a range in chunks of rows re-reads
/// weights from memory (see TargetTuning::rowChunkScratchBytes).
constexpr llvm::StringLiteral kRowWeightBytesAttr =
    "mlpc.row_parallel_weight_bytes";
/// Left by mlp-lower-dense on a function whose dense layers it tiled: the
/// rows of its register tile, which row-parallel splits keep whole.
constexpr llvm::StringLiteral kRowBlockAttr = "mlpc.row_block";
/// Left by mlp-outline-parallel on the declaration of each parallel loop's
/// launch: the function it outlined the loop's body into, for mlp-emit-c-abi
/// to define the launch with.
constexpr llvm::StringLiteral kParallelBodyAttr = "mlpc.parallel_body";
/// The private kernel behind the public entry point `entry`.
std::string kernelName(llvm::StringRef entry);

/// [array<i64: shape>, ...] of ranked tensor `types`, the form of
/// kArgShapesAttr and kResultShapesAttr.
mlir::ArrayAttr shapesAttr(mlir::Builder &b, mlir::TypeRange types);

} // namespace mlir::mlpc

#endif // MLPC_UTILS_ATTRIBUTES_H
