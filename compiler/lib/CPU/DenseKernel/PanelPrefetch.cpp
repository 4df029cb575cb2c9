//===- PanelPrefetch.cpp - prefetch of the next weight panel --------------===//
#include "PanelPrefetch.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::mlpc;

void PanelPrefetch::emit(OpBuilder &ob, Location loc, Value k) const {
  auto ifOp = scf::IfOp::create(ob, loc, enabled, /*withElse=*/false);
  OpBuilder b = ifOp.getThenBodyBuilder();
  auto cst = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  Value line = arith::AddIOp::create(b, loc, first,
                                     arith::ShRUIOp::create(b, loc, k, shift));
  // Line l holds floats [16 l, 16 l + 16) of the panel's [K][tileCols].
  Value flat = arith::MulIOp::create(b, loc, line, cst(kFloatsPerLine));
  Value row = arith::DivUIOp::create(b, loc, flat, cst(tileCols));
  Value lane = arith::RemUIOp::create(b, loc, flat, cst(tileCols));
  memref::PrefetchOp::create(b, loc, panels, ValueRange{next, row, lane},
                             /*isWrite=*/false, /*localityHint=*/2,
                             /*isDataCache=*/true);
}

std::optional<PrefetchPlan> PrefetchPlan::build(OpBuilder &b, Location loc,
                                                const PackedWeights &w,
                                                int64_t k, int64_t tileCols,
                                                int64_t tileRows, Value mFull) {
  if (!w.panels || tileRows < 2)
    return std::nullopt;
  auto idx = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  int64_t lines = (k * tileCols * 4 + 63) / 64, minShift = 0;
  while ((k >> minShift) > lines)
    ++minShift;
  PrefetchPlan plan;
  plan.tileCols = tileCols;
  plan.numPanels = cast<RankedTensorType>(w.panels.getType()).getDimSize(0);
  plan.panels = bufferization::ToBufferOp::create(
      b, loc, MemRefType::get({plan.numPanels, k, tileCols}, b.getF32Type()),
      w.panels, /*read_only=*/true);
  Value tiles = arith::MaxUIOp::create(
      b, loc, arith::DivUIOp::create(b, loc, mFull, idx(tileRows)), idx(1));
  // The first tile's wait for its panel is worth hiding while it is a
  // noticeable part of the panel's time. At 86 tiles (batch 512) the
  // prefetch's 4 instructions per K step cost 3-8% instead; the check
  // is loop-invariant, and LLVM unswitches the K loop on it.
  plan.enabled = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, tiles,
                                       idx(kMaxTiles));
  plan.perTile = arith::CeilDivUIOp::create(b, loc, idx(lines), tiles);
  Value ratio = arith::MaxUIOp::create(
      b, loc, arith::DivUIOp::create(b, loc, idx(k), plan.perTile), idx(1));
  // floor(log2(ratio)) = 63 - ctlz(ratio).
  Value log2 = arith::SubIOp::create(
      b, loc, arith::ConstantIntOp::create(b, loc, b.getI64Type(), 63),
      math::CountLeadingZerosOp::create(
          b, loc, arith::IndexCastUIOp::create(b, loc, b.getI64Type(), ratio)));
  plan.shift = arith::MaxUIOp::create(
      b, loc, arith::IndexCastUIOp::create(b, loc, b.getIndexType(), log2),
      idx(minShift));
  plan.lastFirst = arith::SubIOp::create(
      b, loc, idx(lines), arith::ShRUIOp::create(b, loc, idx(k), plan.shift));
  return plan;
}

Value PrefetchPlan::nextPanel(OpBuilder &b, Location loc, Value j) const {
  auto idx = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  return arith::MinUIOp::create(
      b, loc,
      arith::AddIOp::create(
          b, loc, arith::DivUIOp::create(b, loc, j, idx(tileCols)), idx(1)),
      idx(numPanels - 1));
}

PanelPrefetch PrefetchPlan::forTile(OpBuilder &b, Location loc, Value next,
                                    Value i, int64_t tileRows) const {
  Value t = arith::DivUIOp::create(
      b, loc, i, arith::ConstantIndexOp::create(b, loc, tileRows));
  Value first = arith::MinUIOp::create(
      b, loc, arith::MulIOp::create(b, loc, t, perTile), lastFirst);
  return PanelPrefetch{panels, next, first, shift, enabled, tileCols};
}
