//===- PlanScratch.cpp - intermediates -> views of one scratch buffer -----===//
//
// After bufferization each intermediate tensor is a memref.alloc. A C entry
// point must not crash when memory runs out, and a tiny model should not
// call malloc at all. So every alloc of a kernel becomes a memref.view into
// one scratch buffer passed by the caller, and a companion function
// `@__mlpc_NAME_scratch_bytes(args...) -> index` computes its size from the
// arguments' shapes. mlp-emit-c-abi then allocates it once per call (on the
// stack when small), checks the allocation, and frees it.
//
// Sizes are computed from the kernel's arguments by cloning the pure ops
// that compute the allocs' dynamic sizes. A kernel with an alloc that is
// nested in a loop or whose size depends on anything else is left alone
// (buffer deallocation frees its buffers instead).
//
//===----------------------------------------------------------------------===//
#include "mlpc/Transforms/Passes.h"
#include "mlpc/Utils/Attributes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::mlpc {
#define GEN_PASS_DEF_PLANSCRATCH
#include "mlpc/Transforms/Passes.h.inc"
} // namespace mlir::mlpc

using namespace mlir;

namespace {
constexpr int64_t kAlign = mlpc::kScratchAlign; // cache line; AVX-512 vector

/// Clones the computation of `v` from the function arguments at `b`'s
/// insertion point, mapping the kernel's arguments through `map`. Fails if
/// `v` depends on anything but arguments and pure, region-free ops.
FailureOr<Value> cloneFromArgs(OpBuilder &b, Value v, IRMapping &map) {
  if (Value mapped = map.lookupOrNull(v))
    return mapped;
  Operation *def = v.getDefiningOp();
  if (!def || def->getNumRegions() != 0 || !isMemoryEffectFree(def))
    return failure();
  for (Value operand : def->getOperands())
    if (failed(cloneFromArgs(b, operand, map)))
      return failure();
  Operation *clone = b.clone(*def, map);
  return clone->getResult(cast<OpResult>(v).getResultNumber());
}

/// Bytes of `alloc` rounded up to kAlign, built at `b`.
FailureOr<Value> allocBytes(OpBuilder &b, memref::AllocOp alloc,
                            IRMapping &map) {
  Location loc = alloc.getLoc();
  MemRefType type = alloc.getType();
  int64_t staticElems = 1;
  for (int64_t d : type.getShape())
    if (!ShapedType::isDynamic(d))
      staticElems *= d;
  int64_t elemBytes = type.getElementTypeBitWidth() / 8;
  Value bytes = arith::ConstantIndexOp::create(b, loc, staticElems * elemBytes);
  for (Value size : alloc.getDynamicSizes()) {
    FailureOr<Value> s = cloneFromArgs(b, size, map);
    if (failed(s))
      return failure();
    bytes = arith::MulIOp::create(b, loc, bytes, *s);
  }
  Value mask = arith::ConstantIndexOp::create(b, loc, kAlign - 1);
  Value notMask = arith::ConstantIndexOp::create(b, loc, ~(kAlign - 1));
  return arith::AndIOp::create(
             b, loc, arith::AddIOp::create(b, loc, bytes, mask), notMask)
      .getResult();
}

struct PlanScratchPass : mlpc::impl::PlanScratchBase<PlanScratchPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto func : llvm::to_vector(module.getOps<func::FuncOp>()))
      if (func->hasAttr(mlpc::kEntryNameAttr))
        plan(func);
  }

  void plan(func::FuncOp func) {
    Block &entry = func.getBody().front();
    SmallVector<memref::AllocOp> allocs;
    bool plannable = true;
    func.walk([&](memref::AllocOp alloc) {
      allocs.push_back(alloc);
      // One dynamic dimension at most (the batch), in the entry block, with
      // the identity layout a view can produce.
      plannable &= alloc->getBlock() == &entry &&
                   alloc.getType().getNumDynamicDims() <= 1 &&
                   alloc.getType().getLayout().isIdentity() &&
                   alloc.getSymbolOperands().empty();
    });
    if (allocs.empty() || !plannable)
      return;

    // The size function: same arguments, returns the total byte count.
    OpBuilder b(func.getContext());
    b.setInsertionPoint(func);
    Location loc = func.getLoc();
    auto sizeFn = func::FuncOp::create(
        b, loc,
        mlpc::kernelName(
            func->getAttrOfType<StringAttr>(mlpc::kEntryNameAttr).getValue()) +
            "_scratch_bytes",
        b.getFunctionType(entry.getArgumentTypes(), {b.getIndexType()}));
    sizeFn.setPrivate();
    Block *sizeBody = sizeFn.addEntryBlock();
    OpBuilder sb = OpBuilder::atBlockBegin(sizeBody);
    IRMapping sizeMap;
    sizeMap.map(entry.getArguments(), sizeBody->getArguments());
    Value total = arith::ConstantIndexOp::create(sb, loc, 0);
    for (memref::AllocOp alloc : allocs) {
      FailureOr<Value> bytes = allocBytes(sb, alloc, sizeMap);
      if (failed(bytes)) {
        sizeFn.erase();
        return;
      }
      total = arith::AddIOp::create(sb, loc, total, *bytes);
    }
    func::ReturnOp::create(sb, loc, total);

    // The kernel: a scratch argument, and each alloc a view at its offset.
    // Offsets are computed at the top of the kernel, from the arguments.
    auto scratchType =
        MemRefType::get({ShapedType::kDynamic}, b.getIntegerType(8));
    BlockArgument scratch = entry.addArgument(scratchType, loc);
    func.setFunctionType(
        b.getFunctionType(entry.getArgumentTypes(), func.getResultTypes()));
    OpBuilder kb = OpBuilder::atBlockBegin(&entry);
    IRMapping kernelMap;
    for (BlockArgument arg : entry.getArguments())
      kernelMap.map(arg, arg);
    Value offset = arith::ConstantIndexOp::create(kb, loc, 0);
    int64_t staticRowBytes = 0;
    SmallVector<int64_t> plan; // per alloc: its static bytes, whether batched
    for (memref::AllocOp alloc : allocs) {
      Value bytes = *allocBytes(kb, alloc, kernelMap); // succeeded above
      OpBuilder ab(alloc);
      SmallVector<Value> sizes(alloc.getDynamicSizes());
      Value view = memref::ViewOp::create(ab, alloc.getLoc(), alloc.getType(),
                                          scratch, offset, sizes);
      alloc.replaceAllUsesWith(view);
      offset = arith::AddIOp::create(kb, loc, offset, bytes);
      int64_t elems = 1;
      for (int64_t d : alloc.getType().getShape())
        if (!ShapedType::isDynamic(d))
          elems *= d;
      int64_t allocBytes =
          elems * (alloc.getType().getElementTypeBitWidth() / 8);
      staticRowBytes += allocBytes + kAlign;
      plan.append({allocBytes, int64_t(alloc.getType().getNumDynamicDims())});
    }
    for (memref::AllocOp alloc : allocs)
      alloc.erase();
    // For the wrapper: no batch may make the scratch size overflow int64.
    func->setAttr(mlpc::kScratchRowBytesAttr,
                  b.getI64IntegerAttr(staticRowBytes));
    func->setAttr(mlpc::kScratchPlanAttr, b.getDenseI64ArrayAttr(plan));
  }
};
} // namespace
