//===- ApproximateMath.cpp - polynomial exp/log/tanh/erf/erfc -------------===//
//
// libm calls cannot be vectorized: on a vector they are unrolled into one
// call per lane. Upstream's approximations are plain arithmetic, so the
// dense kernel's epilogue and the softmax loops stay in vector registers.
//
//===----------------------------------------------------------------------===//
#include "mlpc/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mlpc {
#define GEN_PASS_DEF_APPROXIMATEMATH
#include "mlpc/Passes.h.inc"
} // namespace mlir::mlpc

using namespace mlir;

namespace {
struct ApproximateMathPass
    : mlpc::impl::ApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns, [](StringRef name) {
      return name == math::ExpOp::getOperationName() ||
             name == math::LogOp::getOperationName() ||
             name == math::TanhOp::getOperationName() ||
             name == math::ErfOp::getOperationName() ||
             name == math::ErfcOp::getOperationName();
    });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
