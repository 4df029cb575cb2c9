//===- RowPrefetch.h - prefetch of the next row tile's inputs ---*- C++ -*-===//
//
// Software prefetch of the rows of a layer's input that the next row tile
// will read, spread over the current tile's column panels. A tile of R rows
// reads R separate rows of x at once; when the rows are long (mnist's are
// 3 KiB) and x comes from beyond L2 (a large batch), the hardware's stream
// prefetcher trains anew on each of those short streams, and the tile's
// first panel waits for them. Measured on a 2-vCPU Zen 5 VM, the whole
// mnist model (its first layer's rows are 3 KiB): at batch 4096 (13 MB of
// input) 1.037-1.055x faster on one thread and 1.03-1.07x on two; at
// batches 64 and 256 with a new input each call (cycling through 51 MB)
// 1.05-1.07x on one thread and 1.025x on two; with the same input every
// call, in cache, 0.986-0.998x at batches 32 and 256 (the prefetches'
// cost), and batches 1 and 8 alike (0.996-0.999x).
// Each panel prefetches whole rows, a loop per row with a constant step
// (mnist: 6 rows of 49 lines each, as 1, 2, 1 and 2 rows over the 4
// panels); the same lines with each one's row and column computed by
// division made the layer 5-13% slower at every batch.
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
  /// the hardware prefetcher follows. Longer ones were measured to gain
  /// only at 3 KiB; with 1 KiB rows (256 inputs), 0.987-1.013x.
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
