//===- FuseDense.cpp - matmul + bias (+ activation) -> mlp.dense ----------===//
//
// Fusion happens in two legal steps so that every DAG shape is covered by
// the same two rules: add(matmul, bias) -> dense{none}, then
// act(dense{none}) -> dense{act}. A step applies only when the value it
// absorbs has no other user; otherwise the other users would need the
// unfused value and fusing would compute the product twice.
//
//===----------------------------------------------------------------------===//
#include "mlp/MlpOps.h"
#include "mlpc/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mlpc {
#define GEN_PASS_DEF_FUSEDENSE
#include "mlpc/Transforms/Passes.h.inc"
} // namespace mlir::mlpc

using namespace mlir;
using namespace mlir::mlp;

namespace {

/// add(matmul(x, w), b) or add(b, matmul(x, w)) with b a [N] bias.
struct FuseBiasAdd : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp add,
                                PatternRewriter &rewriter) const override {
    for (int side = 0; side < 2; ++side) {
      Value mmValue = side == 0 ? add.getA() : add.getB();
      Value bias = side == 0 ? add.getB() : add.getA();
      auto mm = mmValue.getDefiningOp<MatmulOp>();
      if (!mm || !mm->hasOneUse())
        continue;
      auto mmType = cast<RankedTensorType>(mm.getType());
      auto biasType = cast<RankedTensorType>(bias.getType());
      // Only a row bias: rank 1 with the product's column count, and the
      // add must not broadcast the product itself to a larger shape.
      if (biasType.getRank() != 1 || add.getType() != mmType ||
          biasType.getDimSize(0) != mmType.getDimSize(1) ||
          ShapedType::isDynamic(biasType.getDimSize(0)))
        continue;
      // The matmul's location first: the layer's name (an ONNX MatMul or
      // Gemm node's, which --keep-f32 takes) is the product's.
      auto dense = DenseOp::create(
          rewriter, rewriter.getFusedLoc({mm.getLoc(), add.getLoc()}),
          add.getType(), mm.getA(), mm.getB(), bias, /*w_scale=*/Value(),
          rewriter.getStringAttr("none"), rewriter.getF32FloatAttr(0.01f),
          rewriter.getF32FloatAttr(0.0f),
          rewriter.getBoolAttr(mm.getTransposeB()), mm.getKeepF32Attr());
      rewriter.replaceOp(add, dense.getResult());
      rewriter.eraseOp(mm);
      return success();
    }
    return rewriter.notifyMatchFailure(add, "not a matmul plus a row bias");
  }
};

/// act(dense{activation = "none"}) -> dense{activation = act}.
struct FuseActivation : RewritePattern {
  FuseActivation(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}

  LogicalResult matchAndRewrite(Operation *act,
                                PatternRewriter &rewriter) const override {
    std::optional<ActivationSpec> spec = getActivationSpec(act);
    if (!spec)
      return failure();
    auto dense = act->getOperand(0).getDefiningOp<DenseOp>();
    if (!dense || !dense->hasOneUse() || dense.getActivation() != "none")
      return rewriter.notifyMatchFailure(act, "operand is not a bare dense");
    auto fused = DenseOp::create(
        rewriter, rewriter.getFusedLoc({dense.getLoc(), act->getLoc()}),
        act->getResultTypes(), dense.getX(), dense.getW(), dense.getB(),
        dense.getWScale(), rewriter.getStringAttr(spec->name),
        rewriter.getF32FloatAttr(spec->alpha),
        rewriter.getF32FloatAttr(spec->beta), dense.getTransposeWAttr(),
        dense.getKeepF32Attr());
    rewriter.replaceOp(act, fused.getResult());
    rewriter.eraseOp(dense);
    return success();
  }
};

struct FuseDensePass : mlpc::impl::FuseDenseBase<FuseDensePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseBiasAdd, FuseActivation>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
