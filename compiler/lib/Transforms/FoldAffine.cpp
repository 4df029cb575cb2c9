//===- FoldAffine.cpp - constant scales and shifts into the weights -------===//
//
// A scaler before the first layer, a batch normalization, Gemm's alpha and
// beta: each is a constant affine map next to a matrix product, which the
// product absorbs at compile time (w' = diag(s) w, b' = c w + b), so the
// model runs as its bare dense layers. The rewrites first bring every map
// to mul and add by constants, then move scales and shifts into the
// matmul's weights and bias, and fold what is left between constants.
//
//===----------------------------------------------------------------------===//
#include "mlp/MlpOps.h"
#include "mlpc/Transforms/Passes.h"
#include "mlpc/Utils/Constants.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir::mlpc {
#define GEN_PASS_DEF_FOLDAFFINE
#include "mlpc/Transforms/Passes.h.inc"
} // namespace mlir::mlpc

using namespace mlir;
using namespace mlir::mlp;

namespace {

/// Constants larger than this are not folded (the compile-time work and
/// memory would exceed what folding saves).
constexpr int64_t kMaxFoldElements = int64_t(1) << 26;

ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

/// `values` of `shape`, broadcast (numpy style) to `to`; nullopt if it
/// does not broadcast or `to` is not static.
std::optional<SmallVector<float>> broadcastTo(ArrayRef<float> values,
                                              ArrayRef<int64_t> shape,
                                              ArrayRef<int64_t> to) {
  if (shape.size() > to.size() || ShapedType::isDynamicShape(to))
    return std::nullopt;
  int64_t offset = to.size() - shape.size();
  int64_t total = 1;
  for (auto [i, d] : llvm::enumerate(to)) {
    int64_t s = int64_t(i) < offset ? 1 : shape[i - offset];
    if (s != 1 && s != d)
      return std::nullopt;
    total *= d;
  }
  if (total > kMaxFoldElements)
    return std::nullopt;
  SmallVector<float> out(total);
  SmallVector<int64_t> index(to.size(), 0);
  for (int64_t flat = 0; flat < total; ++flat) {
    int64_t src = 0;
    for (size_t i = offset; i < to.size(); ++i) {
      int64_t s = shape[i - offset];
      src = src * s + (s == 1 ? 0 : index[i]);
    }
    out[flat] = values[src];
    for (int64_t i = to.size() - 1; i >= 0 && ++index[i] == to[i]; --i)
      index[i] = 0;
  }
  return out;
}

/// A constant that is the same for every row: its values over the last
/// dimension (`n` of them), else nullopt.
std::optional<SmallVector<float>> perColumn(Value c, int64_t n) {
  std::optional<SmallVector<float>> v = mlpc::constantValues(c);
  ArrayRef<int64_t> s = shapeOf(c);
  if (!v || ShapedType::isDynamic(n) ||
      (!s.empty() &&
       llvm::any_of(s.drop_back(), [](int64_t d) { return d != 1; })))
    return std::nullopt;
  if (v->size() == 1)
    return SmallVector<float>(n, (*v)[0]);
  if (int64_t(v->size()) != n)
    return std::nullopt;
  return v;
}

/// The operand of binary `op` other than `v`.
Value other(Operation *op, Value v) {
  return op->getOperand(0) == v ? op->getOperand(1) : op->getOperand(0);
}

/// add/sub/mul/div of two constants -> one constant.
struct FoldConstantBinary : RewritePattern {
  FoldConstantBinary(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/2, ctx) {}
  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &b) const override {
    if (!isa<AddOp, SubOp, MulOp, DivOp>(op))
      return failure();
    auto a = mlpc::constantValues(op->getOperand(0));
    auto c = mlpc::constantValues(op->getOperand(1));
    ArrayRef<int64_t> to = shapeOf(op->getResult(0));
    if (!a || !c)
      return failure();
    auto x = broadcastTo(*a, shapeOf(op->getOperand(0)), to);
    auto y = broadcastTo(*c, shapeOf(op->getOperand(1)), to);
    if (!x || !y)
      return failure();
    for (auto [l, r] : llvm::zip(*x, *y))
      l = isa<AddOp>(op)   ? l + r
          : isa<SubOp>(op) ? l - r
          : isa<MulOp>(op) ? l * r
                           : l / r;
    b.replaceOp(op, mlpc::f32Constant(b, op->getLoc(), to, *x));
    return success();
  }
};

/// v - c -> v + (-c) and v / c -> v · (1/c): every map as mul and add.
struct CanonicalizeSubDiv : RewritePattern {
  CanonicalizeSubDiv(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}
  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &b) const override {
    if (!isa<SubOp, DivOp>(op))
      return failure();
    Value c = op->getOperand(1);
    auto values = mlpc::constantValues(c);
    if (!values || mlpc::constantValues(op->getOperand(0)))
      return failure();
    for (float &v : *values)
      v = isa<SubOp>(op) ? -v : 1.0f / v;
    Value inv = mlpc::f32Constant(b, op->getLoc(), shapeOf(c), *values);
    if (isa<SubOp>(op))
      b.replaceOpWithNewOp<AddOp>(op, op->getResultTypes(), op->getOperand(0),
                                  inv);
    else
      b.replaceOpWithNewOp<MulOp>(op, op->getResultTypes(), op->getOperand(0),
                                  inv);
    return success();
  }
};

/// batch_norm of a matrix with constant statistics -> x · a + c, with
/// a = scale / sqrt(var + eps) and c = bias - mean · a.
struct BatchNormToAffine : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BatchNormOp op,
                                PatternRewriter &b) const override {
    auto type = cast<RankedTensorType>(op.getType());
    if (type.getRank() != 2)
      return failure();
    auto s = mlpc::constantValues(op.getScale());
    auto bias = mlpc::constantValues(op.getBias());
    auto mean = mlpc::constantValues(op.getMean());
    auto var = mlpc::constantValues(op.getVar());
    if (!s || !bias || !mean || !var)
      return failure();
    float eps = op.getEpsilon().convertToFloat();
    SmallVector<float> a(s->size()), c(s->size());
    for (size_t i = 0; i < s->size(); ++i) {
      a[i] = (*s)[i] / std::sqrt((*var)[i] + eps);
      c[i] = (*bias)[i] - (*mean)[i] * a[i];
    }
    Location loc = op.getLoc();
    int64_t n = a.size();
    Value scaled = MulOp::create(b, loc, type, op.getX(),
                                 mlpc::f32Constant(b, loc, {n}, a));
    b.replaceOpWithNewOp<AddOp>(op, type, scaled,
                                mlpc::f32Constant(b, loc, {n}, c));
    return success();
  }
};

/// (v + c) · s -> v · s + c · s (s, c constant, the add used only here):
/// moves scales towards the matmul they fold into.
struct ScaleThroughShift : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MulOp mul, PatternRewriter &b) const override {
    for (Value operand : {mul.getA(), mul.getB()}) {
      auto add = operand.getDefiningOp<AddOp>();
      Value s = other(mul, operand);
      if (!add || !add->hasOneUse() || !mlpc::constantValues(s))
        continue;
      for (Value c : {add.getA(), add.getB()}) {
        Value v = other(add, c);
        if (!mlpc::constantValues(c) || mlpc::constantValues(v) ||
            v.getType() != mul.getType())
          continue;
        Location loc = mul.getLoc();
        Value vs = MulOp::create(b, loc, mul.getType(), v, s);
        auto csType = RankedTensorType::get(
            mlpc::constantValues(c)->size() >= mlpc::constantValues(s)->size()
                ? shapeOf(c)
                : shapeOf(s),
            b.getF32Type());
        if (!broadcastTo(*mlpc::constantValues(c), shapeOf(c),
                         csType.getShape()) ||
            !broadcastTo(*mlpc::constantValues(s), shapeOf(s),
                         csType.getShape()))
          continue;
        Value cs = MulOp::create(b, loc, csType, c, s);
        b.replaceOpWithNewOp<AddOp>(mul, mul.getType(), vs, cs);
        return success();
      }
    }
    return failure();
  }
};

/// (v + c1) + c2 -> v + (c1 + c2), the constants folded afterwards.
struct ReassociateShifts : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddOp outer,
                                PatternRewriter &b) const override {
    for (Value operand : {outer.getA(), outer.getB()}) {
      auto inner = operand.getDefiningOp<AddOp>();
      Value c2 = other(outer, operand);
      auto v2 = mlpc::constantValues(c2);
      if (!inner || !inner->hasOneUse() || !v2)
        continue;
      for (Value c1 : {inner.getA(), inner.getB()}) {
        Value v = other(inner, c1);
        auto v1 = mlpc::constantValues(c1);
        if (!v1 || mlpc::constantValues(v) || v.getType() != outer.getType())
          continue;
        ArrayRef<int64_t> s =
            v1->size() >= v2->size() ? shapeOf(c1) : shapeOf(c2);
        if (!broadcastTo(*v1, shapeOf(c1), s) ||
            !broadcastTo(*v2, shapeOf(c2), s))
          continue;
        Location loc = outer.getLoc();
        Value sum = AddOp::create(
            b, loc, RankedTensorType::get(s, b.getF32Type()), c1, c2);
        b.replaceOpWithNewOp<AddOp>(outer, outer.getType(), v, sum);
        return success();
      }
    }
    return failure();
  }
};

/// Scales row r of the [R, C] matrix `w` by s[r] (`rows`), or column c by
/// s[c].
SmallVector<float> scaleMatrix(ArrayRef<float> w, ArrayRef<int64_t> shape,
                               ArrayRef<float> s, bool rows) {
  SmallVector<float> out(w);
  for (int64_t r = 0; r < shape[0]; ++r)
    for (int64_t c = 0; c < shape[1]; ++c)
      out[r * shape[1] + c] *= s[rows ? r : c];
  return out;
}

/// matmul(x, w) · s, s constant per column -> matmul(x, w · diag(s)).
struct ScaleIntoWeights : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MulOp mul, PatternRewriter &b) const override {
    for (Value operand : {mul.getA(), mul.getB()}) {
      auto mm = operand.getDefiningOp<MatmulOp>();
      if (!mm || !mm->hasOneUse() || mul.getType() != mm.getType())
        continue;
      int64_t n = shapeOf(mm)[1];
      auto s = perColumn(other(mul, operand), n);
      auto w = mlpc::constantValues(mm.getB());
      if (!s || !w)
        continue;
      ArrayRef<int64_t> ws = shapeOf(mm.getB());
      // Column j of the product is row j of w stored [N, K].
      Value w2 = mlpc::f32Constant(b, mm.getLoc(), ws,
                                   scaleMatrix(*w, ws, *s, mm.getTransposeB()));
      b.replaceOpWithNewOp<MatmulOp>(mul, mul.getType(), mm.getA(), w2,
                                     mm.getTransposeBAttr());
      return success();
    }
    return failure();
  }
};

/// matmul(x · s, w), s constant per feature -> matmul(x, diag(s) · w);
/// matmul(x + c, w) -> matmul(x, w) + c · w.
struct MapIntoWeights : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MatmulOp mm,
                                PatternRewriter &b) const override {
    Operation *def = mm.getA().getDefiningOp();
    if (!def || !isa<MulOp, AddOp>(def) || !def->hasOneUse())
      return failure();
    auto w = mlpc::constantValues(mm.getB());
    if (!w)
      return failure();
    ArrayRef<int64_t> ws = shapeOf(mm.getB());
    bool t = mm.getTransposeB();
    int64_t k = ws[t ? 1 : 0], n = ws[t ? 0 : 1];
    for (Value c : def->getOperands()) {
      Value x = other(def, c);
      auto v = perColumn(c, k);
      if (!v || x.getType() != mm.getA().getType())
        continue;
      Location loc = mm.getLoc();
      if (isa<MulOp>(def)) {
        // Feature k is row k of w stored [K, N], column k of [N, K].
        Value w2 = mlpc::f32Constant(b, loc, ws, scaleMatrix(*w, ws, *v, !t));
        b.replaceOpWithNewOp<MatmulOp>(mm, mm.getType(), x, w2,
                                       mm.getTransposeBAttr());
        return success();
      }
      SmallVector<float> shift(n, 0.0f);
      for (int64_t j = 0; j < n; ++j)
        for (int64_t i = 0; i < k; ++i)
          shift[j] += (*v)[i] * (*w)[t ? j * k + i : i * n + j];
      Value product = MatmulOp::create(b, loc, mm.getType(), x, mm.getB(),
                                       mm.getTransposeBAttr());
      b.replaceOpWithNewOp<AddOp>(mm, mm.getType(), product,
                                  mlpc::f32Constant(b, loc, {n}, shift));
      return success();
    }
    return failure();
  }
};

struct FoldAffinePass : mlpc::impl::FoldAffineBase<FoldAffinePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldConstantBinary, CanonicalizeSubDiv, BatchNormToAffine,
                 ScaleThroughShift, ReassociateShifts, ScaleIntoWeights,
                 MapIntoWeights>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
