//===- Product.h - how a register tile multiplies its weights ---*- C++ -*-===//
//
// A dense layer's K loop does one thing per step: acc += x · w for a
// broadcast activation and a vector of weights. For f32 weights that is one
// FMA per vector; narrower weights pack several K steps into each 32-bit
// lane (four bytes for vpdpbusd, two i16 or bf16 for vpmaddwd and
// vdpbf16ps), with the activations converted to match before the layer's
// loops (packRows), and the epilogue turns the accumulators back into the
// f32 that bias and activation take (finish). Which product a layer gets
// is chosen apart (chooseProduct), from the weights' type and the target.
//
//===----------------------------------------------------------------------===//
#ifndef MLPC_CPU_DENSEKERNEL_PRODUCT_H
#define MLPC_CPU_DENSEKERNEL_PRODUCT_H

#include "mlpc/CPU/TargetTuning.h"

#include "mlir/IR/Builders.h"

namespace mlir::mlpc {

enum class ProductKind {
  F32,         // fma(x, w)
  BF16Widen,   // fma(x, extf(w))
  BF16Dot,     // vdpbf16ps on bf16 pairs
  Int8Vnni,    // vpdpbusd on u8 x s8 quads
  Int8Maddwd,  // vpmaddwd on i16 pairs
  Int8Generic, // i32 multiply-add
};

struct Product {
  ProductKind kind = ProductKind::F32;
  /// K steps per 32-bit lane of the packed activations and weights.
  int64_t group = 1;

  bool isInt8() const {
    return kind == ProductKind::Int8Vnni || kind == ProductKind::Int8Maddwd ||
           kind == ProductKind::Int8Generic;
  }
  /// Whether the activations are converted into an i32 tensor of packed
  /// lanes (with row scales for int8) before the layer's loops.
  bool packsRows() const {
    return kind != ProductKind::F32 && kind != ProductKind::BF16Widen;
  }
  /// The type the weights are stored in.
  Type weightType(MLIRContext *ctx) const;
};

/// The product for weights of element type `weights` and depth `k` on a
/// target of `tuning`. vpdpbusd's offset activations reach 255 · 127 per
/// product, so layers deep enough for an i32 sum to overflow take
/// vpmaddwd (127 · 127) instead.
Product chooseProduct(Type weights, int64_t k, const TargetTuning &tuning);

/// The rows of a register tile for product `p` on `tuning`'s tile:
/// vdpbf16ps has a longer latency than the FMA, and 6 rows of 2 vectors
/// leave it waiting on its accumulators, so it takes 8 rows of 2 (16
/// accumulators, 2 weight vectors and a broadcast in 32 registers). Every
/// other product keeps the target's rows.
int64_t productTileRows(const Product &p, const TargetTuning &tuning);

/// The activations of a packing product: per row, `x` [M, K] converted
/// into lanes of `group` values ([M, ceil(K / V) · V / group] i32, V the
/// vector width), and for int8 the row scales [M] (max |x| / 127).
struct PackedRows {
  Value lanes, scales;
};
PackedRows packRows(OpBuilder &b, Location loc, Value x, const Product &p,
                    int64_t vectorWidth);

/// One K step: acc + x · w, with `xLane` the row's packed lane (i32) or
/// f32 activation and `w` the weights as PackedWeights reads them.
Value productStep(OpBuilder &b, Location loc, const Product &p, Value acc,
                  Value xLane, Value w);

/// The accumulator type of a tile vector of `width` lanes.
VectorType accumulatorType(MLIRContext *ctx, const Product &p, int64_t width);

/// What an int8 epilogue needs per column: the weights' scales, and for
/// vpdpbusd the correction 128 · Σ_k w[k, n] ([N] i32).
struct Int8Columns {
  Value scales, correction;
};

/// The accumulator as f32, `width` lanes: itself for f32 products; for
/// int8, sitofp(acc - correction) · (rowScale · scale) with the column
/// vectors read at `col`.
Value finishProduct(OpBuilder &b, Location loc, const Product &p, Value acc,
                    int64_t width, const Int8Columns &cols, Value col,
                    Value rowScale);

} // namespace mlir::mlpc

#endif // MLPC_CPU_DENSEKERNEL_PRODUCT_H
