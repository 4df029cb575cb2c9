//===- OutlineParallel.cpp - scf.forall -> tasks for the thread pool ------===//
//
// The runtime's pool runs C functions, so a parallel loop must become one:
// its body is outlined into a function over a range of iterations, and the
// loop into a call that hands that function to the pool. The call's body is
// written after lowering to LLVM (mlp-emit-c-abi), where the live-ins are
// plain pointers and integers that fit in a context array.
//
//===----------------------------------------------------------------------===//
#include "mlp/MlpOps.h"
#include "mlpc/Transforms/Passes.h"
#include "mlpc/Utils/Attributes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::mlpc {
#define GEN_PASS_DEF_OUTLINEPARALLEL
#include "mlpc/Transforms/Passes.h.inc"
} // namespace mlir::mlpc

using namespace mlir;

namespace {
bool isCloneable(Operation *op) {
  return op && (op->hasTrait<OpTrait::ConstantLike>() ||
                isa<memref::GetGlobalOp>(op));
}

LogicalResult outline(scf::ForallOp loop, StringRef name) {
  if (loop.getRank() != 1 || !loop.getOutputs().empty())
    return loop.emitError("mlp-outline-parallel: expected a 1-D scf.forall on "
                          "buffers (after bufferization)");
  if (loop.getStaticLowerBound() != ArrayRef<int64_t>{0} ||
      loop.getStaticStep() != ArrayRef<int64_t>{1})
    return loop.emitError("mlp-outline-parallel: expected a forall from 0 "
                          "with step 1");
  Location loc = loop.getLoc();
  // The loop's stated work per iteration goes to the runtime with the
  // launch, not into the task function.
  Value flops;
  for (auto stated :
       llvm::make_early_inc_range(loop.getBody()->getOps<mlp::TaskFlopsOp>())) {
    if (flops)
      return stated.emitError("mlp-outline-parallel: a loop states its work "
                              "once; remove the second mlp.task_flops");
    flops = stated.getFlops();
    stated.erase();
  }
  llvm::SetVector<Value> liveIns;
  getUsedValuesDefinedAbove(loop.getRegion(), liveIns);
  SmallVector<Value> args, cloned;
  for (Value v : liveIns)
    (isCloneable(v.getDefiningOp()) ? cloned : args).push_back(v);

  OpBuilder b(loop->getParentOfType<func::FuncOp>());
  b.setInsertionPointAfter(loop->getParentOfType<func::FuncOp>());
  SmallVector<Type> types{b.getIndexType(), b.getIndexType()};
  for (Value v : args)
    types.push_back(v.getType());
  auto body = func::FuncOp::create(b, loc, name, b.getFunctionType(types, {}));
  body.setPrivate();
  Block *entry = body.addEntryBlock();
  OpBuilder fb = OpBuilder::atBlockBegin(entry);
  IRMapping map;
  for (auto [v, a] : llvm::zip(args, entry->getArguments().drop_front(2)))
    map.map(v, a);
  for (Value v : cloned)
    map.map(v, fb.clone(*v.getDefiningOp(), map)->getResult(0));
  Value one = arith::ConstantIndexOp::create(fb, loc, 1);
  auto tasks = scf::ForOp::create(fb, loc, entry->getArgument(0),
                                  entry->getArgument(1), one);
  fb.setInsertionPointToStart(tasks.getBody());
  map.map(loop.getInductionVar(0), tasks.getInductionVar());
  for (Operation &op : loop.getBody()->without_terminator())
    fb.clone(op, map);
  fb.setInsertionPointToEnd(entry);
  func::ReturnOp::create(fb, loc);

  // The launch, declared here and defined by mlp-emit-c-abi: (iterations,
  // FLOPs per iteration or 0 when unknown, live-ins...).
  SmallVector<Type> launchTypes{b.getIndexType(), b.getIndexType()};
  for (Value v : args)
    launchTypes.push_back(v.getType());
  auto launch = func::FuncOp::create(b, loc, (name + "_launch").str(),
                                     b.getFunctionType(launchTypes, {}));
  launch.setPrivate();
  launch->setAttr(mlpc::kParallelBodyAttr, FlatSymbolRefAttr::get(body));

  OpBuilder lb(loop);
  SmallVector<Value> operands{
      getValueOrCreateConstantIndexOp(lb, loc, loop.getMixedUpperBound()[0]),
      flops ? flops : arith::ConstantIndexOp::create(lb, loc, 0)};
  operands.append(args);
  func::CallOp::create(lb, loc, launch, operands);
  loop.erase();
  return success();
}

struct OutlineParallelPass
    : mlpc::impl::OutlineParallelBase<OutlineParallelPass> {
  void runOnOperation() override {
    SmallVector<func::FuncOp> funcs(getOperation().getOps<func::FuncOp>());
    for (func::FuncOp func : funcs) {
      SmallVector<scf::ForallOp> loops;
      func.walk([&](scf::ForallOp loop) { loops.push_back(loop); });
      for (auto [i, loop] : llvm::enumerate(loops))
        if (failed(
                outline(loop, (func.getSymName() + "_par" + Twine(i)).str())))
          return signalPassFailure();
    }
  }
};
} // namespace
