//===- LowerDense.cpp - mlp.dense -> register-tiled kernel ----------------===//
//
// The patterns that find each dense layer and what its epilogue fuses (a
// softmax, a residual add and its activation); DenseKernel/ chooses and
// emits the kernel.
//
//===----------------------------------------------------------------------===//
#include "DenseKernel/DenseKernel.h"
#include "mlpc/CPU/Passes.h"
#include "mlpc/Utils/Attributes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mlpc {
#define GEN_PASS_DEF_LOWERDENSE
#include "mlpc/CPU/Passes.h.inc"
} // namespace mlir::mlpc

using namespace mlir;
using namespace mlir::mlp;
using mlpc::DenseKernel;
using mlpc::Epilogue;
using mlpc::Head;

namespace {
/// A dense layer on its own.
struct LowerDenseOp : OpRewritePattern<DenseOp> {
  LowerDenseOp(MLIRContext *ctx, DenseKernel kernel)
      : OpRewritePattern(ctx), kernel(kernel) {}
  DenseKernel kernel;

  LogicalResult matchAndRewrite(DenseOp op, PatternRewriter &b) const override {
    if (!DenseKernel::applies(op))
      return b.notifyMatchFailure(op, "the kernel needs static K and N");
    if (kernel.fusableHead(op))
      return b.notifyMatchFailure(op, "lowered with its softmax or norm");
    if (DenseKernel::fusableResidual(op))
      return b.notifyMatchFailure(op, "lowered with its residual add");
    b.replaceOp(op, kernel.lower(op, Epilogue::of(op), b));
    return success();
  }
};

/// softmax / log_softmax / layer_norm of a dense layer whose rows fit in
/// one tile: one kernel, normalizing each row in registers before the
/// store.
struct LowerDenseWithHead : RewritePattern {
  LowerDenseWithHead(MLIRContext *ctx, DenseKernel kernel)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx),
        kernel(kernel) {}
  DenseKernel kernel;

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &b) const override {
    if (!isa<SoftmaxOp, LogSoftmaxOp, LayerNormOp>(op))
      return failure();
    auto dense = op->getOperand(0).getDefiningOp<DenseOp>();
    if (!dense || !DenseKernel::applies(dense))
      return failure();
    std::optional<std::pair<Operation *, Head>> head =
        kernel.fusableHead(dense);
    if (!head || head->first != op)
      return failure();
    Epilogue ep = Epilogue::of(dense, head->second);
    if (auto ln = dyn_cast<LayerNormOp>(op)) {
      // The scale and bias may be defined between the two ops.
      b.setInsertionPoint(op);
      ep.normScale = ln.getScale();
      ep.normBias = ln.getBias();
      ep.normEpsilon = ln.getEpsilon().convertToFloat();
    } else {
      b.setInsertionPoint(dense);
    }
    Value out = kernel.lower(dense, ep, b);
    b.replaceOp(op, out);
    b.eraseOp(dense);
    return success();
  }
};

/// A residual add after a dense layer (and the activation after it): one
/// kernel, adding the residual to the accumulators before the activation,
/// so that the sum never goes to memory and needs no scratch.
struct LowerDenseWithResidual : OpRewritePattern<AddOp> {
  LowerDenseWithResidual(MLIRContext *ctx, DenseKernel kernel)
      : OpRewritePattern(ctx), kernel(kernel) {}
  DenseKernel kernel;

  LogicalResult matchAndRewrite(AddOp add, PatternRewriter &b) const override {
    for (Value operand : {add.getA(), add.getB()}) {
      auto dense = operand.getDefiningOp<DenseOp>();
      if (!dense || !DenseKernel::applies(dense))
        continue;
      std::optional<DenseKernel::Residual> residual =
          DenseKernel::fusableResidual(dense);
      if (!residual || residual->add != add)
        continue;
      Epilogue ep;
      ep.residual = residual->value;
      Operation *root = add;
      if (Operation *act = residual->activation) {
        ep.activation = *getActivationSpec(act);
        root = act;
      }
      // Here, not at the dense layer: the residual may be defined between.
      b.setInsertionPoint(add);
      Value out = kernel.lower(dense, ep, b);
      b.replaceOp(root, out);
      if (root != add)
        b.eraseOp(add);
      b.eraseOp(dense);
      return success();
    }
    return b.notifyMatchFailure(add, "not a residual add after a dense layer");
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
    DenseKernel kernel;
    kernel.tuning.tileRows = tileRows;
    kernel.tuning.tileCols = tileCols;
    kernel.tuning.vectorWidth = vectorWidth;
    if (strategy != "auto") {
      kernel.strategy = mlpc::parseStrategy(strategy);
      if (!kernel.strategy) {
        getOperation().emitError("mlp-lower-dense: strategy '")
            << strategy
            << "' is not one; use auto, rows-outer, column-groups, "
               "panels-outer or column-split";
        return signalPassFailure();
      }
    }
    std::optional<mlpc::Int8Product> int8 = mlpc::parseInt8Product(int8Product);
    std::optional<mlpc::BF16Product> bf16 = mlpc::parseBF16Product(bf16Product);
    if (!int8 || !bf16) {
      getOperation().emitError("mlp-lower-dense: int8-product must be "
                               "generic, maddwd or vnni and bf16-product "
                               "widen or dot");
      return signalPassFailure();
    }
    kernel.tuning.int8 = *int8;
    kernel.tuning.bf16 = *bf16;
    RewritePatternSet patterns(&getContext());
    patterns.add<LowerDenseOp, LowerDenseWithHead, LowerDenseWithResidual>(
        &getContext(), kernel);
    bool any = false;
    getOperation().walk([&](DenseOp op) { any |= DenseKernel::applies(op); });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    if (any)
      getOperation()->setAttr(
          mlpc::kRowBlockAttr,
          IntegerAttr::get(IntegerType::get(&getContext(), 64), tileRows));
  }
};
} // namespace
