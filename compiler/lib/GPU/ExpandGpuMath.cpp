//===- ExpandGpuMath.cpp - fma/absf/floor in GPU kernels without libdevice ===//
//
// Kernels must compile on machines where only mlpc is installed: no
// libdevice.bc to link. The polynomial approximations need just these three
// math ops, all cheap to express in arith and LLVM intrinsics that NVPTX
// selects directly.
//
//===----------------------------------------------------------------------===//
#include "mlpc/GPU/Passes.h"
#include "mlpc/Utils/Activation.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mlpc {
#define GEN_PASS_DEF_EXPANDGPUMATH
#include "mlpc/GPU/Passes.h.inc"
} // namespace mlir::mlpc

using namespace mlir;

namespace {
/// The integer type of `floatType`'s bits (or a vector of them).
Type bitsType(Type floatType) {
  auto elem = cast<FloatType>(getElementTypeOrSelf(floatType));
  Type i = IntegerType::get(floatType.getContext(), elem.getWidth());
  if (auto v = dyn_cast<VectorType>(floatType))
    return v.clone(i);
  return i;
}

struct FmaToIntrinsic : OpRewritePattern<math::FmaOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::FmaOp op,
                                PatternRewriter &b) const override {
    b.replaceOpWithNewOp<LLVM::FMAOp>(op, op.getA(), op.getB(), op.getC());
    return success();
  }
};

struct AbsfToBits : OpRewritePattern<math::AbsFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::AbsFOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Type t = op.getType();
    if (!getElementTypeOrSelf(t).isF32())
      return failure();
    Type bits = bitsType(t);
    TypedAttr maskAttr = b.getI32IntegerAttr(0x7fffffff);
    if (auto shaped = dyn_cast<ShapedType>(bits))
      maskAttr = DenseElementsAttr::get(shaped, maskAttr);
    Value mask = arith::ConstantOp::create(b, loc, maskAttr);
    Value x = arith::BitcastOp::create(b, loc, bits, op.getOperand());
    Value cleared = arith::AndIOp::create(b, loc, x, mask);
    b.replaceOpWithNewOp<arith::BitcastOp>(op, t, cleared);
    return success();
  }
};

struct FloorToConversions : OpRewritePattern<math::FloorOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::FloorOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Type t = op.getType();
    if (!getElementTypeOrSelf(t).isF32())
      return failure();
    Value x = op.getOperand();
    auto c = [&](double v) { return mlpc::floatConstant(b, loc, t, v); };
    // trunc(x) through i32, one less where that rounded up (x < 0).
    Value asInt = arith::FPToSIOp::create(b, loc, bitsType(t), x);
    Value truncated = arith::SIToFPOp::create(b, loc, t, asInt);
    Value roundedUp =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, truncated, x);
    Value floor = arith::SelectOp::create(
        b, loc, roundedUp, arith::SubFOp::create(b, loc, truncated, c(1.0)),
        truncated);
    // |x| >= 2^23 is integral already; NaN fails the comparison and passes
    // through unchanged too.
    Value small =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT,
                              math::AbsFOp::create(b, loc, x), c(8388608.0));
    b.replaceOpWithNewOp<arith::SelectOp>(op, small, floor, x);
    return success();
  }
};

struct ExpandGpuMathPass : mlpc::impl::ExpandGpuMathBase<ExpandGpuMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FmaToIntrinsic, AbsfToBits, FloorToConversions>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
