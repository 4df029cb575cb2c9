//===- LowerLosses.cpp - the loss ops of mlp-lower-to-linalg --------------===//
//
// Each loss becomes a row reduction (one linalg.generic over [B, C]) and,
// for reduction "mean" or "sum", a reduction over the batch. Terms whose
// target weight is 0 are selected away rather than multiplied, so that
// 0 * inf (a confident wrong logit with no weight) adds 0 and not NaN.
// cross_entropy has already become nll_loss of a stable log_softmax
// (mlp-stable-softmax).
//
//===----------------------------------------------------------------------===//
#include "LowerLosses.h"
#include "mlp/MlpOps.h"
#include "mlpc/Utils/Activation.h"
#include "mlpc/Utils/Attributes.h"
#include "mlpc/Utils/LinalgBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::mlp;

namespace {
using utils::IteratorType;

/// Per row of the [B, C] inputs, the sum over C of `term(inputs...)`,
/// times `scale`.
Value rowSum(OpBuilder &b, Location loc, ValueRange inputs, double scale,
             function_ref<Value(OpBuilder &, Location, ValueRange)> term) {
  MLIRContext *ctx = b.getContext();
  Value x = inputs.front();
  auto rowsType = RankedTensorType::get(
      {cast<RankedTensorType>(x.getType()).getDimSize(0)}, b.getF32Type());
  AffineMap full = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap row = AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx);
  SmallVector<AffineMap> maps(inputs.size(), full);
  maps.push_back(row);
  Value sums = mlpc::buildGeneric(
      b, loc, inputs,
      mlpc::fillF32(b, loc, mlpc::emptyLike(b, loc, rowsType, x, {0}), 0.0),
      maps, {IteratorType::parallel, IteratorType::reduction},
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        return arith::AddFOp::create(nb, l, a.back(),
                                     term(nb, l, a.drop_back()));
      });
  if (scale == 1.0)
    return sums;
  AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
  return mlpc::buildGeneric(
      b, loc, sums, mlpc::emptyLike(b, loc, rowsType, sums, {0}), {id, id},
      {IteratorType::parallel},
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        return arith::MulFOp::create(
            nb, l, a[0], mlpc::floatConstant(nb, l, nb.getF32Type(), scale));
      });
}

/// -logp[b, t[b]] per row; NaN for an index outside [0, C) (which entry
/// points refuse before they get here).
Value pickClasses(OpBuilder &b, Location loc, Value logp, Value targets) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(logp.getType());
  int64_t classes = type.getDimSize(1);
  auto rowsType = RankedTensorType::get({type.getDimSize(0)}, b.getF32Type());
  AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
  return mlpc::buildGeneric(
      b, loc, targets, mlpc::emptyLike(b, loc, rowsType, targets, {0}),
      {id, id}, {IteratorType::parallel},
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value row = linalg::IndexOp::create(nb, l, 0);
        Value t = arith::IndexCastOp::create(nb, l, nb.getIndexType(), a[0]);
        Value zero = arith::ConstantIndexOp::create(nb, l, 0);
        Value inRange = arith::AndIOp::create(
            nb, l,
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sge, t, zero),
            arith::CmpIOp::create(
                nb, l, arith::CmpIPredicate::slt, t,
                arith::ConstantIndexOp::create(nb, l, classes)));
        Value safe = arith::SelectOp::create(nb, l, inRange, t, zero);
        Value v = tensor::ExtractOp::create(nb, l, logp, ValueRange{row, safe});
        Value nan = mlpc::floatConstant(nb, l, nb.getF32Type(), NAN);
        return arith::SelectOp::create(nb, l, inRange,
                                       arith::NegFOp::create(nb, l, v), nan);
      });
}

/// The per-row losses `rows` [B] reduced over the batch into a [1] tensor
/// (their sum, divided by B for the mean).
Value reduceBatch(OpBuilder &b, Location loc, Value rows, bool mean) {
  MLIRContext *ctx = b.getContext();
  auto oneType = RankedTensorType::get({1}, b.getF32Type());
  Value init = mlpc::fillF32(
      b, loc,
      tensor::EmptyOp::create(b, loc, oneType.getShape(), b.getF32Type()), 0.0);
  AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
  AffineMap first = AffineMap::get(1, 0, {getAffineConstantExpr(0, ctx)}, ctx);
  Value sum = mlpc::buildGeneric(
      b, loc, rows, init, {id, first}, {IteratorType::reduction},
      [](OpBuilder &nb, Location l, ValueRange a) -> Value {
        return arith::AddFOp::create(nb, l, a[1], a[0]);
      });
  if (!mean)
    return sum;
  Value count = arith::SIToFPOp::create(
      b, loc, b.getF32Type(),
      arith::IndexCastOp::create(b, loc, b.getI64Type(),
                                 tensor::DimOp::create(b, loc, rows, 0)));
  return mlpc::buildGeneric(
      b, loc, sum,
      tensor::EmptyOp::create(b, loc, oneType.getShape(), b.getF32Type()),
      {id, id}, {IteratorType::parallel},
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        return arith::DivFOp::create(nb, l, a[0], count);
      });
}

/// Tells the entry point to check the indices in `targets`, when they are
/// one of its arguments, against `classes` (the fewest, if several losses
/// read them).
void recordClassCount(Value targets, int64_t classes) {
  auto arg = dyn_cast<BlockArgument>(targets);
  auto func = arg ? dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp())
                  : func::FuncOp();
  if (!func)
    return;
  unsigned i = arg.getArgNumber();
  if (auto old = func.getArgAttrOfType<IntegerAttr>(i, mlpc::kClassCountAttr))
    classes = std::min(classes, old.getInt());
  func.setArgAttr(
      i, mlpc::kClassCountAttr,
      IntegerAttr::get(IntegerType::get(func.getContext(), 64), classes));
}

template <typename LossOp> struct LowerLoss : OpRewritePattern<LossOp> {
  using OpRewritePattern<LossOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(LossOp op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value x = op.getInput(), y = op.getTarget();
    double perClass =
        1.0 / double(cast<RankedTensorType>(x.getType()).getDimSize(1));
    Value rows;
    if constexpr (std::is_same_v<LossOp, NllLossOp>) {
      if (op.hasClassTargets())
        recordClassCount(y, cast<RankedTensorType>(x.getType()).getDimSize(1));
      rows =
          op.hasClassTargets()
              ? pickClasses(b, loc, x, y)
              : rowSum(b, loc, {x, y}, 1.0,
                       [](OpBuilder &nb, Location l, ValueRange a) {
                         return mlpc::buildWeightedTerm(
                             nb, l, a[1], arith::NegFOp::create(nb, l, a[0]));
                       });
    } else if constexpr (std::is_same_v<LossOp, BceWithLogitsOp>) {
      rows = rowSum(b, loc, {x, y}, perClass,
                    [](OpBuilder &nb, Location l, ValueRange a) {
                      return mlpc::buildBceTerm(nb, l, a[0], a[1]);
                    });
    } else {
      rows = rowSum(b, loc, {x, y}, perClass,
                    [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                      Value d = arith::SubFOp::create(nb, l, a[0], a[1]);
                      return arith::MulFOp::create(nb, l, d, d);
                    });
    }
    StringRef reduction = op.getReduction();
    b.replaceOp(op, reduction == "none"
                        ? rows
                        : reduceBatch(b, loc, rows, reduction == "mean"));
    return success();
  }
};
} // namespace

void mlpc::populateLowerLossPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerLoss<NllLossOp>, LowerLoss<BceWithLogitsOp>,
               LowerLoss<MseLossOp>>(patterns.getContext());
}
