//===- UnshareEmptyTensors.cpp - one tensor.empty per use -----------------===//
//
// See the pass description in Passes.td: a tensor.empty shared by two
// kernels' destinations (after CSE) made MLIR 22's One-Shot Bufferize give
// both kernels one buffer while the first's result was still to be read.
//
//===----------------------------------------------------------------------===//
#include "mlpc/Transforms/Passes.h"

namespace mlir::mlpc {
#define GEN_PASS_DEF_UNSHAREEMPTYTENSORS
#include "mlpc/Transforms/Passes.h.inc"
} // namespace mlir::mlpc

using namespace mlir;

namespace {
struct UnshareEmptyTensorsPass
    : mlpc::impl::UnshareEmptyTensorsBase<UnshareEmptyTensorsPass> {
  void runOnOperation() override {
    // In program order, the first use of each tensor.empty keeps it and
    // every later use gets a clone, placed beside the original (its sizes
    // are defined there, and it dominates every use).
    DenseSet<Operation *> claimed;
    getOperation()->walk<WalkOrder::PreOrder>([&](Operation *op) {
      for (OpOperand &operand : op->getOpOperands()) {
        auto empty = operand.get().getDefiningOp<tensor::EmptyOp>();
        if (!empty || claimed.insert(empty).second)
          continue;
        OpBuilder b(empty);
        b.setInsertionPointAfter(empty);
        operand.set(b.clone(*empty)->getResult(0));
      }
    });
  }
};
} // namespace
