//===- PanelPrefetch.h - prefetch of the next weight panel ------*- C++ -*-===//
//
// Software prefetch of the next weight panel, spread evenly over the row
// tiles of the current one. Without it the first row tile of each panel
// waits for the panel to stream in from memory, which at small batches
// costs a large share of the layer's time (docs/Design.md). Spread out, not
// in bursts: the same lines prefetched over the first third of each tile
// were slower than no prefetch at all.
//
//===----------------------------------------------------------------------===//
#ifndef MLPC_PANELPREFETCH_H
#define MLPC_PANELPREFETCH_H

#include "PackedWeights.h"

#include <optional>

namespace mlir::mlpc {

/// One row tile's share of the next panel's lines.
struct PanelPrefetch {
  Value panels;  // the packed weights, as a memref
  Value next;    // the panel to prefetch
  Value first;   // this tile's first line of it
  Value shift;   // one line per 2^shift K steps, first + K >> shift <= lines
  Value enabled; // few enough row tiles for the first one to matter
  int64_t tileCols;

  /// Prefetches line first + (k >> shift) of the next panel, if enabled.
  void emit(OpBuilder &b, Location loc, Value k) const;

  static constexpr int64_t kFloatsPerLine = 16;
};

/// How a panel loop shares out the next panel's lines: over the panel's
/// whole row tiles, `perTile` each, one every 2^shift K steps, where 2^shift
/// is the largest power of two that still leaves K >> shift >= perTile
/// steps to prefetch on (and no more steps than the panel has lines). A
/// tile's lines start at min(t * perTile, lines - (K >> shift)), so that
/// none lies past the panel's end.
struct PrefetchPlan {
  Value panels, perTile, shift, lastFirst, enabled;
  int64_t numPanels, tileCols;

  /// The plan for packed weights `w` of depth k, whose whole row tiles of
  /// `tileRows` rows cover rows [0, mFull); none if there are no panels.
  static std::optional<PrefetchPlan> build(OpBuilder &b, Location loc,
                                           const PackedWeights &w, int64_t k,
                                           int64_t tileCols, int64_t tileRows,
                                           Value mFull);

  /// The panel after the one at column j (the last panel's: itself).
  Value nextPanel(OpBuilder &b, Location loc, Value j) const;

  /// The prefetch of the tile of `tileRows` rows from row i.
  PanelPrefetch forTile(OpBuilder &b, Location loc, Value next, Value i,
                        int64_t tileRows) const;

  /// Up to this many row tiles per panel, the first tile's wait is worth
  /// hiding.
  static constexpr int64_t kMaxTiles = 16;
};

} // namespace mlir::mlpc

#endif // MLPC_PANELPREFETCH_H
