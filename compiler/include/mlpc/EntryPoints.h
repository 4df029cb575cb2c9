//===- EntryPoints.h - names shared by the entry-point passes ---*- C++ -*-===//
#ifndef MLPC_ENTRYPOINTS_H
#define MLPC_ENTRYPOINTS_H

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
/// Left by mlp-plan-scratch on a kernel whose intermediates live in one
/// scratch buffer (its last argument): an upper bound of that buffer's bytes
/// per batch row (plus alignment), so the wrapper can bound the batch.
constexpr llvm::StringLiteral kScratchRowBytesAttr = "mlpc.scratch_row_bytes";
/// Left by mlp-mark-row-parallel on an entry whose batch rows are computed
/// independently of each other: the FLOPs per row (for the runtime to
/// judge whether splitting the batch over threads pays).
constexpr llvm::StringLiteral kRowParallelAttr = "mlpc.row_parallel_flops";
/// Left beside it: the bytes of the entry's largest weight matrix, which
/// tells mlp-emit-c-abi whether running a range in chunks of rows re-reads
/// weights from memory (see kRowChunkScratchBytes).
constexpr llvm::StringLiteral kRowWeightBytesAttr =
    "mlpc.row_parallel_weight_bytes";
/// Left by mlp-lower-dense on a function whose dense layers it tiled: the
/// rows of its register tile, which row-parallel splits keep whole.
constexpr llvm::StringLiteral kRowBlockAttr = "mlpc.row_block";
/// Left by mlp-outline-parallel on the declaration of each parallel loop's
/// launch: the function it outlined the loop's body into, for mlp-emit-c-abi
/// to define the launch with.
constexpr llvm::StringLiteral kParallelBodyAttr = "mlpc.parallel_body";
/// Dense layers with at least this many bytes of constant weights split
/// their columns over the runtime's threads (mlp-lower-dense emits an
/// scf.forall over column chunks): streaming that much from memory takes
/// longer than waking a thread, even at batch 1. Entries with such a layer
/// are not split by rows, which would make every thread read all weights.
constexpr int64_t kColumnSplitWeightBytes = 2 * 1024 * 1024;
/// Below that, layers with at least this many bytes of weights split their
/// columns over the threads only when the batch is smaller than the
/// register tile (batch 1 above all): a batch that small leaves nothing to
/// split by rows, and the layer's time is spent streaming its weights from
/// L2, which two cores do twice as fast, each from its own half.
constexpr int64_t kSmallBatchSplitWeightBytes = 256 * 1024;
/// Weight matrices up to this many bytes are expected to stay in L2 across
/// a whole call (half of a 512 KiB-1 MiB L2, leaving room for activations):
/// mlp-lower-dense runs such layers rows outer, reading the weights from L2
/// once per register tile of rows.
constexpr int64_t kL2WeightBytes = 512 * 1024;
/// A row-parallel entry whose layers all run rows outer computes each row
/// range in chunks of rows whose intermediates take about this many bytes,
/// so that one layer's output is still in L2 when the next layer reads it
/// (a batch of 4096 through mnist has 3.3 MB of intermediates). Its weights
/// are read once per row tile anyway, so chunks cost no extra weight
/// traffic; the scratch buffer is sized for one chunk, however large the
/// batch.
constexpr int64_t kRowChunkScratchBytes = 128 * 1024;

/// The private kernel behind the public entry point `entry`.
std::string kernelName(llvm::StringRef entry);

/// [array<i64: shape>, ...] of ranked tensor `types`, the form of
/// kArgShapesAttr and kResultShapesAttr.
mlir::ArrayAttr shapesAttr(mlir::Builder &b, mlir::TypeRange types);

} // namespace mlir::mlpc

#endif // MLPC_ENTRYPOINTS_H
