//===- LowerToLinalg.cpp - mlp ops -> linalg.generic on tensors -----------===//
//
// Every op becomes a linalg.generic so that upstream's elementwise fusion
// can merge chains of them (e.g. a residual add followed by an activation)
// into one loop nest.
//
//===----------------------------------------------------------------------===//
#include "LowerLosses.h"
#include "LowerShapeOps.h"
#include "mlp/MlpOps.h"
#include "mlpc/Transforms/Passes.h"
#include "mlpc/Utils/Activation.h"
#include "mlpc/Utils/LinalgBuilders.h"

#include "mlir/Dialect/Math/IR/Math.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::mlpc {
#define GEN_PASS_DEF_LOWERTOLINALG
#include "mlpc/Transforms/Passes.h.inc"
} // namespace mlir::mlpc

using namespace mlir;
using namespace mlir::mlp;

namespace {
using utils::IteratorType;

/// x·w as a generic contraction (w read as [N,K] when `transposed`).
Value buildMatmul(OpBuilder &b, Location loc, Value x, Value w, bool transposed,
                  RankedTensorType resultType) {
  MLIRContext *ctx = b.getContext();
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  auto map = [&](ArrayRef<AffineExpr> e) {
    return AffineMap::get(3, 0, e, ctx);
  };
  SmallVector<AffineMap> maps = {
      map({m, k}), transposed ? map({n, k}) : map({k, n}), map({m, n})};
  Value init = mlpc::fillF32(
      b, loc, mlpc::emptyLike(b, loc, resultType, x, {0, 1}), 0.0);
  return mlpc::buildGeneric(
      b, loc, ValueRange{x, w}, init, maps,
      {IteratorType::parallel, IteratorType::parallel, IteratorType::reduction},
      [](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value w = a[1];
        // bf16 weights: each product is x * extf(w) in f32.
        if (!w.getType().isF32())
          w = arith::ExtFOp::create(nb, l, nb.getF32Type(), w);
        Value prod = arith::MulFOp::create(nb, l, a[0], w);
        return arith::AddFOp::create(nb, l, a[2], prod);
      });
}

/// The int8 product of a dense layer with i8 weights, as mlp.dense defines
/// it: each row of x quantized with its scale max|x| / 127, the products
/// summed in i32, the sum scaled to f32 (before the bias).
Value buildInt8Product(OpBuilder &b, Location loc, DenseOp op,
                       RankedTensorType resultType) {
  MLIRContext *ctx = b.getContext();
  Value x = op.getX();
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  auto xType = cast<RankedTensorType>(x.getType());
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  auto map = [&](unsigned dims, ArrayRef<AffineExpr> e) {
    return AffineMap::get(dims, 0, e, ctx);
  };
  auto par = IteratorType::parallel, red = IteratorType::reduction;
  // max |x| per row.
  auto rowsType = RankedTensorType::get({xType.getDimSize(0)}, f32);
  Value amax = mlpc::buildGeneric(
      b, loc, ValueRange{x},
      mlpc::fillF32(b, loc, mlpc::emptyLike(b, loc, rowsType, x, {0}), 0.0),
      {map(2, {m, n}), map(2, {m})}, {par, red},
      [](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value v = math::AbsFOp::create(nb, l, a[0]);
        Value greater =
            arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT, v, a[1]);
        return arith::SelectOp::create(nb, l, greater, v, a[1]);
      });
  // Σ x · 0 per row: NaN when the row holds a NaN or an infinity.
  Value nanOrZero = mlpc::buildGeneric(
      b, loc, ValueRange{x},
      mlpc::fillF32(b, loc, mlpc::emptyLike(b, loc, rowsType, x, {0}), 0.0),
      {map(2, {m, n}), map(2, {m})}, {par, red},
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value z = arith::MulFOp::create(nb, l, a[0],
                                        mlpc::floatConstant(nb, l, f32, 0.0));
        return arith::AddFOp::create(nb, l, a[1], z);
      });
  // The quantized rows, as i32.
  auto qType = RankedTensorType::get(xType.getShape(), i32);
  Value q = mlpc::buildGeneric(
      b, loc, ValueRange{x, amax}, mlpc::emptyLike(b, loc, qType, x, {0, 1}),
      {map(2, {m, n}), map(2, {m}), map(2, {m, n})}, {par, par},
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value zero = mlpc::floatConstant(nb, l, f32, 0.0);
        Value c127 = mlpc::floatConstant(nb, l, f32, 127.0);
        Value positive =
            arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT, a[1], zero);
        Value inv = arith::SelectOp::create(
            nb, l, positive, arith::DivFOp::create(nb, l, c127, a[1]), zero);
        Value t = arith::MulFOp::create(nb, l, a[0], inv);
        t = arith::MinNumFOp::create(
            nb, l,
            arith::MaxNumFOp::create(nb, l, t,
                                     mlpc::floatConstant(nb, l, f32, -127.0)),
            c127);
        return arith::FPToSIOp::create(nb, l, i32,
                                       math::RoundEvenOp::create(nb, l, t));
      });
  auto accType = RankedTensorType::get(resultType.getShape(), i32);
  Value zeroI = arith::ConstantIntOp::create(b, loc, i32, 0);
  Value accInit =
      linalg::FillOp::create(b, loc, zeroI,
                             mlpc::emptyLike(b, loc, accType, x, {0, 1}))
          .getResult(0);
  Value acc = mlpc::buildGeneric(
      b, loc, ValueRange{q, op.getW()}, accInit,
      {map(3, {m, k}), op.getTransposeW() ? map(3, {n, k}) : map(3, {k, n}),
       map(3, {m, n})},
      {par, par, red}, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value w = arith::ExtSIOp::create(nb, l, i32, a[1]);
        return arith::AddIOp::create(nb, l, a[2],
                                     arith::MulIOp::create(nb, l, a[0], w));
      });
  return mlpc::buildGeneric(
      b, loc, ValueRange{acc, amax, nanOrZero, op.getWScale()},
      mlpc::emptyLike(b, loc, resultType, x, {0, 1}),
      {map(2, {m, n}), map(2, {m}), map(2, {m}), map(2, {n}), map(2, {m, n})},
      {par, par}, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value rowScale = arith::AddFOp::create(
            nb, l,
            arith::DivFOp::create(nb, l, a[1],
                                  mlpc::floatConstant(nb, l, f32, 127.0)),
            a[2]);
        Value sum = arith::SIToFPOp::create(nb, l, f32, a[0]);
        return arith::MulFOp::create(
            nb, l, sum, arith::MulFOp::create(nb, l, rowScale, a[3]));
      });
}

/// The identity map of an elementwise op over `t`'s rank.
Value buildUnary(OpBuilder &b, Location loc, Value x,
                 function_ref<Value(OpBuilder &, Location, Value)> fn) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  AffineMap id = AffineMap::getMultiDimIdentityMap(rank, b.getContext());
  Value init = mlpc::emptyLike(b, loc, type, x,
                               llvm::to_vector(llvm::seq<int64_t>(rank)));
  return mlpc::buildGeneric(
      b, loc, x, init, {id, id},
      SmallVector<IteratorType>(rank, IteratorType::parallel),
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        return fn(nb, l, a[0]);
      });
}

struct LowerMatmul : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &b) const override {
    b.replaceOp(op, buildMatmul(b, op.getLoc(), op.getA(), op.getB(),
                                op.getTransposeB(),
                                cast<RankedTensorType>(op.getType())));
    return success();
  }
};

/// The generic form of a dense layer, for targets and shapes that the
/// register-tiled kernel of mlp-lower-dense does not take.
struct LowerDenseGeneric : OpRewritePattern<DenseOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DenseOp op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value prod = op.getWScale() ? buildInt8Product(b, loc, op, type)
                                : buildMatmul(b, loc, op.getX(), op.getW(),
                                              op.getTransposeW(), type);
    MLIRContext *ctx = b.getContext();
    AffineMap id = AffineMap::getMultiDimIdentityMap(2, ctx);
    AffineMap col = AffineMap::get(2, 0, {b.getAffineDimExpr(1)}, ctx);
    ActivationSpec act = getActivationSpec(op);
    Value result = mlpc::buildGeneric(
        b, loc, ValueRange{prod, op.getB()},
        mlpc::emptyLike(b, loc, type, prod, {0, 1}), {id, col, id},
        {IteratorType::parallel, IteratorType::parallel},
        [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
          Value z = arith::AddFOp::create(nb, l, a[0], a[1]);
          return mlpc::buildActivation(nb, l, act, z);
        });
    b.replaceOp(op, result);
    return success();
  }
};

/// numpy broadcasting: operand dimension i aligns with result dimension
/// i + (resultRank - operandRank); a static 1 against a larger result
/// dimension reads index 0.
struct LowerBinary : RewritePattern {
  LowerBinary(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}
  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &b) const override {
    if (!isBinaryElementwise(op))
      return failure();
    Location loc = op->getLoc();
    MLIRContext *ctx = b.getContext();
    auto type = cast<RankedTensorType>(op->getResult(0).getType());
    int64_t rank = type.getRank();
    SmallVector<AffineMap> maps;
    SmallVector<Value> dynSizes;
    SmallVector<Value> inputs(op->getOperands());
    for (Value in : inputs) {
      auto inType = cast<RankedTensorType>(in.getType());
      int64_t offset = rank - inType.getRank();
      SmallVector<AffineExpr> exprs;
      for (int64_t i = 0; i < inType.getRank(); ++i) {
        bool stretched =
            inType.getDimSize(i) == 1 && type.getDimSize(i + offset) != 1;
        exprs.push_back(stretched ? b.getAffineConstantExpr(0)
                                  : b.getAffineDimExpr(i + offset));
      }
      maps.push_back(AffineMap::get(rank, 0, exprs, ctx));
    }
    // Each dynamic result size comes from an operand whose aligned
    // dimension is dynamic (dynamic dimensions are never stretched).
    for (int64_t d = 0; d < rank; ++d) {
      if (!ShapedType::isDynamic(type.getDimSize(d)))
        continue;
      for (Value in : inputs) {
        auto inType = cast<RankedTensorType>(in.getType());
        int64_t i = d - (rank - inType.getRank());
        if (i >= 0 && ShapedType::isDynamic(inType.getDimSize(i))) {
          dynSizes.push_back(tensor::DimOp::create(b, loc, in, i));
          break;
        }
      }
    }
    Value init = tensor::EmptyOp::create(b, loc, type.getShape(),
                                         type.getElementType(), dynSizes);
    maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
    Value result = mlpc::buildGeneric(
        b, loc, inputs, init, maps,
        SmallVector<IteratorType>(rank, IteratorType::parallel),
        [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
          return mlpc::buildBinary(nb, l, op, a[0], a[1]);
        });
    b.replaceOp(op, result);
    return success();
  }
};

struct LowerActivation : RewritePattern {
  LowerActivation(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}
  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &b) const override {
    std::optional<ActivationSpec> spec = getActivationSpec(op);
    if (!spec)
      return failure();
    b.replaceOp(op, buildUnary(b, op->getLoc(), op->getOperand(0),
                               [&](OpBuilder &nb, Location l, Value v) {
                                 return mlpc::buildActivation(nb, l, *spec, v);
                               }));
    return success();
  }
};

struct LowerToLinalgPass : mlpc::impl::LowerToLinalgBase<LowerToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<MlpDialect>();
    // The work estimates mlp-lower-dense put in its parallel loops stay for
    // mlp-outline-parallel, its target instructions for mlp-lower-intrinsics.
    target.addLegalOp<TaskFlopsOp, IntrinsicOp>();
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect,
                           arith::ArithDialect, math::MathDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(ctx);
    patterns.add<LowerMatmul, LowerDenseGeneric, LowerBinary, LowerActivation>(
        ctx);
    mlpc::populateLowerShapeOpsPatterns(patterns);
    mlpc::populateLowerLossPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
