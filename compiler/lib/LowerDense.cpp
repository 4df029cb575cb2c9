//===- LowerDense.cpp - mlp.dense -> register-tiled kernel ----------------===//
//
// The output is computed in tiles of R rows x C columns held in vector
// registers (R vectors of C lanes):
//
//   for i in rows step R:                  (then the leftover rows one by one)
//     for j in cols step C:                (then one narrower tile, C' < C)
//       acc[0..R) = 0
//       for k in 0..K:  acc[r] = fma(broadcast(x[i+r][k]), w[k][j:j+C], acc[r])
//       out[i+r][j:j+C] = act(acc[r] + b[j:j+C])     <- the only store
//
// so bias and activation are applied to the accumulators before the single
// store, and nothing is written to memory between the product and the
// activation. Weights are read as [K,N] rows; constant [N,K] weights are
// transposed at compile time, so the kernel never gathers.
//
//===----------------------------------------------------------------------===//
#include "mlpc/Activation.h"
#include "mlpc/LinalgBuilders.h"
#include "mlpc/Passes.h"
#include "mlp/MlpOps.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mlpc {
#define GEN_PASS_DEF_LOWERDENSE
#include "mlpc/Passes.h.inc"
} // namespace mlir::mlpc

using namespace mlir;
using namespace mlir::mlp;

namespace {

/// The float values of a constant weight, whether written inline, as hex or
/// as a dense_resource blob.
std::optional<SmallVector<float>> constantValues(Value v) {
  Attribute attr;
  if (auto cst = v.getDefiningOp<arith::ConstantOp>())
    attr = cst.getValue();
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(attr))
    return llvm::to_vector(dense.getValues<float>());
  if (auto res = dyn_cast_or_null<DenseF32ResourceElementsAttr>(attr))
    if (std::optional<ArrayRef<float>> data = res.tryGetAsArrayRef())
      return SmallVector<float>(*data);
  return std::nullopt;
}

/// `w` [N,K] as a [K,N] value: folded at compile time for constants (kept
/// as a resource blob so that large weights are not uniqued), otherwise a
/// linalg.transpose at run time.
Value transposedWeights(OpBuilder &b, Location loc, Value w) {
  auto type = cast<RankedTensorType>(w.getType());
  int64_t n = type.getDimSize(0), k = type.getDimSize(1);
  auto kn = RankedTensorType::get({k, n}, type.getElementType());
  if (std::optional<SmallVector<float>> values = constantValues(w)) {
    SmallVector<float> t(values->size());
    for (int64_t r = 0; r < n; ++r)
      for (int64_t c = 0; c < k; ++c)
        t[c * n + r] = (*values)[r * k + c];
    auto blob = HeapAsmResourceBlob::allocateAndCopyInferAlign(
        ArrayRef<float>(t));
    auto attr = DenseF32ResourceElementsAttr::get(kn, "mlpc_packed_weight",
                                                  std::move(blob));
    return arith::ConstantOp::create(b, loc, kn, cast<TypedAttr>(attr));
  }
  Value init = tensor::EmptyOp::create(b, loc, kn.getShape(), kn.getElementType());
  return linalg::TransposeOp::create(b, loc, w, init, ArrayRef<int64_t>{1, 0})
      .getResult()[0];
}

struct DenseKernel : OpRewritePattern<DenseOp> {
  DenseKernel(MLIRContext *ctx, int64_t rows, int64_t cols, int64_t lanes)
      : OpRewritePattern(ctx), tileRows(rows), tileCols(cols),
        vectorWidth(lanes) {}

  int64_t tileRows, tileCols, vectorWidth;

  LogicalResult matchAndRewrite(DenseOp op,
                                PatternRewriter &b) const override {
    auto wType = cast<RankedTensorType>(op.getW().getType());
    auto xType = cast<RankedTensorType>(op.getX().getType());
    if (!wType.hasStaticShape() || xType.isDynamicDim(1))
      return b.notifyMatchFailure(op, "the kernel needs static K and N");
    Location loc = op.getLoc();
    Value x = op.getX(), bias = op.getB();
    Value w = op.getTransposeW() ? transposedWeights(b, loc, op.getW())
                                 : op.getW();
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t n = resultType.getDimSize(1);

    Value out = mlpc::emptyLike(b, loc, resultType, x, {0, 1});
    Value m = tensor::DimOp::create(b, loc, x, 0);
    Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
    Value cR = arith::ConstantIndexOp::create(b, loc, tileRows);
    // Rows in whole tiles: m - m % R.
    Value mFull = arith::SubIOp::create(
        b, loc, m, arith::RemUIOp::create(b, loc, m, cR));

    auto rowLoop = [&](Value lb, Value ub, Value step, int64_t rows,
                       int64_t cols, Value init) {
      auto loop = scf::ForOp::create(
          b, loc, lb, ub, step, init,
          [&](OpBuilder &lb2, Location l, Value i, ValueRange iter) {
            Value o =
                rowBlock(lb2, l, op, x, w, bias, n, i, rows, cols, iter[0]);
            scf::YieldOp::create(lb2, l, o);
          });
      return loop.getResult(0);
    };
    out = rowLoop(c0, mFull, cR, tileRows, tileCols, out);
    // Leftover rows (all of batch 1) go one at a time with a tile as many
    // times wider as the full tile has rows: the same number of independent
    // accumulators, so the K loop is bound by FMA throughput, not by the
    // latency of a single dependency chain.
    if (tileRows > 1)
      out = rowLoop(mFull, m, c1, 1, tileCols * tileRows, out);
    b.replaceOp(op, out);
    return success();
  }

  /// Rows [i, i + rows) of the output: whole tiles of `cols` columns, then
  /// one narrower tile for the rest.
  Value rowBlock(OpBuilder &b, Location loc, DenseOp op, Value x, Value w,
                 Value bias, int64_t n, Value i, int64_t rows, int64_t cols,
                 Value out) const {
    int64_t nFull = n - n % cols;
    if (nFull > 0) {
      auto loop = scf::ForOp::create(
          b, loc, arith::ConstantIndexOp::create(b, loc, 0),
          arith::ConstantIndexOp::create(b, loc, nFull),
          arith::ConstantIndexOp::create(b, loc, cols), out,
          [&](OpBuilder &lb, Location l, Value j, ValueRange iter) {
            Value o = tile(lb, l, op, x, w, bias, i, rows, j, cols, iter[0]);
            scf::YieldOp::create(lb, l, o);
          });
      out = loop.getResult(0);
    }
    if (n % cols)
      out = tile(b, loc, op, x, w, bias, i, rows,
                 arith::ConstantIndexOp::create(b, loc, nFull), n % cols, out);
    return out;
  }

  /// One register tile: rows x cols outputs at (i, j), each row held as
  /// vectors of at most `vectorWidth` lanes (so LLVM never has to legalize
  /// odd or oversized vector types).
  Value tile(OpBuilder &b, Location loc, DenseOp op, Value x, Value w,
             Value bias, Value i, int64_t rows, Value j, int64_t cols,
             Value out) const {
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
      return arith::AddIOp::create(ib, loc, base,
                                   arith::ConstantIndexOp::create(ib, loc, off));
    };
    SmallVector<Value> rowIdx, colIdx;
    for (int64_t r = 0; r < rows; ++r)
      rowIdx.push_back(index(b, i, r));
    for (auto [off, width] : chunks)
      colIdx.push_back(index(b, j, off));
    // Accumulators, row-major over (row, chunk).
    SmallVector<Value> inits;
    for (int64_t r = 0; r < rows; ++r)
      for (auto [off, width] : chunks)
        inits.push_back(mlpc::floatConstant(b, loc, vecType(width), 0.0));
    auto kLoop = scf::ForOp::create(
        b, loc, arith::ConstantIndexOp::create(b, loc, 0),
        arith::ConstantIndexOp::create(b, loc, k),
        arith::ConstantIndexOp::create(b, loc, 1), inits,
        [&](OpBuilder &kb, Location l, Value kk, ValueRange acc) {
          SmallVector<Value> wv;
          for (auto [c, chunk] : llvm::enumerate(chunks))
            wv.push_back(vector::TransferReadOp::create(
                kb, l, vecType(chunk.second), w, ValueRange{kk, colIdx[c]},
                pad, ArrayRef<bool>{true}));
          SmallVector<Value> next;
          for (int64_t r = 0; r < rows; ++r) {
            Value xs = tensor::ExtractOp::create(kb, l, x,
                                                 ValueRange{rowIdx[r], kk});
            for (auto [c, chunk] : llvm::enumerate(chunks)) {
              Value xb = vector::BroadcastOp::create(
                  kb, l, vecType(chunk.second), xs);
              next.push_back(vector::FMAOp::create(
                  kb, l, xb, wv[c], acc[r * chunks.size() + c]));
            }
          }
          scf::YieldOp::create(kb, l, next);
        });
    // Epilogue on the accumulators, then the tile's only store.
    SmallVector<Value> bv;
    for (auto [c, chunk] : llvm::enumerate(chunks))
      bv.push_back(vector::TransferReadOp::create(
          b, loc, vecType(chunk.second), bias, ValueRange{colIdx[c]}, pad,
          ArrayRef<bool>{true}));
    StringRef act = op.getActivation();
    float alpha = op.getAlpha().convertToFloat();
    for (int64_t r = 0; r < rows; ++r)
      for (size_t c = 0; c < chunks.size(); ++c) {
        Value z = arith::AddFOp::create(
            b, loc, kLoop.getResult(r * chunks.size() + c), bv[c]);
        Value a = mlpc::buildActivation(b, loc, act, alpha, z);
        out = vector::TransferWriteOp::create(b, loc, a, out,
                                              ValueRange{rowIdx[r], colIdx[c]},
                                              ArrayRef<bool>{true})
                  .getResult();
      }
    return out;
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
    patterns.add<DenseKernel>(&getContext(), tileRows, tileCols, vectorWidth);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
