//===- LowerToLinalg.cpp - mlp ops -> linalg.generic on tensors -----------===//
//
// Every op becomes a linalg.generic so that upstream's elementwise fusion
// can merge chains of them (e.g. a residual add followed by an activation)
// into one loop nest.
//
//===----------------------------------------------------------------------===//
#include "LowerShapeOps.h"
#include "mlp/MlpOps.h"
#include "mlpc/Transforms/Passes.h"
#include "mlpc/Utils/Activation.h"
#include "mlpc/Utils/LinalgBuilders.h"

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
        Value prod = arith::MulFOp::create(nb, l, a[0], a[1]);
        return arith::AddFOp::create(nb, l, a[2], prod);
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
    Value prod =
        buildMatmul(b, loc, op.getX(), op.getW(), op.getTransposeW(), type);
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
    // mlp-outline-parallel.
    target.addLegalOp<TaskFlopsOp>();
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect,
                           arith::ArithDialect, math::MathDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(ctx);
    patterns.add<LowerMatmul, LowerDenseGeneric, LowerBinary, LowerActivation>(
        ctx);
    mlpc::populateLowerShapeOpsPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
