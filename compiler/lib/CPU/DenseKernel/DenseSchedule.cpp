//===- DenseSchedule.cpp - choosing a dense layer's loop order ------------===//
#include "DenseSchedule.h"

#include "llvm/ADT/StringSwitch.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::mlpc;

llvm::StringRef mlpc::strategyName(DenseStrategy s) {
  switch (s) {
  case DenseStrategy::RowsOuter:
    return "rows-outer";
  case DenseStrategy::ColumnGroups:
    return "column-groups";
  case DenseStrategy::PanelsOuter:
    return "panels-outer";
  case DenseStrategy::ColumnSplit:
    return "column-split";
  }
  return "";
}

std::optional<DenseStrategy> mlpc::parseStrategy(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<DenseStrategy>>(name)
      .Case("rows-outer", DenseStrategy::RowsOuter)
      .Case("column-groups", DenseStrategy::ColumnGroups)
      .Case("panels-outer", DenseStrategy::PanelsOuter)
      .Case("column-split", DenseStrategy::ColumnSplit)
      .Default(std::nullopt);
}

/// Columns of one task when a batch below a row tile splits a mid-size
/// layer: enough independent accumulators to hide the FMA latency for one
/// row (8 vectors of 8 lanes, or 4 of 16), so that a 128-column layer still
/// splits in two on AVX-512. 0 when the layer does not split so.
static int64_t smallBatchChunk(const DenseShape &shape, const TargetTuning &t) {
  int64_t chunk = (t.vectorWidth >= 16 ? 4 : 8) * t.vectorWidth;
  int64_t bytes = shape.weightBytes();
  if (t.tileRows == 1 || shape.fusedHead ||
      bytes < t.smallBatchSplitWeightBytes ||
      bytes >= t.columnSplitWeightBytes || shape.n <= chunk)
    return 0;
  return chunk;
}

/// Columns per group such that a group's weights take half of L2, in whole
/// panels; 0 or one panel when K is too deep for that.
static int64_t groupColumns(const DenseShape &shape, const TargetTuning &t) {
  return t.l2WeightBytes / 2 / (shape.weightElementBytes * shape.k) /
         t.tileCols * t.tileCols;
}

static DenseStrategy autoStrategy(const DenseShape &shape,
                                  const TargetTuning &t) {
  int64_t bytes = shape.weightBytes();
  if (bytes <= t.l2WeightBytes)
    return DenseStrategy::RowsOuter;
  // Under 2 MiB the weights stay in L3, and groups read them from there
  // once per group; larger layers stream from memory, which the panels'
  // prefetch of the next panel hides better.
  bool grouped =
      groupColumns(shape, t) > t.tileCols && bytes < t.columnSplitWeightBytes;
  if (bytes < t.columnSplitWeightBytes || shape.n <= t.tileCols * t.tileRows)
    return grouped ? DenseStrategy::ColumnGroups : DenseStrategy::PanelsOuter;
  return DenseStrategy::ColumnSplit;
}

DenseSchedule mlpc::chooseDenseSchedule(const DenseShape &shape,
                                        const TargetTuning &tuning,
                                        std::optional<DenseStrategy> forced) {
  DenseSchedule s;
  s.strategy = forced ? *forced : autoStrategy(shape, tuning);
  switch (s.strategy) {
  case DenseStrategy::ColumnGroups:
    // At least two panels a group, as the group loop needs a whole one.
    s.groupCols = std::max(groupColumns(shape, tuning), 2 * tuning.tileCols);
    [[fallthrough]];
  case DenseStrategy::RowsOuter:
  case DenseStrategy::PanelsOuter:
    s.smallBatchChunkCols = smallBatchChunk(shape, tuning);
    break;
  case DenseStrategy::ColumnSplit:
    // One panel a task splits the columns evenly; below a row tile, one
    // wide tile a task keeps the full tile's number of accumulators.
    s.splitChunkCols = tuning.tileCols;
    s.smallSplitChunkCols = tuning.tileCols * tuning.tileRows;
    break;
  }
  return s;
}
