//===- LowerDense.cpp - mlp.dense -> register-tiled kernel ----------------===//
//
// The output is computed in tiles of R rows x C columns held in vector
// registers (each row as C/V vectors of V lanes):
//
//   for i in rows step R:        (then the leftover rows as one wider tile)
//     for j in cols step C:                (then one narrower tile, C' < C)
//       acc[0..R) = 0
//       for k in 0..K:  acc[r] = fma(broadcast(x[i+r][k]), w[k][j:j+C], acc[r])
//       out[i+r][j:j+C] = act(acc[r] + b[j:j+C])     <- the only store
//
// so bias and activation are applied to the accumulators before the single
// store, and nothing is written to memory between the product and the
// activation. Constant weights are packed at compile time into panels of C
// columns ([N/C][K][C], PackedWeights.h), so a tile streams contiguous
// memory and never gathers. When the weights do not fit in L2, the columns go
// in groups that do, each group's rows outer as above (layers under 2 MiB whose
// panels are short), or the two outer loops swap: each K x C panel stays
// in cache while all rows pass over it, and each row tile prefetches its
// share of the next panel, one cache line every few K steps, so that the
// next panel streams in while this one is computed instead of holding up
// its first tile (PanelPrefetch.h). Rows outer, each row tile of the
// model's input prefetches the next tile's rows during its panels
// (RowPrefetch.h).
//
// Layers too large for one core's share of the work split their columns
// over threads: at any batch from 2 MiB of weights, and below a whole row
// tile from 256 KiB (an scf.forall over column chunks, which
// mlp-outline-parallel hands to the runtime).
//
// A residual add after a layer without activation, and the activation
// after the add, go into the same epilogue (LowerDenseWithResidual).
//
// Every output element is computed by the same FMA sequence (k = 0..K-1
// from zero, then bias, then activation) whichever tile covers it, so the
// batch size and the split over threads never change a result.
//
//===----------------------------------------------------------------------===//
#include "mlp/MlpOps.h"
#include "mlpc/Activation.h"
#include "mlpc/EntryPoints.h"
#include "mlpc/LinalgBuilders.h"
#include "mlpc/PackedWeights.h"
#include "mlpc/PanelPrefetch.h"
#include "mlpc/Passes.h"
#include "mlpc/RowPrefetch.h"
#include "mlpc/VectorReduce.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <functional>

namespace mlir::mlpc {
#define GEN_PASS_DEF_LOWERDENSE
#include "mlpc/Passes.h.inc"
} // namespace mlir::mlpc

using namespace mlir;
using namespace mlir::mlp;
using mlpc::PackedWeights;
using mlpc::PanelPrefetch;
using mlpc::PrefetchPlan;
using mlpc::RowPrefetch;

namespace {

/// What the epilogue applies to each row after bias and activation.
enum class Head { None, Softmax, LogSoftmax };

/// What a tile does to its accumulators before the store: add the bias,
/// then the residual's element at the same place (if any), then apply the
/// activation, then normalize the row (head). In that order the fused
/// kernel computes bit for bit what the unfused ops do.
struct Epilogue {
  Value residual;       // [M, N] like the result, or null
  StringRef activation; // a name mlp.dense accepts
  float alpha = 0;      // leaky_relu's slope
  Head head = Head::None;

  /// The epilogue of `op` alone, with `head`.
  static Epilogue of(DenseOp op, Head head = Head::None) {
    return {Value(), op.getActivation(), op.getAlpha().convertToFloat(), head};
  }
};

using DestinationFn = function_ref<Value(OpBuilder &, Location, Value)>;

/// `thenFn(dest)` if `cond`, else `elseFn(dest)`, as two loops of zero or
/// one trip chained on `dest`, not an scf.if with a tensor result. An
/// scf.if cannot take `dest` as an operand: each branch would name it from
/// outside, and eliminate-empty-tensors then makes only one branch write to
/// the caller's buffer, which one varying from run to run (hash order), so
/// that the other wrote to scratch and copied, and the same model compiled
/// to different objects. Loops carry `dest` through, and both paths write
/// in place.
static Value destinationIf(OpBuilder &b, Location loc, Value cond, Value dest,
                           DestinationFn thenFn, DestinationFn elseFn) {
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
  auto once = [&](Value runs, Value o, DestinationFn fn) {
    return scf::ForOp::create(
               b, loc, c0, runs, c1, o,
               [&](OpBuilder &lb, Location l, Value, ValueRange it) {
                 scf::YieldOp::create(lb, l, fn(lb, l, it[0]));
               })
        .getResult(0);
  };
  Value thenRuns = arith::SelectOp::create(b, loc, cond, c1, c0);
  Value elseRuns = arith::SelectOp::create(b, loc, cond, c0, c1);
  return once(elseRuns, once(thenRuns, dest, thenFn), elseFn);
}

struct DenseKernel {
  int64_t tileRows, tileCols, vectorWidth;
  /// How many of a tile's accumulators go through a costly activation at a
  /// time (see mlpc::buildActivations).
  static constexpr int64_t kActivationsPerGroup = 6;

  /// The kernel needs static K and N.
  static bool applies(DenseOp op) {
    auto wType = cast<RankedTensorType>(op.getW().getType());
    auto xType = cast<RankedTensorType>(op.getX().getType());
    return wType.hasStaticShape() && !xType.isDynamicDim(1);
  }

  /// The softmax or log_softmax over the last axis that is `op`'s only user,
  /// when a whole row fits in one tile (N <= tile-cols), so the epilogue
  /// can normalize each row in registers before the store.
  std::optional<std::pair<Operation *, Head>> fusableHead(DenseOp op) const {
    if (!op->hasOneUse())
      return std::nullopt;
    Operation *user = *op->getUsers().begin();
    auto axisIsLast = [](int64_t axis) { return axis == -1 || axis == 1; };
    int64_t n = cast<RankedTensorType>(op.getType()).getDimSize(1);
    if (n > tileCols)
      return std::nullopt;
    if (auto s = dyn_cast<SoftmaxOp>(user);
        s && axisIsLast(static_cast<int64_t>(s.getAxis())))
      return std::pair{user, Head::Softmax};
    if (auto s = dyn_cast<LogSoftmaxOp>(user);
        s && axisIsLast(static_cast<int64_t>(s.getAxis())))
      return std::pair{user, Head::LogSoftmax};
    return std::nullopt;
  }

  /// A residual connection after `op`: add(op, r) or add(r, op), with r of
  /// the result's own shape (no broadcast) and `op` without an activation
  /// and with no other user, optionally followed by an activation that is
  /// the add's only user. The kernel then adds r's element after the bias
  /// and applies that activation, and the sum never goes to memory.
  struct Residual {
    AddOp add;
    Value value;
    Operation *activation; // or null
  };
  static std::optional<Residual> fusableResidual(DenseOp op) {
    if (!op->hasOneUse() || op.getActivation() != "none")
      return std::nullopt;
    auto add = dyn_cast<AddOp>(*op->getUsers().begin());
    if (!add || add.getType() != op.getType())
      return std::nullopt;
    Value other = add.getA() == op.getResult() ? add.getB() : add.getA();
    if (other.getType() != op.getType())
      return std::nullopt;
    Operation *act = nullptr;
    if (add->hasOneUse() &&
        getActivationSpec(*add->getUsers().begin()).has_value())
      act = *add->getUsers().begin();
    return Residual{add, other, act};
  }

  /// Builds the kernel for `op` with epilogue `ep` and returns the result.
  Value lower(DenseOp op, const Epilogue &ep, PatternRewriter &b) const {
    Location loc = op.getLoc();
    Value x = op.getX(), bias = op.getB();
    PackedWeights w =
        mlpc::packWeights(b, loc, op.getW(), op.getTransposeW(), tileCols);
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t n = resultType.getDimSize(1);

    Value out = mlpc::emptyLike(b, loc, resultType, x, {0, 1});
    Value m = tensor::DimOp::create(b, loc, x, 0);
    Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
    Value cR = arith::ConstantIndexOp::create(b, loc, tileRows);
    // Rows in whole tiles: m - m % R.
    Value mFull =
        arith::SubIOp::create(b, loc, m, arith::RemUIOp::create(b, loc, m, cR));

    // Rows outer over layer columns [j0, j0 + width) of o: each register
    // tile of rows passes over all of the columns, so its rows of x stay in
    // L1 while the columns' weights come from L2; then the leftover rows
    // (all of batch 1).
    auto rowsOuter = [&](OpBuilder &rb, Location l, Value j0, int64_t width,
                         Value o) {
      // Each tile brings in the next tile's rows of x during its whole
      // panels (RowPrefetch.h).
      std::optional<RowPrefetch> ahead =
          width >= tileCols ? RowPrefetch::build(rb, l, x, m, tileRows)
                            : std::nullopt;
      auto loop = scf::ForOp::create(
          rb, l, c0, mFull, cR, o,
          [&](OpBuilder &lb, Location ll, Value i, ValueRange iter) {
            scf::YieldOp::create(lb, ll,
                                 rowBlock(lb, ll, x, w, bias, j0, j0, width, i,
                                          tileRows, tileCols, iter[0], ep,
                                          ahead ? &*ahead : nullptr));
          });
      return leftoverRows(rb, l, x, w, bias, j0, j0, width, mFull,
                          arith::SubIOp::create(rb, l, m, mFull),
                          tileCols * tileRows, loop.getResult(0), ep);
    };
    int64_t k = cast<RankedTensorType>(x.getType()).getDimSize(1);
    int64_t weightBytes = k * n * 4;
    // Batches smaller than the tile in mid-size layers: columns split over
    // threads, the rows as one tile of their exact count. A chunk has
    // enough independent accumulators to hide the FMA latency for one row:
    // 8 vectors of 8 lanes, or 4 of 16 (64 lanes either way, 4 cycles of
    // Zen 4's 16 FMA lanes per cycle). With 8 of 16, mnist's 128-column
    // layer was one chunk and never split on AVX-512; split in two, mnist
    // on two threads of a Zen 4 runs 1.41-1.64x faster at batches 1-5.
    int64_t smallChunk = (vectorWidth >= 16 ? 4 : 8) * vectorWidth;
    auto smallBatchSplit = [&](function_ref<Value(Value)> otherwise) {
      if (tileRows == 1 || ep.head != Head::None ||
          weightBytes < mlpc::kSmallBatchSplitWeightBytes ||
          weightBytes >= mlpc::kColumnSplitWeightBytes || n <= smallChunk)
        return otherwise(out);
      Value small =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, mFull, c0);
      return destinationIf(
          b, loc, small, out,
          [&](OpBuilder &tb, Location tl, Value o) {
            return columnForall(tb, tl, o, m, n, smallChunk, 2 * k * smallChunk,
                                [&](OpBuilder &fb, Location l, Value j0,
                                    int64_t width, Value slice) {
                                  return leftoverRows(fb, l, x, w, bias, j0, c0,
                                                      width, c0, m, smallChunk,
                                                      slice, ep);
                                });
          },
          [&](OpBuilder &eb, Location el, Value o) {
            OpBuilder::InsertionGuard guard(b);
            b.setInsertionPoint(eb.getInsertionBlock(), eb.getInsertionPoint());
            return otherwise(o);
          });
    };
    // Weights that fit in L2 stay there across the row tiles.
    if (weightBytes <= mlpc::kL2WeightBytes)
      return smallBatchSplit(
          [&](Value o) { return rowsOuter(b, loc, c0, n, o); });

    // Weights too large for L2 but not streamed from memory each call
    // (under 2 MiB, they stay in L3), with K small enough for several
    // panels to fit in half of L2: column groups of that many panels
    // outer, rows outer inside each group. A group's weights come from L3
    // for the first row tile and from L2 for the others, while each row
    // tile's x stays in L1 across the group's columns; panels outer would
    // read all of x from L2 once per panel instead. Against panels outer
    // (interleaved runs, 256-1000): batch 64 1.01-1.09x on one thread and
    // 1.14-1.18x on two, batch 12 1.11x, batch 512 1.04-1.12x. Layers of 2
    // MiB and more keep panels outer, whose prefetch of the next panel hides
    // the memory latency that a group's first row tile would wait for (the
    // 1024-4096 layer in groups inside its column chunks: 0.97-1.01x).
    int64_t groupCols =
        mlpc::kL2WeightBytes / 2 / (4 * k) / tileCols * tileCols;
    bool grouped =
        groupCols > tileCols && weightBytes < mlpc::kColumnSplitWeightBytes;
    // All columns, in groups of groupCols (at least two whole ones, as a
    // group is half the L2 budget; the last one narrower, at a constant
    // column, which the weight reader needs for columns after the last
    // panel).
    auto groups = [&](Value o) {
      auto cst = [&](int64_t v) {
        return arith::ConstantIndexOp::create(b, loc, v);
      };
      int64_t full = n - n % groupCols;
      o = scf::ForOp::create(
              b, loc, c0, cst(full), cst(groupCols), o,
              [&](OpBuilder &gb, Location gl, Value g, ValueRange it) {
                scf::YieldOp::create(gb, gl,
                                     rowsOuter(gb, gl, g, groupCols, it[0]));
              })
              .getResult(0);
      if (n % groupCols)
        o = rowsOuter(b, loc, cst(full), n % groupCols, o);
      return o;
    };

    // Otherwise column panels outer: one K x tileCols panel of weights
    // stays in L2 while every row block of the batch passes over it, so
    // each weight is read from memory once per call instead of once per
    // row block.
    std::optional<PrefetchPlan> plan;
    if (!grouped)
      plan = PrefetchPlan::build(b, loc, w, k, tileCols, tileRows, mFull);
    // Columns [j0, j0 + width) of the layer into columns [jOut0, ...) of o.
    // Rows [0, whole) go in whole row tiles inside each panel and rows
    // [whole, inPanels) in one leftover tile there; the rest after the
    // panels. The callers pass what they know (constants fold the unused
    // loops away): all rows in the panels if there is a whole row tile,
    // else none (inPanels = whole = 0).
    auto panels = [&](OpBuilder &pb, Location l, Value j0, Value jOut0,
                      int64_t width, Value whole, Value inPanels, Value o) {
      auto cst = [&](int64_t v) {
        return arith::ConstantIndexOp::create(pb, l, v);
      };
      // Folded: the weight reader needs constant columns to be constants.
      auto add = [&](Value a, Value v) {
        return pb.createOrFold<arith::AddIOp>(l, a, v);
      };
      auto panel = [&](OpBuilder &qb, Location ql, Value j, Value jOut,
                       int64_t cols, Value po) {
        // A whole panel prefetches the next one.
        Value next =
            plan && cols == tileCols ? plan->nextPanel(qb, ql, j) : Value();
        po = scf::ForOp::create(
                 qb, ql, c0, whole, cR, po,
                 [&](OpBuilder &ib, Location il, Value i, ValueRange it) {
                   std::optional<PanelPrefetch> prefetch;
                   if (next)
                     prefetch = plan->forTile(ib, il, next, i, tileRows);
                   scf::YieldOp::create(ib, il,
                                        tile(ib, il, x, w, bias, i, tileRows, j,
                                             cols, it[0], ep, jOut,
                                             prefetch ? &*prefetch : nullptr));
                 })
                 .getResult(0);
        // Leftover rows, while the panel is in cache: one tile of exactly
        // that many rows (a switch over 1 .. tile-rows - 1), so that they
        // keep several accumulators per row instead of crawling along
        // one-row FMA chains. When there is no whole block at all (batch <
        // tile-rows), they are done below with wide tiles instead, which
        // suits a tiny batch.
        return rowCountSwitch(
            qb, ql, arith::SubIOp::create(qb, ql, inPanels, whole), po,
            [&](int64_t r) {
              return tile(qb, ql, x, w, bias, whole, r, j, cols, po, ep, jOut);
            });
      };
      int64_t full = width - width % tileCols;
      if (full > 0)
        o = scf::ForOp::create(
                pb, l, cst(0), cst(full), cst(tileCols), o,
                [&](OpBuilder &jb, Location jl, Value jj, ValueRange it) {
                  scf::YieldOp::create(jb, jl,
                                       panel(jb, jl, add(j0, jj),
                                             add(jOut0, jj), tileCols, it[0]));
                })
                .getResult(0);
      if (width % tileCols)
        o = panel(pb, l, add(j0, cst(full)), add(jOut0, cst(full)),
                  width % tileCols, o);
      // A batch without a whole row block (inPanels = 0): one tile of its
      // exact row count, so that the weights stream from memory once.
      return leftoverRows(pb, l, x, w, bias, j0, jOut0, width, inPanels,
                          pb.createOrFold<arith::SubIOp>(l, m, inPanels),
                          tileCols * tileRows, o, ep);
    };

    int64_t chunk = tileCols * tileRows;
    if (weightBytes < mlpc::kColumnSplitWeightBytes || n <= chunk)
      return smallBatchSplit([&](Value o) {
        if (grouped)
          return groups(o);
        Value hasBlock =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, mFull, c0);
        return panels(b, loc, c0, c0, n, mFull,
                      arith::SelectOp::create(b, loc, hasBlock, m, mFull), o);
      });

    // Large layers: column chunks split over threads at any batch, each
    // thread taking one contiguous range of chunks. A batch smaller than a
    // row tile takes chunks of one wide tile, whose few rows then keep the
    // full tile's number of accumulators. Larger batches take one panel per
    // chunk, so that the ranges split the columns evenly: with chunks of one
    // wide tile (96 columns on AVX2), two threads split 4096 columns 2112 /
    // 1984 and 1024 columns 576 / 448 (a 4096-1024 layer at batch 64 runs
    // 1.09-1.11x faster on two threads with one panel per chunk, the same on
    // one thread).
    auto split = [&](OpBuilder &sb, Location sl, int64_t width, Value whole,
                     Value inPanels, Value o) {
      return columnForall(
          sb, sl, o, m, n, width, 2 * k * width,
          [&](OpBuilder &fb, Location l, Value j0, int64_t cols, Value slice) {
            return panels(fb, l, j0, c0, cols, whole, inPanels, slice);
          });
    };
    if (tileRows == 1)
      return split(b, loc, chunk, m, m, out);
    Value small =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, mFull, c0);
    return destinationIf(
        b, loc, small, out,
        [&](OpBuilder &tb, Location tl, Value o) {
          return split(tb, tl, chunk, c0, c0, o);
        },
        [&](OpBuilder &eb, Location el, Value o) {
          return split(eb, el, tileCols, mFull, m, o);
        });
  }

  /// An scf.forall over chunks of `chunk` columns of `out` (m x n), which
  /// mlp-outline-parallel turns into a call that the runtime splits over
  /// threads. `body` computes layer columns [j0, j0 + width) into `slice`,
  /// the chunk's m x width part of `out`. The last chunk, when narrower,
  /// gets a constant j0, so that the weight reader can tell the packed
  /// panels from the columns after them. A chunk's results never depend on
  /// which thread computes it. `rowFlops`: a chunk's FLOPs per row; the
  /// loop states its work at this batch (mlp.task_flops, m * rowFlops), so
  /// that the runtime can tell a batch of one row, whose split may cost more
  /// than it saves, from a batch of four.
  static Value columnForall(
      OpBuilder &b, Location loc, Value out, Value m, int64_t n, int64_t chunk,
      int64_t rowFlops,
      function_ref<Value(OpBuilder &, Location, Value, int64_t, Value)> body) {
    int64_t numChunks = (n + chunk - 1) / chunk;
    int64_t last = n - (numChunks - 1) * chunk;
    Value taskFlops = arith::MulIOp::create(
        b, loc, m, arith::ConstantIndexOp::create(b, loc, rowFlops));
    auto forall = scf::ForallOp::create(
        b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(numChunks)},
        ValueRange{out}, std::nullopt,
        [&](OpBuilder &fb, Location l, ValueRange args) {
          mlp::TaskFlopsOp::create(fb, l, taskFlops);
          Value c = args[0], o = args[1];
          Value j0 = arith::MulIOp::create(
              fb, l, c, arith::ConstantIndexOp::create(fb, l, chunk));
          Value width, isLast;
          if (last != chunk) {
            isLast = arith::CmpIOp::create(
                fb, l, arith::CmpIPredicate::eq, c,
                arith::ConstantIndexOp::create(fb, l, numChunks - 1));
            width = arith::SelectOp::create(
                fb, l, isLast, arith::ConstantIndexOp::create(fb, l, last),
                arith::ConstantIndexOp::create(fb, l, chunk));
          }
          SmallVector<OpFoldResult> offsets{fb.getIndexAttr(0), j0};
          SmallVector<OpFoldResult> sizes{
              m, last == chunk ? fb.getIndexAttr(chunk) : OpFoldResult(width)};
          SmallVector<OpFoldResult> strides{fb.getIndexAttr(1),
                                            fb.getIndexAttr(1)};
          Value slice =
              tensor::ExtractSliceOp::create(fb, l, o, offsets, sizes, strides);
          Value result;
          if (last == chunk) {
            result = body(fb, l, j0, chunk, slice);
          } else {
            auto ifOp = scf::IfOp::create(
                fb, l, isLast,
                [&](OpBuilder &tb, Location tl) {
                  Value lastJ0 = arith::ConstantIndexOp::create(
                      tb, tl, (numChunks - 1) * chunk);
                  scf::YieldOp::create(tb, tl,
                                       body(tb, tl, lastJ0, last, slice));
                },
                [&](OpBuilder &eb, Location el) {
                  scf::YieldOp::create(eb, el, body(eb, el, j0, chunk, slice));
                });
            result = ifOp.getResult(0);
          }
          auto inParallel = scf::InParallelOp::create(fb, l);
          OpBuilder::InsertionGuard guard(fb);
          fb.setInsertionPointToStart(inParallel.getBody());
          tensor::ParallelInsertSliceOp::create(fb, l, result, o, offsets,
                                                sizes, strides);
        });
    return forall.getResult(0);
  }

  /// The `count` (< tile-rows) rows from row `i`, over layer columns [j0,
  /// j0 + width) written from column jOut0 of `out`: one tile of exactly that
  /// many rows (a switch over 1 .. tile-rows - 1), as much wider as keeps the
  /// full tile's number of accumulators (on AVX2 96 columns for one row, 48 for
  /// two, ...), at most `maxCols`. Each weight is then read once for all of the
  /// rows, and the K loop stays bound by FMA throughput rather than by the
  /// latency of a few dependency chains.
  Value leftoverRows(OpBuilder &b, Location loc, Value x,
                     const PackedWeights &w, Value bias, Value j0, Value jOut0,
                     int64_t width, Value i, Value count, int64_t maxCols,
                     Value out, const Epilogue &ep) const {
    int64_t vectorsPerTileRow = std::max<int64_t>(1, tileCols / vectorWidth);
    int64_t accumulators = tileRows * vectorsPerTileRow;
    return rowCountSwitch(b, loc, count, out, [&](int64_t r) {
      // Tile widths (in tile-cols units) for r rows: one row takes as many
      // accumulators as the full tile (its weight vectors, used once, are
      // read by the FMAs themselves); more rows share each weight vector,
      // which then takes a register too, so they take as many as fit in the
      // full tile's registers (accumulators + weights + a broadcast).
      int64_t registers = accumulators + vectorsPerTileRow + 1;
      int64_t wide = r == 1 ? accumulators / vectorsPerTileRow
                            : (registers - 1) / (r + 1) / vectorsPerTileRow;
      wide = std::max<int64_t>(1, wide);
      // As few tiles as that width allows, of even widths: 64 columns for
      // two rows are two tiles of 32, not 48 and a latency-bound 16.
      int64_t most = std::min(tileCols * wide, maxCols);
      int64_t tiles = (width + most - 1) / most;
      int64_t even = (width + tiles - 1) / tiles;
      int64_t cols = (even + tileCols - 1) / tileCols * tileCols;
      return rowBlock(b, loc, x, w, bias, j0, jOut0, width, i, r, cols, out,
                      ep);
    });
  }

  /// An scf.index_switch on `count` (rows left over from the row tiles, <
  /// tile-rows) whose case r yields `build(r)`, built at the start of the
  /// case; no rows yield `out` unchanged.
  Value rowCountSwitch(OpBuilder &b, Location loc, Value count, Value out,
                       function_ref<Value(int64_t)> build) const {
    if (tileRows == 1)
      return out;
    SmallVector<int64_t> cases;
    for (int64_t r = 1; r < tileRows; ++r)
      cases.push_back(r);
    auto sw = scf::IndexSwitchOp::create(b, loc, TypeRange{out.getType()},
                                         count, cases, cases.size());
    OpBuilder::InsertionGuard guard(b);
    for (auto [r, region] : llvm::zip(cases, sw.getCaseRegions())) {
      b.setInsertionPointToStart(&region.emplaceBlock());
      scf::YieldOp::create(b, loc, build(r));
    }
    b.setInsertionPointToStart(&sw.getDefaultRegion().emplaceBlock());
    scf::YieldOp::create(b, loc, out);
    return sw.getResult(0);
  }

  /// Rows [i, i + rows) of the output over layer columns [j0, j0 + width),
  /// written to columns [jOut0, ...) of `out`: whole tiles of `cols`
  /// columns, then one narrower tile for the rest.
  Value rowBlock(OpBuilder &b, Location loc, Value x, const PackedWeights &w,
                 Value bias, Value j0, Value jOut0, int64_t width, Value i,
                 int64_t rows, int64_t cols, Value out, const Epilogue &ep,
                 const RowPrefetch *ahead = nullptr) const {
    auto cst = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v);
    };
    // Folded: the weight reader needs constant columns to be constants.
    auto add = [&](OpBuilder &ab, Value a, Value v) {
      return ab.createOrFold<arith::AddIOp>(loc, a, v);
    };
    int64_t nFull = width - width % cols;
    if (nFull > 0) {
      auto loop = scf::ForOp::create(
          b, loc, cst(0), cst(nFull), cst(cols), out,
          [&](OpBuilder &lb, Location l, Value jj, ValueRange iter) {
            if (ahead)
              ahead->emit(lb, l, i,
                          arith::DivUIOp::create(lb, l, jj, cst(cols)),
                          nFull / cols);
            Value o = tile(lb, l, x, w, bias, i, rows, add(lb, j0, jj), cols,
                           iter[0], ep, add(lb, jOut0, jj));
            scf::YieldOp::create(lb, l, o);
          });
      out = loop.getResult(0);
    }
    if (width % cols)
      out = tile(b, loc, x, w, bias, i, rows, add(b, j0, cst(nFull)),
                 width % cols, out, ep, add(b, jOut0, cst(nFull)));
    return out;
  }

  /// One register tile: rows x cols outputs at (i, j), each row held as
  /// vectors of at most `vectorWidth` lanes (so LLVM never has to legalize
  /// odd or oversized vector types).
  /// The tile reads weight and bias columns from j and writes output
  /// columns from jOut (the same, unless `out` is a chunk of the output).
  Value tile(OpBuilder &b, Location loc, Value x, const PackedWeights &w,
             Value bias, Value i, int64_t rows, Value j, int64_t cols,
             Value out, const Epilogue &ep, Value jOut = Value(),
             const PanelPrefetch *prefetch = nullptr) const {
    if (!jOut)
      jOut = j;
    // Column chunks [offset, width) of the tile.
    SmallVector<std::pair<int64_t, int64_t>> chunks;
    for (int64_t c = 0; c < cols; c += vectorWidth)
      chunks.push_back({c, std::min(vectorWidth, cols - c)});
    auto vecType = [&](int64_t width) {
      return VectorType::get({width}, b.getF32Type());
    };
    Value pad = mlpc::floatConstant(b, loc, b.getF32Type(), 0.0);
    int64_t k = cast<RankedTensorType>(x.getType()).getDimSize(1);
    auto index = [&](OpBuilder &ib, Value base, int64_t off) -> Value {
      if (off == 0)
        return base;
      return arith::AddIOp::create(
          ib, loc, base, arith::ConstantIndexOp::create(ib, loc, off));
    };
    SmallVector<Value> rowIdx, colIdx, outIdx;
    for (int64_t r = 0; r < rows; ++r)
      rowIdx.push_back(index(b, i, r));
    for (auto [off, width] : chunks) {
      colIdx.push_back(index(b, j, off));
      outIdx.push_back(index(b, jOut, off));
    }
    // Accumulators, row-major over (row, chunk).
    SmallVector<Value> inits;
    for (int64_t r = 0; r < rows; ++r)
      for (auto [off, width] : chunks)
        inits.push_back(mlpc::floatConstant(b, loc, vecType(width), 0.0));
    SmallVector<std::function<Value(OpBuilder &, Location, Value)>> readers;
    for (auto [off, width] : chunks)
      readers.push_back(w.reader(b, loc, j, off, width, pad));
    auto kLoop = scf::ForOp::create(
        b, loc, arith::ConstantIndexOp::create(b, loc, 0),
        arith::ConstantIndexOp::create(b, loc, k),
        arith::ConstantIndexOp::create(b, loc, 1), inits,
        [&](OpBuilder &kb, Location l, Value kk, ValueRange acc) {
          if (prefetch)
            prefetch->emit(kb, l, kk);
          SmallVector<Value> wv;
          for (auto &read : readers)
            wv.push_back(read(kb, l, kk));
          SmallVector<Value> next;
          for (int64_t r = 0; r < rows; ++r) {
            Value xs =
                tensor::ExtractOp::create(kb, l, x, ValueRange{rowIdx[r], kk});
            for (auto [c, chunk] : llvm::enumerate(chunks)) {
              Value xb =
                  vector::BroadcastOp::create(kb, l, vecType(chunk.second), xs);
              next.push_back(vector::FMAOp::create(kb, l, xb, wv[c],
                                                   acc[r * chunks.size() + c]));
            }
          }
          scf::YieldOp::create(kb, l, next);
        });
    // Epilogue on the accumulators, then the tile's only store.
    SmallVector<Value> bv;
    for (auto [c, chunk] : llvm::enumerate(chunks))
      bv.push_back(vector::TransferReadOp::create(b, loc, vecType(chunk.second),
                                                  bias, ValueRange{colIdx[c]},
                                                  pad, ArrayRef<bool>{true}));
    SmallVector<Value> zs;
    for (int64_t r = 0; r < rows; ++r)
      for (auto [c, chunk] : llvm::enumerate(chunks)) {
        Value z = arith::AddFOp::create(
            b, loc, kLoop.getResult(r * chunks.size() + c), bv[c]);
        if (ep.residual)
          z = arith::AddFOp::create(
              b, loc, z,
              vector::TransferReadOp::create(
                  b, loc, vecType(chunk.second), ep.residual,
                  ValueRange{rowIdx[r], colIdx[c]}, pad, ArrayRef<bool>{true}));
        zs.push_back(z);
      }
    SmallVector<Value> ys = mlpc::buildActivations(
        b, loc, ep.activation, ep.alpha, zs, kActivationsPerGroup);
    for (int64_t r = 0; r < rows; ++r) {
      SmallVector<Value> row(ys.begin() + r * chunks.size(),
                             ys.begin() + (r + 1) * chunks.size());
      if (ep.head != Head::None)
        row = normalizeRow(b, loc, row, ep.head);
      for (size_t c = 0; c < chunks.size(); ++c)
        out = vector::TransferWriteOp::create(b, loc, row[c], out,
                                              ValueRange{rowIdx[r], outIdx[c]},
                                              ArrayRef<bool>{true})
                  .getResult();
    }
    return out;
  }

  /// The stable (log-)softmax of one whole row held in `row`'s vectors:
  /// m = max, s = sum(exp(v - m)); exp(v - m) / s or (v - m) - log(s).
  static SmallVector<Value> normalizeRow(OpBuilder &b, Location loc,
                                         ArrayRef<Value> row, Head head) {
    auto splat = [&](Value scalar, Value like) -> Value {
      return vector::BroadcastOp::create(b, loc, like.getType(), scalar);
    };
    int64_t width = cast<VectorType>(row.front().getType()).getNumElements();
    Value m = mlpc::reduceLanes(b, loc, /*isMax=*/true, row, width);
    SmallVector<Value> shifted, exps;
    for (Value v : row) {
      shifted.push_back(arith::SubFOp::create(b, loc, v, splat(m, v)));
      exps.push_back(mlpc::buildExpNonPositive(b, loc, shifted.back()));
    }
    Value s = mlpc::reduceLanes(b, loc, /*isMax=*/false, exps, width);
    SmallVector<Value> result;
    Value logS =
        head == Head::LogSoftmax ? math::LogOp::create(b, loc, s) : Value();
    for (auto [sh, e] : llvm::zip(shifted, exps))
      result.push_back(
          head == Head::Softmax
              ? arith::DivFOp::create(b, loc, e, splat(s, e)).getResult()
              : arith::SubFOp::create(b, loc, sh, splat(logS, sh)).getResult());
    return result;
  }
};

/// A dense layer on its own.
struct LowerDenseOp : OpRewritePattern<DenseOp> {
  LowerDenseOp(MLIRContext *ctx, DenseKernel kernel)
      : OpRewritePattern(ctx), kernel(kernel) {}
  DenseKernel kernel;

  LogicalResult matchAndRewrite(DenseOp op, PatternRewriter &b) const override {
    if (!DenseKernel::applies(op))
      return b.notifyMatchFailure(op, "the kernel needs static K and N");
    if (kernel.fusableHead(op))
      return b.notifyMatchFailure(op, "lowered with its softmax");
    if (DenseKernel::fusableResidual(op))
      return b.notifyMatchFailure(op, "lowered with its residual add");
    b.replaceOp(op, kernel.lower(op, Epilogue::of(op), b));
    return success();
  }
};

/// softmax / log_softmax of a dense layer whose rows fit in one tile: one
/// kernel, normalizing each row in registers before the store.
struct LowerDenseWithSoftmax : RewritePattern {
  LowerDenseWithSoftmax(MLIRContext *ctx, DenseKernel kernel)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx),
        kernel(kernel) {}
  DenseKernel kernel;

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &b) const override {
    if (!isa<SoftmaxOp, LogSoftmaxOp>(op))
      return failure();
    auto dense = op->getOperand(0).getDefiningOp<DenseOp>();
    if (!dense || !DenseKernel::applies(dense))
      return failure();
    std::optional<std::pair<Operation *, Head>> head =
        kernel.fusableHead(dense);
    if (!head || head->first != op)
      return failure();
    b.setInsertionPoint(dense);
    Value out = kernel.lower(dense, Epilogue::of(dense, head->second), b);
    b.replaceOp(op, out);
    b.eraseOp(dense);
    return success();
  }
};

/// A residual add after a dense layer (and the activation after it): one
/// kernel, adding the residual to the accumulators before the activation.
/// Against the separate add and activation (one loop nest over the dense
/// layer's stored result): 1.00-1.04x faster on residual blocks of 64 and
/// 512 columns at batches 1-512, outputs bit-identical, and the sum needs
/// no scratch.
struct LowerDenseWithResidual : OpRewritePattern<AddOp> {
  LowerDenseWithResidual(MLIRContext *ctx, DenseKernel kernel)
      : OpRewritePattern(ctx), kernel(kernel) {}
  DenseKernel kernel;

  LogicalResult matchAndRewrite(AddOp add, PatternRewriter &b) const override {
    for (Value operand : {add.getA(), add.getB()}) {
      auto dense = operand.getDefiningOp<DenseOp>();
      if (!dense || !DenseKernel::applies(dense))
        continue;
      std::optional<DenseKernel::Residual> residual =
          DenseKernel::fusableResidual(dense);
      if (!residual || residual->add != add)
        continue;
      Epilogue ep{residual->value, "none", 0.0f, Head::None};
      Operation *root = add;
      if (Operation *act = residual->activation) {
        ActivationSpec spec = *getActivationSpec(act);
        ep.activation = spec.name;
        ep.alpha = spec.alpha;
        root = act;
      }
      // Here, not at the dense layer: the residual may be defined between.
      b.setInsertionPoint(add);
      Value out = kernel.lower(dense, ep, b);
      b.replaceOp(root, out);
      if (root != add)
        b.eraseOp(add);
      b.eraseOp(dense);
      return success();
    }
    return b.notifyMatchFailure(add, "not a residual add after a dense layer");
  }
};

struct LowerDensePass : mlpc::impl::LowerDenseBase<LowerDensePass> {
  using LowerDenseBase::LowerDenseBase;
  void runOnOperation() override {
    if (tileRows < 1 || tileCols < 1 || vectorWidth < 1) {
      getOperation().emitError("mlp-lower-dense: tile-rows, tile-cols and "
                               "vector-width must be at least 1");
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    DenseKernel kernel{tileRows, tileCols, vectorWidth};
    patterns.add<LowerDenseOp, LowerDenseWithSoftmax, LowerDenseWithResidual>(
        &getContext(), kernel);
    bool any = false;
    getOperation().walk([&](DenseOp op) { any |= DenseKernel::applies(op); });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    if (any)
      getOperation()->setAttr(
          mlpc::kRowBlockAttr,
          IntegerAttr::get(IntegerType::get(&getContext(), 64), tileRows));
  }
};
} // namespace
