//===- RowPrefetch.h - prefetch of the next row tile's inputs ---*- C++ -*-===//
//
// Software prefetch of the rows of a layer's input that the next row tile
// will read, spread over the current tile's column panels. A tile of R rows
// reads R separate rows of x at once; when the rows are long (mnist's are
// 3 KiB) and x comes from beyond L2 (a large batch), the hardware's stream
// prefetcher trains anew on each of those short streams, and the tile's
// first panel waits for them. The prefetch gains a few percent when the
// input comes from memory and costs about one percent when it is in cache
// (bench/RESULTS.md). Each panel prefetches whole rows, a loop per row
// with a constant step: computing each line's row and column by division
// cost more than the prefetch gained.
//
//===----------------------------------------------------------------------===//
#ifndef MLPC_ROWPREFETCH_H
#define MLPC_ROWPREFETCH_H

#include "mlir/IR/Builders.h"

#include <optional>

namespace mlir::mlpc {

/// The prefetch of the next row tile of `x` (m x k) in a rows-outer loop.
struct RowPrefetch {
  Value rows;    // x, as a memref
  Value lastRow; // m - 1: the next tile's rows are clamped to it
  int64_t k, tileRows;

  /// Rows shorter than this form one stream with their neighbours, which
  /// the hardware prefetcher follows; rows of 1 KiB gained nothing
  /// measurable.
  static constexpr int64_t kMinRowBytes = 2048;

  /// The plan for a layer's input `x` of `m` rows, if it is worth one:
  /// x is an argument of the function (the caller's input, which nothing
  /// before the layer has brought into cache) and its rows are at least
  /// kMinRowBytes long.
  static std::optional<RowPrefetch> build(OpBuilder &b, Location loc, Value x,
                                          Value m, int64_t tileRows);

  /// During whole panel `panel` of the `numPanels` that the tile at row i
  /// runs: its share of the next tile's rows, every cache line of each.
  void emit(OpBuilder &b, Location loc, Value i, Value panel,
            int64_t numPanels) const;

  static constexpr int64_t kFloatsPerLine = 16;
};

} // namespace mlir::mlpc

#endif // MLPC_ROWPREFETCH_H
