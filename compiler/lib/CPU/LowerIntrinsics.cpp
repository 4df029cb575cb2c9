//===- LowerIntrinsics.cpp - mlp.intrinsic -> llvm.call_intrinsic ---------===//
#include "mlp/MlpOps.h"
#include "mlpc/CPU/Passes.h"

namespace mlir::mlpc {
#define GEN_PASS_DEF_LOWERINTRINSICS
#include "mlpc/CPU/Passes.h.inc"
} // namespace mlir::mlpc

using namespace mlir;

namespace {
struct LowerIntrinsicsPass
    : mlpc::impl::LowerIntrinsicsBase<LowerIntrinsicsPass> {
  void runOnOperation() override {
    getOperation().walk([](mlp::IntrinsicOp op) {
      OpBuilder b(op);
      auto call = LLVM::CallIntrinsicOp::create(b, op.getLoc(), op.getType(),
                                                op.getNameAttr(), op.getArgs());
      op.replaceAllUsesWith(call.getResult(0));
      op.erase();
    });
  }
};
} // namespace
