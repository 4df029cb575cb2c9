//===- RowPrefetch.cpp - prefetch of the next row tile's inputs -----------===//
#include "RowPrefetch.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::mlpc;

std::optional<RowPrefetch> RowPrefetch::build(OpBuilder &b, Location loc,
                                              Value x, Value m,
                                              int64_t tileRows) {
  auto type = dyn_cast<RankedTensorType>(x.getType());
  if (!isa<BlockArgument>(x) || !type || type.getRank() != 2 ||
      type.isDynamicDim(1) || type.getDimSize(1) * 4 < kMinRowBytes ||
      tileRows < 1)
    return std::nullopt;
  int64_t k = type.getDimSize(1);
  // Any row stride: the argument may be a view.
  auto layout = StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic,
                                       {ShapedType::kDynamic, 1});
  Value rows = bufferization::ToBufferOp::create(
      b, loc,
      MemRefType::get({ShapedType::kDynamic, k}, type.getElementType(), layout),
      x, /*read_only=*/true);
  Value lastRow = arith::SubIOp::create(
      b, loc, m, arith::ConstantIndexOp::create(b, loc, 1));
  return RowPrefetch{rows, lastRow, k, tileRows};
}

void RowPrefetch::emit(OpBuilder &b, Location loc, Value i, Value panel,
                       int64_t numPanels) const {
  auto cst = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  // Panel p takes rows [p R / P, (p + 1) R / P) of the next tile: all of
  // them over the tile's panels, none twice.
  auto share = [&](Value p) {
    return arith::DivUIOp::create(
        b, loc, arith::MulIOp::create(b, loc, p, cst(tileRows)),
        cst(numPanels));
  };
  Value first = share(panel);
  Value end = share(arith::AddIOp::create(b, loc, panel, cst(1)));
  Value next = arith::AddIOp::create(b, loc, i, cst(tileRows));
  scf::ForOp::create(
      b, loc, first, end, cst(1), ValueRange{},
      [&](OpBuilder &rb, Location rl, Value r, ValueRange) {
        // The last tile's next rows lie past the input: its own last row
        // instead (prefetching is harmless; reading past x is not allowed).
        Value row = arith::MinUIOp::create(
            rb, rl, arith::AddIOp::create(rb, rl, next, r), lastRow);
        scf::ForOp::create(
            rb, rl, arith::ConstantIndexOp::create(rb, rl, 0),
            arith::ConstantIndexOp::create(rb, rl, k),
            arith::ConstantIndexOp::create(rb, rl, kFloatsPerLine),
            ValueRange{},
            [&](OpBuilder &lb, Location ll, Value col, ValueRange) {
              memref::PrefetchOp::create(lb, ll, rows, ValueRange{row, col},
                                         /*isWrite=*/false,
                                         /*localityHint=*/3,
                                         /*isDataCache=*/true);
              scf::YieldOp::create(lb, ll);
            });
        scf::YieldOp::create(rb, rl);
      });
}
