//===- StableSoftmax.cpp - numerically stable (log-)softmax ---------------===//
//
// softmax(x)     = exp(x - m) / s
// log_softmax(x) = (x - m) - log(s)
// with m = max(x) and s = sum(exp(x - m)) along the axis. Subtracting the
// maximum keeps every exponent <= 0, so nothing overflows and the largest
// term is exactly 1 (s >= 1, log(s) is finite).
//
// Along a last axis of static length, with a vector width given, the rows
// become vector loops (SoftmaxRows.cpp). The linalg form here serves the
// other axes: three linalg.generic ops (max, sum of exp, normalize), with
// exp(x - m) recomputed in the last rather than kept in a temporary.
//
// cross_entropy becomes nll_loss of the stable log_softmax.
//
//===----------------------------------------------------------------------===//
#include "SoftmaxRows.h"
#include "mlp/MlpOps.h"
#include "mlpc/Transforms/Passes.h"
#include "mlpc/Utils/Activation.h"
#include "mlpc/Utils/LinalgBuilders.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <limits>

namespace mlir::mlpc {
#define GEN_PASS_DEF_STABLESOFTMAX
#include "mlpc/Transforms/Passes.h.inc"
} // namespace mlir::mlpc

using namespace mlir;
using namespace mlir::mlp;

namespace {

template <typename SoftmaxLikeOp>
struct DecomposeSoftmax : OpRewritePattern<SoftmaxLikeOp> {
  using OpRewritePattern<SoftmaxLikeOp>::OpRewritePattern;
  static constexpr bool isLog = std::is_same_v<SoftmaxLikeOp, LogSoftmaxOp>;

  DecomposeSoftmax(MLIRContext *ctx, int64_t vectorWidth)
      : OpRewritePattern<SoftmaxLikeOp>(ctx), vectorWidth(vectorWidth) {}
  int64_t vectorWidth;

  LogicalResult matchAndRewrite(SoftmaxLikeOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value x = op.getX();
    auto type = cast<RankedTensorType>(x.getType());
    int64_t rank = type.getRank();
    // I64Attr getters return uint64_t; the axis is signed.
    int64_t axis = static_cast<int64_t>(op.getAxis());
    if (axis < 0)
      axis += rank;
    if (vectorWidth > 0 && mlpc::softmaxRowsApply(x, axis)) {
      b.replaceOp(op, mlpc::buildSoftmaxRows(b, loc, x, isLog, vectorWidth));
      return success();
    }

    // The reduced shape drops `axis`; its maps project it away.
    SmallVector<int64_t> redShape, redDims;
    SmallVector<AffineExpr> redExprs;
    SmallVector<utils::IteratorType> redIters, parIters;
    for (int64_t d = 0; d < rank; ++d) {
      parIters.push_back(utils::IteratorType::parallel);
      redIters.push_back(d == axis ? utils::IteratorType::reduction
                                   : utils::IteratorType::parallel);
      if (d == axis)
        continue;
      redShape.push_back(type.getDimSize(d));
      redDims.push_back(d);
      redExprs.push_back(b.getAffineDimExpr(d));
    }
    MLIRContext *ctx = b.getContext();
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap red = AffineMap::get(rank, 0, redExprs, ctx);
    auto redType = RankedTensorType::get(redShape, b.getF32Type());

    // m = max(x)
    Value maxInit =
        mlpc::fillF32(b, loc, mlpc::emptyLike(b, loc, redType, x, redDims),
                      -std::numeric_limits<double>::infinity());
    Value m = mlpc::buildGeneric(
        b, loc, x, maxInit, {id, red}, redIters,
        [](OpBuilder &nb, Location l, ValueRange a) -> Value {
          return arith::MaximumFOp::create(nb, l, a[0], a[1]);
        });

    // s = sum(exp(x - m))
    Value sumInit = mlpc::fillF32(
        b, loc, mlpc::emptyLike(b, loc, redType, x, redDims), 0.0);
    Value s = mlpc::buildGeneric(
        b, loc, ValueRange{x, m}, sumInit, {id, red, red}, redIters,
        [](OpBuilder &nb, Location l, ValueRange a) -> Value {
          Value shifted = arith::SubFOp::create(nb, l, a[0], a[1]);
          Value e = mlpc::buildExpNonPositive(nb, l, shifted);
          return arith::AddFOp::create(nb, l, a[2], e);
        });

    // Normalize.
    SmallVector<int64_t> allDims = llvm::to_vector(llvm::seq<int64_t>(rank));
    Value out = mlpc::emptyLike(b, loc, type, x, allDims);
    Value result = mlpc::buildGeneric(
        b, loc, ValueRange{x, m, s}, out, {id, red, red, id}, parIters,
        [](OpBuilder &nb, Location l, ValueRange a) -> Value {
          Value shifted = arith::SubFOp::create(nb, l, a[0], a[1]);
          if constexpr (isLog) {
            Value logSum = math::LogOp::create(nb, l, a[2]);
            return arith::SubFOp::create(nb, l, shifted, logSum);
          } else {
            Value e = mlpc::buildExpNonPositive(nb, l, shifted);
            return arith::DivFOp::create(nb, l, e, a[2]);
          }
        });
    b.replaceOp(op, result);
    return success();
  }
};

/// cross_entropy(x, t) = nll_loss(log_softmax(x), t): the stable
/// log-softmax keeps logsumexp(x) - x[t] finite for logits of any size.
struct DecomposeCrossEntropy : OpRewritePattern<CrossEntropyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CrossEntropyOp op,
                                PatternRewriter &b) const override {
    Value logp = LogSoftmaxOp::create(b, op.getLoc(), op.getInput().getType(),
                                      op.getInput(), b.getI64IntegerAttr(-1));
    b.replaceOpWithNewOp<NllLossOp>(op, op.getType(), logp, op.getTarget(),
                                    op.getReductionAttr());
    return success();
  }
};

struct StableSoftmaxPass : mlpc::impl::StableSoftmaxBase<StableSoftmaxPass> {
  using StableSoftmaxBase::StableSoftmaxBase;
  void runOnOperation() override {
    if (vectorWidth < 0) {
      getOperation().emitError(
          "mlp-stable-softmax: vector-width must be 0 (linalg) or positive");
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    patterns.add<DecomposeSoftmax<SoftmaxOp>, DecomposeSoftmax<LogSoftmaxOp>>(
        &getContext(), vectorWidth);
    patterns.add<DecomposeCrossEntropy>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
