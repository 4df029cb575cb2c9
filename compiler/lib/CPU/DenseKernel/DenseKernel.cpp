//===- DenseKernel.cpp - mlp.dense -> register-tiled kernel ---------------===//
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
// Which of these loop orders a layer gets is chosen apart, from its shape
// and the target's tuning (DenseSchedule.h); LayerEmitter below has one
// method per strategy. A residual add after a layer without activation,
// and the activation after the add, go into the same epilogue.
//
// Every output element is computed by the same FMA sequence (k = 0..K-1
// from zero, then bias, then activation) whichever tile covers it, so the
// batch size and the split over threads never change a result.
//
// bf16 and i8 weights change only the K loop and the start of the
// epilogue (Product.h): the layer's rows are first converted into packed
// lanes, each K step multiplies several K values per lane, and the
// accumulators become f32 before the bias. Loop orders, splits and
// epilogues are the f32 kernel's.
//
#include "DenseKernel.h"
#include "PackedWeights.h"
#include "PanelPrefetch.h"
#include "Product.h"
#include "RowPrefetch.h"
#include "mlpc/Utils/Activation.h"
#include "mlpc/Utils/Constants.h"
#include "mlpc/Utils/LinalgBuilders.h"
#include "mlpc/Utils/VectorReduce.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

#include <functional>

using namespace mlir;
using namespace mlir::mlp;
using namespace mlir::mlpc;

namespace {

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

/// The register tiles and the loops over them, for one tile size: what
/// every strategy is built of.
struct TileBuilder {
  int64_t tileRows, tileCols, vectorWidth;
  /// How the K loop multiplies (Product.h), and what a packing product
  /// reads instead of x: the packed activations, int8's row scales and
  /// column scales.
  Product product;
  Value lanes, rowScales;
  Int8Columns int8Cols;
  /// How many of a tile's accumulators go through a costly activation at a
  /// time (see mlpc::buildActivations).
  static constexpr int64_t kActivationsPerGroup = 6;

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
    // One chunk (only when a test forces a split on a narrow layer): the
    // layer as it is, from the constant column 0 that the weight reader
    // needs, as there is nothing to split.
    if (n <= chunk)
      return body(b, loc, arith::ConstantIndexOp::create(b, loc, 0), n, out);
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
    if (product.kind != ProductKind::F32)
      return epilogue(
          b, loc,
          narrowProducts(b, loc, x, w, rowIdx, colIdx, j, chunks, k, prefetch),
          bias, pad, rowIdx, colIdx, outIdx, chunks, out, ep);
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
    return epilogue(b, loc, kLoop.getResults(), bias, pad, rowIdx, colIdx,
                    outIdx, chunks, out, ep);
  }

  /// The K loop of a tile of narrow weights: full vectors (the intrinsics
  /// have no odd widths; reads past the layer's columns give zeros), each
  /// step one product per row and vector, then each accumulator as f32 of
  /// its chunk's width.
  SmallVector<Value>
  narrowProducts(OpBuilder &b, Location loc, Value x, const PackedWeights &w,
                 ArrayRef<Value> rowIdx, ArrayRef<Value> colIdx, Value j,
                 ArrayRef<std::pair<int64_t, int64_t>> chunks, int64_t k,
                 const PanelPrefetch *prefetch) const {
    MLIRContext *ctx = b.getContext();
    int64_t rows = rowIdx.size();
    VectorType accType = accumulatorType(ctx, product, vectorWidth);
    SmallVector<Value> inits;
    for (int64_t i = 0, e = rows * chunks.size(); i < e; ++i)
      inits.push_back(arith::ConstantOp::create(
          b, loc, accType,
          DenseElementsAttr::get(accType,
                                 b.getZeroAttr(accType.getElementType()))));
    SmallVector<std::function<Value(OpBuilder &, Location, Value)>> readers;
    for (auto [off, width] : chunks)
      readers.push_back(w.reader(b, loc, j, off, vectorWidth, Value()));
    Value source = product.packsRows() ? lanes : Value();
    int64_t steps = (k + product.group - 1) / product.group;
    auto kLoop = scf::ForOp::create(
        b, loc, arith::ConstantIndexOp::create(b, loc, 0),
        arith::ConstantIndexOp::create(b, loc, steps),
        arith::ConstantIndexOp::create(b, loc, 1), inits,
        [&](OpBuilder &kb, Location l, Value kk, ValueRange acc) {
          if (prefetch)
            prefetch->emit(kb, l, kk);
          SmallVector<Value> wv;
          for (auto &read : readers)
            wv.push_back(read(kb, l, kk));
          SmallVector<Value> next;
          for (int64_t r = 0; r < rows; ++r) {
            Value xs = tensor::ExtractOp::create(kb, l, source ? source : x,
                                                 ValueRange{rowIdx[r], kk});
            for (size_t c = 0; c < chunks.size(); ++c)
              next.push_back(productStep(
                  kb, l, product, acc[r * chunks.size() + c], xs, wv[c]));
          }
          scf::YieldOp::create(kb, l, next);
        });
    SmallVector<Value> result;
    for (int64_t r = 0; r < rows; ++r) {
      Value scale = rowScales ? tensor::ExtractOp::create(b, loc, rowScales,
                                                          ValueRange{rowIdx[r]})
                                    .getResult()
                              : Value();
      for (auto [c, chunk] : llvm::enumerate(chunks))
        result.push_back(finishProduct(
            b, loc, product, kLoop.getResult(r * chunks.size() + c),
            chunk.second, int8Cols, colIdx[c], scale));
    }
    return result;
  }

  /// Bias, residual, activation and head on the tile's products (f32, one
  /// per row and chunk), then the tile's only store.
  Value epilogue(OpBuilder &b, Location loc, ValueRange products, Value bias,
                 Value pad, ArrayRef<Value> rowIdx, ArrayRef<Value> colIdx,
                 ArrayRef<Value> outIdx,
                 ArrayRef<std::pair<int64_t, int64_t>> chunks, Value out,
                 const Epilogue &ep) const {
    int64_t rows = rowIdx.size();
    auto vecType = [&](int64_t width) {
      return VectorType::get({width}, b.getF32Type());
    };
    // Epilogue on the accumulators, then the tile's only store.
    SmallVector<Value> bv;
    for (auto [c, chunk] : llvm::enumerate(chunks))
      bv.push_back(vector::TransferReadOp::create(b, loc, vecType(chunk.second),
                                                  bias, ValueRange{colIdx[c]},
                                                  pad, ArrayRef<bool>{true}));
    SmallVector<Value> zs;
    for (int64_t r = 0; r < rows; ++r)
      for (auto [c, chunk] : llvm::enumerate(chunks)) {
        Value z = arith::AddFOp::create(b, loc, products[r * chunks.size() + c],
                                        bv[c]);
        if (ep.residual)
          z = arith::AddFOp::create(
              b, loc, z,
              vector::TransferReadOp::create(
                  b, loc, vecType(chunk.second), ep.residual,
                  ValueRange{rowIdx[r], colIdx[c]}, pad, ArrayRef<bool>{true}));
        zs.push_back(z);
      }
    SmallVector<Value> ys =
        mlpc::buildActivations(b, loc, ep.activation, zs, kActivationsPerGroup);
    SmallVector<Value> scale, shift;
    if (ep.head == Head::LayerNorm)
      for (size_t c = 0; c < chunks.size(); ++c) {
        VectorType type = vecType(chunks[c].second);
        auto read = [&](Value t) -> Value {
          return vector::TransferReadOp::create(b, loc, type, t,
                                                ValueRange{colIdx[c]}, pad,
                                                ArrayRef<bool>{true});
        };
        scale.push_back(read(ep.normScale));
        shift.push_back(read(ep.normBias));
      }
    for (int64_t r = 0; r < rows; ++r) {
      SmallVector<Value> row(ys.begin() + r * chunks.size(),
                             ys.begin() + (r + 1) * chunks.size());
      if (ep.head == Head::LayerNorm)
        row = layerNormRow(b, loc, row, scale, shift, ep.normEpsilon);
      else if (ep.head != Head::None)
        row = normalizeRow(b, loc, row, ep.head);
      for (size_t c = 0; c < chunks.size(); ++c)
        out = vector::TransferWriteOp::create(b, loc, row[c], out,
                                              ValueRange{rowIdx[r], outIdx[c]},
                                              ArrayRef<bool>{true})
                  .getResult();
    }
    return out;
  }

  /// layer_norm of one whole row held in `row`'s vectors (exactly the
  /// row's elements): mean, the centered values' mean square, then
  /// (v - mean) * (1 / sqrt(var + eps)) * scale + shift, as the unfused op.
  static SmallVector<Value> layerNormRow(OpBuilder &b, Location loc,
                                         ArrayRef<Value> row,
                                         ArrayRef<Value> scale,
                                         ArrayRef<Value> shift, float eps) {
    auto splat = [&](Value scalar, Value like) -> Value {
      return vector::BroadcastOp::create(b, loc, like.getType(), scalar);
    };
    int64_t width = cast<VectorType>(row.front().getType()).getNumElements();
    int64_t n = 0;
    for (Value v : row)
      n += cast<VectorType>(v.getType()).getNumElements();
    Type f32 = b.getF32Type();
    Value count = mlpc::floatConstant(b, loc, f32, double(n));
    Value mean = arith::DivFOp::create(
        b, loc, mlpc::reduceLanes(b, loc, /*isMax=*/false, row, width), count);
    SmallVector<Value> centered, squares;
    for (Value v : row) {
      centered.push_back(arith::SubFOp::create(b, loc, v, splat(mean, v)));
      squares.push_back(
          arith::MulFOp::create(b, loc, centered.back(), centered.back()));
    }
    Value var = arith::DivFOp::create(
        b, loc, mlpc::reduceLanes(b, loc, /*isMax=*/false, squares, width),
        count);
    Value inv = mlpc::buildInverseStd(b, loc, var, eps);
    SmallVector<Value> result;
    for (auto [d, s, c] : llvm::zip(centered, scale, shift))
      result.push_back(
          mlpc::buildLayerNormOutput(b, loc, d, splat(inv, d), s, c));
    return result;
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

/// The IR of one dense layer: the values that every strategy reads, built
/// first, then one method per strategy.
class LayerEmitter : TileBuilder {
public:
  LayerEmitter(const TargetTuning &t, DenseOp op, const Epilogue &ep,
               PatternRewriter &b)
      : TileBuilder{t.tileRows, t.tileCols, t.vectorWidth, Product{}, {},
                    {},         {}},
        ep(ep), b(b), loc(op.getLoc()), x(op.getX()), bias(op.getB()) {
    k = cast<RankedTensorType>(x.getType()).getDimSize(1);
    product = chooseProduct(op.getWeightType(), k, t);
    if (product.kind == ProductKind::F32)
      w = packWeights(b, loc, op.getW(), op.getTransposeW(), tileCols);
    else
      w = packNarrowWeights(b, loc, op.getW(), op.getTransposeW(), tileCols,
                            vectorWidth, product.group,
                            product.kind == ProductKind::Int8Vnni);
    auto resultType = cast<RankedTensorType>(op.getType());
    n = resultType.getDimSize(1);
    out = emptyLike(b, loc, resultType, x, {0, 1});
    m = tensor::DimOp::create(b, loc, x, 0);
    c0 = arith::ConstantIndexOp::create(b, loc, 0);
    cR = arith::ConstantIndexOp::create(b, loc, tileRows);
    // Rows in whole tiles: m - m % R.
    mFull =
        arith::SubIOp::create(b, loc, m, arith::RemUIOp::create(b, loc, m, cR));
    if (product.packsRows()) {
      PackedRows rows = packRows(b, loc, x, product, vectorWidth);
      lanes = rows.lanes;
      rowScales = rows.scales;
      if (product.isInt8())
        int8Cols = {paddedScales(op), w.correction};
    }
  }

  /// The layer under schedule `s`.
  Value emit(const DenseSchedule &s) {
    int64_t chunk = s.smallBatchChunkCols;
    switch (s.strategy) {
    case DenseStrategy::RowsOuter:
      return withSmallBatchSplit(
          chunk, [&](Value o) { return rowsOuter(b, loc, c0, n, o); });
    case DenseStrategy::ColumnGroups:
      return withSmallBatchSplit(
          chunk, [&](Value o) { return columnGroups(s.groupCols, o); });
    case DenseStrategy::PanelsOuter:
      plan = prefetchPlan();
      return withSmallBatchSplit(chunk,
                                 [&](Value o) { return panelsOuter(o); });
    case DenseStrategy::ColumnSplit:
      plan = prefetchPlan();
      return columnSplit(s);
    }
    llvm_unreachable("unknown dense strategy");
  }

private:
  const Epilogue &ep;
  PatternRewriter &b;
  Location loc;
  Value x, bias;
  PackedWeights w;
  int64_t n, k;
  Value out, m, c0, cR, mFull;
  /// The next panel's prefetch, for the panels-outer strategies.
  std::optional<PrefetchPlan> plan;

  /// The weights' scales padded with zeros to whole panels, so that the
  /// epilogue reads whole vectors in bounds.
  Value paddedScales(DenseOp op) {
    SmallVector<float> scales = *mlpc::constantValues(op.getWScale());
    scales.resize((n + tileCols - 1) / tileCols * tileCols, 0.0f);
    return mlpc::f32Constant(b, loc, {int64_t(scales.size())}, scales);
  }

  /// The prefetch plan of f32 panels (narrow panels have none yet).
  std::optional<PrefetchPlan> prefetchPlan() {
    if (product.kind != ProductKind::F32)
      return std::nullopt;
    return PrefetchPlan::build(b, loc, w, k, tileCols, tileRows, mFull);
  }

  /// Rows outer over layer columns [j0, j0 + width) of o: each register
  /// tile of rows passes over all of the columns, so its rows of x stay in
  /// L1 while the columns' weights come from L2; then the leftover rows
  /// (all of batch 1).
  Value rowsOuter(OpBuilder &rb, Location l, Value j0, int64_t width, Value o) {
    // Each tile brings in the next tile's rows of x during its whole
    // panels (RowPrefetch.h).
    std::optional<RowPrefetch> ahead =
        width >= tileCols && !product.packsRows()
            ? RowPrefetch::build(rb, l, x, m, tileRows)
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
  }

  /// `otherwise(out)`, or, with `chunk` columns, for a batch smaller than
  /// the tile: columns split over threads in chunks of that many, the rows
  /// as one tile of their exact count.
  Value withSmallBatchSplit(int64_t chunk,
                            function_ref<Value(Value)> otherwise) {
    if (!chunk)
      return otherwise(out);
    Value small =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, mFull, c0);
    return destinationIf(
        b, loc, small, out,
        [&](OpBuilder &tb, Location tl, Value o) {
          return columnForall(tb, tl, o, m, n, chunk, 2 * k * chunk,
                              [&](OpBuilder &fb, Location l, Value j0,
                                  int64_t width, Value slice) {
                                return leftoverRows(fb, l, x, w, bias, j0, c0,
                                                    width, c0, m, chunk, slice,
                                                    ep);
                              });
        },
        [&](OpBuilder &eb, Location el, Value o) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(eb.getInsertionBlock(), eb.getInsertionPoint());
          return otherwise(o);
        });
  }

  /// All columns in groups of groupCols, rows outer inside each (the last
  /// group narrower, at a constant column, which the weight reader needs
  /// for columns after the last panel).
  Value columnGroups(int64_t groupCols, Value o) {
    auto cst = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v);
    };
    // No whole group only when a test forces groups on a narrow layer.
    int64_t full = n - n % groupCols;
    if (full > 0)
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
  }

  /// Column panels outer over the whole layer: all rows in the panels if
  /// there is a whole row tile, else none.
  Value panelsOuter(Value o) {
    Value hasBlock =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, mFull, c0);
    return panels(b, loc, c0, c0, n, mFull,
                  arith::SelectOp::create(b, loc, hasBlock, m, mFull), o);
  }

  /// Large layers: column chunks split over threads at any batch, each
  /// thread taking one contiguous range of chunks. A batch smaller than a
  /// row tile takes chunks of one wide tile, whose few rows then keep the
  /// full tile's number of accumulators; larger batches one panel per
  /// chunk, so that the ranges split the columns evenly.
  Value columnSplit(const DenseSchedule &s) {
    auto split = [&](OpBuilder &sb, Location sl, int64_t width, Value whole,
                     Value inPanels, Value o) {
      return columnForall(
          sb, sl, o, m, n, width, 2 * k * width,
          [&](OpBuilder &fb, Location l, Value j0, int64_t cols, Value slice) {
            return panels(fb, l, j0, c0, cols, whole, inPanels, slice);
          });
    };
    if (tileRows == 1)
      return split(b, loc, s.smallSplitChunkCols, m, m, out);
    Value small =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, mFull, c0);
    return destinationIf(
        b, loc, small, out,
        [&](OpBuilder &tb, Location tl, Value o) {
          return split(tb, tl, s.smallSplitChunkCols, c0, c0, o);
        },
        [&](OpBuilder &eb, Location el, Value o) {
          return split(eb, el, s.splitChunkCols, mFull, m, o);
        });
  }

  /// Columns [j0, j0 + width) of the layer into columns [jOut0, ...) of o,
  /// one panel of tile-cols columns after the other. Rows [0, whole) go in
  /// whole row tiles inside each panel and rows [whole, inPanels) in one
  /// leftover tile there; the rest after the panels. The callers pass what
  /// they know (constants fold the unused loops away): all rows in the
  /// panels if there is a whole row tile, else none (inPanels = whole = 0).
  Value panels(OpBuilder &pb, Location l, Value j0, Value jOut0, int64_t width,
               Value whole, Value inPanels, Value o) {
    auto cst = [&](int64_t v) {
      return arith::ConstantIndexOp::create(pb, l, v);
    };
    // Folded: the weight reader needs constant columns to be constants.
    auto add = [&](Value a, Value v) {
      return pb.createOrFold<arith::AddIOp>(l, a, v);
    };
    int64_t full = width - width % tileCols;
    if (full > 0)
      o = scf::ForOp::create(
              pb, l, cst(0), cst(full), cst(tileCols), o,
              [&](OpBuilder &jb, Location jl, Value jj, ValueRange it) {
                scf::YieldOp::create(jb, jl,
                                     panel(jb, jl, add(j0, jj), add(jOut0, jj),
                                           tileCols, whole, inPanels, it[0]));
              })
              .getResult(0);
    if (width % tileCols)
      o = panel(pb, l, add(j0, cst(full)), add(jOut0, cst(full)),
                width % tileCols, whole, inPanels, o);
    // A batch without a whole row block (inPanels = 0): one tile of its
    // exact row count, so that the weights stream from memory once.
    return leftoverRows(pb, l, x, w, bias, j0, jOut0, width, inPanels,
                        pb.createOrFold<arith::SubIOp>(l, m, inPanels),
                        tileCols * tileRows, o, ep);
  }

  /// One panel of `cols` columns (from layer column j, output column jOut):
  /// rows [0, whole) in row tiles, each prefetching its share of the next
  /// panel when the panel is whole, then rows [whole, inPanels).
  Value panel(OpBuilder &qb, Location ql, Value j, Value jOut, int64_t cols,
              Value whole, Value inPanels, Value po) {
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
    // Leftover rows, while the panel is in cache: one tile of exactly that
    // many rows (a switch over 1 .. tile-rows - 1), so that they keep
    // several accumulators per row instead of crawling along one-row FMA
    // chains. When there is no whole block at all (batch < tile-rows), they
    // are done after the panels with wide tiles instead, which suits a tiny
    // batch.
    return rowCountSwitch(
        qb, ql, arith::SubIOp::create(qb, ql, inPanels, whole), po,
        [&](int64_t r) {
          return tile(qb, ql, x, w, bias, whole, r, j, cols, po, ep, jOut);
        });
  }
};
} // namespace

bool DenseKernel::applies(DenseOp op) {
  auto wType = cast<RankedTensorType>(op.getW().getType());
  auto xType = cast<RankedTensorType>(op.getX().getType());
  // Narrow weights are packed at compile time, so they must be constants.
  return wType.hasStaticShape() && !xType.isDynamicDim(1) &&
         (wType.getElementType().isF32() ||
          (mlpc::constantBytes(op.getW()).has_value() &&
           (!op.getWScale() ||
            mlpc::constantValues(op.getWScale()).has_value())));
}

std::optional<std::pair<Operation *, Head>>
DenseKernel::fusableHead(DenseOp op) const {
  if (!op->hasOneUse())
    return std::nullopt;
  Operation *user = *op->getUsers().begin();
  auto axisIsLast = [](int64_t axis) { return axis == -1 || axis == 1; };
  int64_t n = cast<RankedTensorType>(op.getType()).getDimSize(1);
  if (n > tuning.tileCols)
    return std::nullopt;
  if (auto s = dyn_cast<SoftmaxOp>(user);
      s && axisIsLast(static_cast<int64_t>(s.getAxis())))
    return std::pair{user, Head::Softmax};
  if (auto s = dyn_cast<LogSoftmaxOp>(user);
      s && axisIsLast(static_cast<int64_t>(s.getAxis())))
    return std::pair{user, Head::LogSoftmax};
  // A layer_norm over the row, with one scale and bias value per column.
  auto perColumn = [&](Value v) {
    auto t = cast<RankedTensorType>(v.getType());
    return t.getRank() == 1 && t.getDimSize(0) == n;
  };
  if (auto ln = dyn_cast<LayerNormOp>(user);
      ln && ln.getX() == op.getResult() &&
      axisIsLast(static_cast<int64_t>(ln.getAxis())) &&
      perColumn(ln.getScale()) && perColumn(ln.getBias()))
    return std::pair{user, Head::LayerNorm};
  return std::nullopt;
}

std::optional<DenseKernel::Residual> DenseKernel::fusableResidual(DenseOp op) {
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

DenseSchedule DenseKernel::schedule(DenseOp op, const Epilogue &ep) const {
  DenseShape shape;
  shape.k = cast<RankedTensorType>(op.getX().getType()).getDimSize(1);
  shape.n = cast<RankedTensorType>(op.getType()).getDimSize(1);
  shape.fusedHead = ep.head != Head::None;
  shape.weightElementBytes = op.getWeightType().getIntOrFloatBitWidth() / 8;
  return chooseDenseSchedule(shape, tuningFor(op), strategy);
}

TargetTuning DenseKernel::tuningFor(DenseOp op) const {
  int64_t k = cast<RankedTensorType>(op.getX().getType()).getDimSize(1);
  TargetTuning t = tuning;
  t.tileRows =
      productTileRows(chooseProduct(op.getWeightType(), k, tuning), tuning);
  return t;
}

Value DenseKernel::lower(DenseOp op, const Epilogue &ep,
                         PatternRewriter &b) const {
  DenseSchedule s = schedule(op, ep);
  return LayerEmitter(tuningFor(op), op, ep, b).emit(s);
}

int64_t DenseKernel::packedWeightBytes(DenseOp op) const {
  if (!applies(op) || !matchPattern(op.getW(), m_Constant()))
    return 0;
  TargetTuning t = tuningFor(op);
  auto w = cast<RankedTensorType>(op.getW().getType());
  int64_t k = cast<RankedTensorType>(op.getX().getType()).getDimSize(1);
  int64_t n = cast<RankedTensorType>(op.getType()).getDimSize(1);
  Product product = chooseProduct(op.getWeightType(), k, t);
  int64_t elementBytes = std::max<int64_t>(w.getElementTypeBitWidth() / 8, 1);
  if (product.kind == ProductKind::F32)
    return packedBytes(k, n, 4, t.tileCols, t.vectorWidth, 1, false);
  return packedBytes(k, n, elementBytes, t.tileCols, t.vectorWidth,
                     product.group, product.kind == ProductKind::Int8Vnni);
}
