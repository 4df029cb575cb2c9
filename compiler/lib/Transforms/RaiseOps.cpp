//===- RaiseOps.cpp - SiLU, GELU and LayerNorm from their primitives ------===//
//
// Exporters write some layers as chains of primitives (opsets before the op
// existed). Matching them back lets the dense epilogue fuse an activation
// and keeps layer_norm one op instead of nine passes over memory.
//
//===----------------------------------------------------------------------===//
#include "mlp/MlpOps.h"
#include "mlpc/Transforms/Passes.h"
#include "mlpc/Utils/Constants.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir::mlpc {
#define GEN_PASS_DEF_RAISEOPS
#include "mlpc/Transforms/Passes.h.inc"
} // namespace mlir::mlpc

using namespace mlir;
using namespace mlir::mlp;

namespace {

/// Whether `v` is a constant whose every element is `value` (to f32's
/// precision, as exporters write √2).
bool isSplat(Value v, double value) {
  std::optional<SmallVector<float>> data = mlpc::constantValues(v);
  return data && !data->empty() && llvm::all_of(*data, [&](float f) {
           return std::fabs(f - value) <= 1e-6 * std::fabs(value);
         });
}

/// The operand of binary `op` that is not `v`, or null if `v` is neither.
Value other(Operation *op, Value v) {
  if (op->getOperand(0) == v)
    return op->getOperand(1);
  if (op->getOperand(1) == v)
    return op->getOperand(0);
  return {};
}

/// mul(x, sigmoid(x)) -> silu(x), and mul(x, hard_sigmoid(x)) with
/// PyTorch's slope 1/6 and offset 1/2 -> hard_swish(x), in either order.
struct RaiseGatedUnit : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MulOp mul, PatternRewriter &b) const override {
    for (Value gate : {mul.getA(), mul.getB()}) {
      Operation *def = gate.getDefiningOp();
      if (!def || !def->hasOneUse() || def->getNumOperands() != 1 ||
          other(mul, gate) != def->getOperand(0) ||
          mul.getType() != gate.getType())
        continue;
      if (isa<SigmoidOp>(def)) {
        b.replaceOpWithNewOp<SiluOp>(mul, mul.getType(), def->getOperand(0));
        return success();
      }
      auto hs = dyn_cast<HardSigmoidOp>(def);
      if (hs && std::fabs(hs.getAlpha().convertToFloat() - 1.0 / 6) <= 1e-7 &&
          hs.getBeta().convertToFloat() == 0.5f) {
        b.replaceOpWithNewOp<HardSwishOp>(mul, mul.getType(), hs.getX());
        return success();
      }
    }
    return failure();
  }
};

/// torch's GELU: mul(mul(x, add(erf(div(x, √2)), 1)), 0.5), and the same
/// with the 0.5 applied to x first: mul(mul(x, 0.5), add(...)).
struct RaiseGelu : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  /// add(erf(div(x, √2)), 1) (either add order): x, else null.
  static Value erfTerm(Value v) {
    auto add = v.getDefiningOp<AddOp>();
    if (!add || !add->hasOneUse())
      return {};
    for (Value e : {add.getA(), add.getB()}) {
      auto erf = e.getDefiningOp<ErfOp>();
      if (!erf || !erf->hasOneUse() || !isSplat(other(add, e), 1.0))
        continue;
      auto div = erf.getX().getDefiningOp<DivOp>();
      if (div && div->hasOneUse() && isSplat(div.getB(), M_SQRT2))
        return div.getA();
      auto mul = erf.getX().getDefiningOp<MulOp>();
      if (mul && mul->hasOneUse() && isSplat(mul.getB(), M_SQRT1_2))
        return mul.getA();
    }
    return {};
  }

  LogicalResult matchAndRewrite(MulOp outer,
                                PatternRewriter &b) const override {
    for (Value inner : {outer.getA(), outer.getB()}) {
      auto mul = inner.getDefiningOp<MulOp>();
      Value rest = other(outer, inner);
      if (!mul || !mul->hasOneUse())
        continue;
      // (x · erfTerm) · 0.5
      if (isSplat(rest, 0.5))
        for (Value t : {mul.getA(), mul.getB()})
          if (Value x = erfTerm(t); x && other(mul, t) == x)
            return replace(outer, x, b);
      // (x · 0.5) · erfTerm
      if (Value x = erfTerm(rest);
          x && other(mul, x) && isSplat(other(mul, x), 0.5))
        return replace(outer, x, b);
    }
    return failure();
  }

  LogicalResult replace(MulOp outer, Value x, PatternRewriter &b) const {
    if (outer.getType() != x.getType())
      return failure();
    b.replaceOpWithNewOp<GeluOp>(outer, outer.getType(), x,
                                 b.getStringAttr("none"));
    return success();
  }
};

/// The trailing axes (normalized, ascending) a keep-dims reduce_mean
/// averages over, or nothing if they are not a suffix of the dimensions.
std::optional<int64_t> trailingAxis(ReduceMeanOp op) {
  if (!op.getKeepDims() || op.getAxes().empty())
    return std::nullopt;
  int64_t rank = cast<RankedTensorType>(op.getX().getType()).getRank();
  SmallVector<int64_t> axes;
  for (int64_t a : op.getAxes())
    axes.push_back(a < 0 ? a + rank : a);
  llvm::sort(axes);
  for (auto [i, a] : llvm::enumerate(axes))
    if (a != rank - int64_t(axes.size()) + int64_t(i))
      return std::nullopt;
  return axes.front();
}

/// div(d, sqrt(add(reduce_mean(pow(d, 2)), eps))), d = sub(x, reduce_mean(x))
/// over the same trailing axes; then optionally mul by a constant gamma
/// and add a constant beta.
struct RaiseLayerNorm : OpRewritePattern<DivOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DivOp div, PatternRewriter &b) const override {
    auto sub = div.getA().getDefiningOp<SubOp>();
    auto sqrt = div.getB().getDefiningOp<SqrtOp>();
    if (!sub || !sqrt || !sqrt->hasOneUse())
      return failure();
    auto mean = sub.getB().getDefiningOp<ReduceMeanOp>();
    if (!mean || mean.getX() != sub.getA() || !mean->hasOneUse())
      return failure();
    std::optional<int64_t> axis = trailingAxis(mean);
    auto addEps = sqrt.getX().getDefiningOp<AddOp>();
    if (!axis || !addEps || !addEps->hasOneUse())
      return failure();
    auto var = addEps.getA().getDefiningOp<ReduceMeanOp>();
    std::optional<SmallVector<float>> eps = mlpc::constantValues(addEps.getB());
    if (!var || !var->hasOneUse() || trailingAxis(var) != axis || !eps ||
        eps->size() != 1)
      return failure();
    // (x - mean)^2, as pow(d, 2) or d · d.
    Operation *square = var.getX().getDefiningOp();
    if (!square || !square->hasOneUse() ||
        !((isa<PowOp>(square) && square->getOperand(0) == sub &&
           isSplat(square->getOperand(1), 2.0)) ||
          (isa<MulOp>(square) && square->getOperand(0) == sub &&
           square->getOperand(1) == sub)))
      return failure();
    // d feeds the square and the division only.
    if (!llvm::all_of(sub->getUsers(),
                      [&](Operation *u) { return u == square || u == div; }))
      return failure();
    Value x = sub.getA();
    auto type = cast<RankedTensorType>(x.getType());
    if (div.getType() != type)
      return failure();
    // The affine tail: a constant scale, then a constant shift, each
    // broadcasting over the normalized dimensions only.
    Operation *root = div;
    auto tail = [&](auto kind) -> Value {
      using OpT = decltype(kind);
      Value r = root->getResult(0);
      if (!r.hasOneUse())
        return {};
      auto user = dyn_cast<OpT>(*r.getUsers().begin());
      if (!user || user.getType() != type)
        return {};
      Value c = other(user, r);
      if (!mlpc::constantValues(c) ||
          cast<RankedTensorType>(c.getType()).getRank() >
              type.getRank() - *axis)
        return {};
      root = user;
      return c;
    };
    Value scale = tail(MulOp());
    Value bias = tail(AddOp());
    b.setInsertionPoint(root);
    auto unit = [&](float v) {
      return mlpc::f32Constant(b, div.getLoc(), {}, {v});
    };
    b.replaceOpWithNewOp<LayerNormOp>(
        root, type, x, scale ? scale : unit(1.0f), bias ? bias : unit(0.0f),
        b.getI64IntegerAttr(*axis), b.getF32FloatAttr((*eps)[0]));
    return success();
  }
};

struct RaiseOpsPass : mlpc::impl::RaiseOpsBase<RaiseOpsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RaiseGatedUnit, RaiseGelu, RaiseLayerNorm>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
