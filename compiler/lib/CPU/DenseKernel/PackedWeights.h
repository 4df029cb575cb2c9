//===- PackedWeights.h - a dense layer's weights in panel order -*- C++ -*-===//
//
// Constant weights are packed at compile time into panels of P columns,
// [N/P][K][P]: the K x P block a register tile streams through is then
// contiguous (one cache line after the other, few TLB pages) instead of one
// line per 4*N bytes. Columns after the last whole panel go to a separate
// [K, N % P] constant. Both are resource blobs, so large weights are not
// hashed into the context. Weights that are not constants are read as
// [K, N], transposed at run time if given as [N, K].
//
//===----------------------------------------------------------------------===//
#ifndef MLPC_PACKEDWEIGHTS_H
#define MLPC_PACKEDWEIGHTS_H

#include "mlir/IR/Builders.h"

#include <functional>

namespace mlir::mlpc {

/// How a tile reads its weights.
struct PackedWeights {
  Value kn;           // [K, N], for non-constant weights
  Value panels, rest; // packed constants (either may be null)
  int64_t panelWidth = 1, packedCols = 0;
  /// Narrow weights in groups of `group` K steps per 32-bit lane: panels
  /// [N/P][ceil(K/group)][P * group], the rest [ceil(K/group)][(N % P) *
  /// group], the group's values of one column adjacent (zero past K).
  int64_t group = 1;
  Type elementType; // null for f32
  /// For vpdpbusd: 128 · Σ_k w[k, n] ([N] i32), what the activations'
  /// offset adds to each column's sum.
  Value correction;

  /// A reader of columns [j + off, j + off + width) at any k. `j` is either
  /// a constant or a multiple of panelWidth (a tile loop's induction
  /// variable); off is a multiple of the vector width, which divides
  /// panelWidth, so a read never crosses a panel.
  std::function<Value(OpBuilder &, Location, Value)>
  reader(OpBuilder &b, Location loc, Value j, int64_t off, int64_t width,
         Value pad) const;
};

/// The bytes packNarrowWeights (or, with group 1, element bytes 4 and no
/// correction, packWeights) stores for [K, N] weights.
int64_t packedBytes(int64_t k, int64_t n, int64_t elementBytes,
                    int64_t panelWidth, int64_t vectorWidth, int64_t group,
                    bool correction);

/// The weights `w` ([K, N], or [N, K] when `transposed`) packed into panels
/// of `panelWidth` columns when they are a constant, else as [K, N].
PackedWeights packWeights(OpBuilder &b, Location loc, Value w, bool transposed,
                          int64_t panelWidth);

/// Constant narrow (bf16 or i8) weights packed likewise in groups of
/// `group`, the rest's columns padded with zeros to whole vectors of
/// `vectorWidth`, with the vpdpbusd correction (padded with zeros to whole
/// panels) when `correction`.
PackedWeights packNarrowWeights(OpBuilder &b, Location loc, Value w,
                                bool transposed, int64_t panelWidth,
                                int64_t vectorWidth, int64_t group,
                                bool correction);

} // namespace mlir::mlpc

#endif // MLPC_PACKEDWEIGHTS_H
