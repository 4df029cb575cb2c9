//===- DenseSchedule.h - how a dense layer's loops are laid out -*- C++ -*-===//
//
// The choice of a dense layer's schedule, apart from the IR that carries it
// out (DenseKernel.cpp): a pure function of the layer's shape and the
// target's tuning, unit-tested on its own (test/CPU/DenseScheduleTest.cpp).
// docs/Design.md explains each strategy and the threshold that picks it.
//
//===----------------------------------------------------------------------===//
#ifndef MLPC_CPU_DENSEKERNEL_DENSESCHEDULE_H
#define MLPC_CPU_DENSEKERNEL_DENSESCHEDULE_H

#include "mlpc/CPU/TargetTuning.h"
#include "llvm/ADT/StringRef.h"

#include <optional>

namespace mlir::mlpc {

/// The loop order of a dense layer.
enum class DenseStrategy {
  /// Each register tile of rows passes over all columns: the weights stay
  /// in L2 across row tiles, a tile's rows of x in L1.
  RowsOuter,
  /// Columns in groups whose weights fit in half of L2, rows outer inside
  /// each group.
  ColumnGroups,
  /// Each panel of tile-cols columns stays in cache while every row tile
  /// passes over it, prefetching the next panel.
  PanelsOuter,
  /// Panels outer inside column chunks that the runtime splits over
  /// threads at any batch.
  ColumnSplit,
};

/// The strategy's name in mlp-lower-dense's `strategy` option.
llvm::StringRef strategyName(DenseStrategy s);
/// The strategy a name (as strategyName spells it) stands for.
std::optional<DenseStrategy> parseStrategy(llvm::StringRef name);

/// What the schedule is chosen from.
struct DenseShape {
  int64_t k = 0, n = 0; // x is [M, k], the output [M, n]
  /// A softmax fused into the epilogue needs whole rows in one tile, so it
  /// is never split by columns.
  bool fusedHead = false;

  /// 4 for f32 weights, 2 for bf16, 1 for i8.
  int64_t weightElementBytes = 4;

  int64_t weightBytes() const { return k * n * weightElementBytes; }
};

struct DenseSchedule {
  DenseStrategy strategy = DenseStrategy::RowsOuter;
  /// ColumnGroups: the columns of one group (a multiple of tile-cols).
  int64_t groupCols = 0;
  /// RowsOuter, ColumnGroups, PanelsOuter: when nonzero, a batch smaller
  /// than a row tile splits its columns over threads in chunks of this many
  /// columns, its rows as one tile of their exact count.
  int64_t smallBatchChunkCols = 0;
  /// ColumnSplit: the columns of one task for a batch of at least one
  /// whole row tile (one panel), and below it (one wide tile).
  int64_t splitChunkCols = 0;
  int64_t smallSplitChunkCols = 0;
};

/// The schedule for a layer of `shape` on a target of `tuning`; with
/// `forced`, that strategy with the parameters it needs (for tests, and to
/// compare strategies on one layer).
DenseSchedule chooseDenseSchedule(const DenseShape &shape,
                                  const TargetTuning &tuning,
                                  std::optional<DenseStrategy> forced = {});

} // namespace mlir::mlpc

#endif // MLPC_CPU_DENSEKERNEL_DENSESCHEDULE_H
