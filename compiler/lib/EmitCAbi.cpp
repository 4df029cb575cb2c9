//===- EmitCAbi.cpp - int32_t NAME(in..., out..., batch) wrappers ---------===//
//
// Runs on the LLVM dialect, after func-to-llvm has expanded every memref
// argument of a kernel into (allocated, aligned, offset, sizes..., strides...).
// The wrapper validates what a C caller can get wrong (null pointers, the
// batch) and returns a status instead of letting the kernel fault.
//
//===----------------------------------------------------------------------===//
#include "mlpc/EntryPoints.h"
#include "mlpc/Passes.h"
#include "mlpc/runtime.h"

#include <limits>

namespace mlir::mlpc {
#define GEN_PASS_DEF_EMITCABI
#include "mlpc/Passes.h.inc"
} // namespace mlir::mlpc

using namespace mlir;

namespace {
struct EmitCAbiPass : mlpc::impl::EmitCAbiBase<EmitCAbiPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<LLVM::LLVMFuncOp> kernels;
    module.walk([&](LLVM::LLVMFuncOp f) {
      if (f->hasAttr(mlpc::kEntryNameAttr))
        kernels.push_back(f);
    });
    for (LLVM::LLVMFuncOp kernel : kernels)
      if (failed(emitWrapper(module, kernel)))
        return signalPassFailure();
  }

  LogicalResult emitWrapper(ModuleOp module, LLVM::LLVMFuncOp kernel) {
    MLIRContext *ctx = module.getContext();
    Location loc = kernel.getLoc();
    // The kernel is reached only through its wrapper: internal linkage keeps
    // several models linkable into one program and lets LLVM inline it.
    kernel.setLinkage(LLVM::Linkage::Internal);
    kernel->removeAttr("sym_visibility");
    auto name = kernel->getAttrOfType<StringAttr>(mlpc::kEntryNameAttr);
    auto argShapes = kernel->getAttrOfType<ArrayAttr>(mlpc::kArgShapesAttr);
    auto resShapes = kernel->getAttrOfType<ArrayAttr>(mlpc::kResultShapesAttr);
    if (!name || !argShapes || !resShapes)
      return kernel.emitError("mlp-emit-c-abi: kernel lacks its entry "
                              "attributes; run mlp-entry-points first");
    SmallVector<ArrayRef<int64_t>> shapes;
    for (ArrayAttr list : {argShapes, resShapes})
      for (Attribute a : list)
        shapes.push_back(cast<DenseI64ArrayAttr>(a).asArrayRef());

    auto ptrTy = LLVM::LLVMPointerType::get(ctx);
    auto i64 = IntegerType::get(ctx, 64);
    auto i32 = IntegerType::get(ctx, 32);
    auto i1 = IntegerType::get(ctx, 1);
    SmallVector<Type> params(shapes.size(), ptrTy);
    params.push_back(i64);
    OpBuilder b(ctx);
    b.setInsertionPointAfter(kernel);
    auto wrapper = LLVM::LLVMFuncOp::create(
        b, loc, name.getValue(), LLVM::LLVMFunctionType::get(i32, params));
    // Wrappers of several models may not collide in one program, but each
    // entry name is the user's: keep it external and exported.
    Block *entry = wrapper.addEntryBlock(b);
    Block *callBlock = new Block();
    wrapper.getBody().push_back(callBlock);
    b.setInsertionPointToStart(entry);
    Value batch = entry->getArguments().back();
    auto cst64 = [&](int64_t v) {
      return LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(v));
    };
    auto ret = [&](OpBuilder &rb, int32_t code) {
      Value c = LLVM::ConstantOp::create(rb, loc, i32,
                                         rb.getI32IntegerAttr(code));
      LLVM::ReturnOp::create(rb, loc, c);
    };

    // Any null pointer -> MLPC_ERR_NULL_POINTER.
    Value null = LLVM::ZeroOp::create(b, loc, ptrTy);
    Value anyNull = LLVM::ConstantOp::create(b, loc, i1, b.getBoolAttr(false));
    for (unsigned i = 0; i < shapes.size(); ++i) {
      Value isNull = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq,
                                          entry->getArgument(i), null);
      anyNull = LLVM::OrOp::create(b, loc, anyNull, isNull);
    }
    // Batch: >= 1; the static leading size if the entry has no dynamic one;
    // small enough that no buffer's byte size overflows int64.
    bool dynamic = llvm::any_of(shapes, [](ArrayRef<int64_t> s) {
      return ShapedType::isDynamic(s[0]);
    });
    Value badBatch =
        LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::slt, batch, cst64(1));
    if (!dynamic) {
      Value ne = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne, batch,
                                      cst64(shapes.front()[0]));
      badBatch = LLVM::OrOp::create(b, loc, badBatch, ne);
    }
    for (ArrayRef<int64_t> s : shapes) {
      if (!ShapedType::isDynamic(s[0]))
        continue;
      int64_t rowBytes = 4;
      for (int64_t d : s.drop_front())
        rowBytes *= std::max<int64_t>(d, 1);
      int64_t maxBatch = std::numeric_limits<int64_t>::max() / rowBytes;
      Value tooBig = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::sgt,
                                          batch, cst64(maxBatch));
      badBatch = LLVM::OrOp::create(b, loc, badBatch, tooBig);
    }
    if (auto rowBytes =
            kernel->getAttrOfType<IntegerAttr>(mlpc::kScratchRowBytesAttr)) {
      // The scratch size, sum of every intermediate, must not overflow.
      int64_t maxBatch = std::numeric_limits<int64_t>::max() /
                         std::max<int64_t>(rowBytes.getInt(), 1);
      Value tooBig = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::sgt,
                                          batch, cst64(maxBatch));
      badBatch = LLVM::OrOp::create(b, loc, badBatch, tooBig);
    }
    Block *nullBlock = new Block(), *badBlock = new Block(),
          *batchBlock = new Block();
    wrapper.getBody().push_back(batchBlock);
    wrapper.getBody().push_back(nullBlock);
    wrapper.getBody().push_back(badBlock);
    LLVM::CondBrOp::create(b, loc, anyNull, nullBlock, batchBlock);
    b.setInsertionPointToStart(nullBlock);
    ret(b, MLPC_ERR_NULL_POINTER);
    b.setInsertionPointToStart(badBlock);
    ret(b, MLPC_ERR_BAD_BATCH);
    // The comparisons were built in the entry block; branch on them here.
    b.setInsertionPointToStart(batchBlock);
    LLVM::CondBrOp::create(b, loc, badBatch, badBlock, callBlock);

    // The call, with each pointer expanded into a memref descriptor.
    b.setInsertionPointToStart(callBlock);
    SmallVector<Value> operands;
    for (auto [i, s] : llvm::enumerate(shapes)) {
      Value p = entry->getArgument(i);
      operands.append({p, p, cst64(0)});
      SmallVector<Value> sizes;
      for (int64_t d : s)
        sizes.push_back(ShapedType::isDynamic(d) ? batch : cst64(d));
      SmallVector<Value> strides(s.size());
      int64_t stride = 1;
      for (int64_t d = s.size() - 1; d >= 0; --d) {
        strides[d] = cst64(stride);
        stride *= ShapedType::isDynamic(s[d]) ? 1 : s[d];
      }
      operands.append(sizes);
      operands.append(strides);
    }
    if (kernel->hasAttr(mlpc::kScratchRowBytesAttr))
      return callWithScratch(module, kernel, wrapper, b, loc, operands);
    if (operands.size() != kernel.getNumArguments())
      return kernel.emitError("mlp-emit-c-abi: kernel takes ")
             << kernel.getNumArguments() << " arguments, expected "
             << operands.size() << " from its entry shapes";
    LLVM::CallOp::create(b, loc, kernel, operands);
    ret(b, MLPC_OK);
    return success();
  }

  /// Allocates the kernel's scratch buffer (on the stack up to
  /// kStackScratchBytes, else with malloc, returning
  /// MLPC_ERR_OUT_OF_MEMORY if that fails), calls the kernel and frees it.
  static constexpr int64_t kStackScratchBytes = 16384;

  LogicalResult callWithScratch(ModuleOp module, LLVM::LLVMFuncOp kernel,
                                LLVM::LLVMFuncOp wrapper, OpBuilder &b,
                                Location loc, SmallVector<Value> operands) {
    MLIRContext *ctx = module.getContext();
    auto ptrTy = LLVM::LLVMPointerType::get(ctx);
    auto i64 = IntegerType::get(ctx, 64);
    auto i32 = IntegerType::get(ctx, 32);
    auto i1 = IntegerType::get(ctx, 1);
    std::string sizeName = kernel.getName().str() + "_scratch_bytes";
    auto sizeFn = module.lookupSymbol<LLVM::LLVMFuncOp>(sizeName);
    if (!sizeFn)
      return kernel.emitError("mlp-emit-c-abi: missing ") << sizeName;
    sizeFn.setLinkage(LLVM::Linkage::Internal);
    sizeFn->removeAttr("sym_visibility");
    if (operands.size() + 5 != kernel.getNumArguments() ||
        operands.size() != sizeFn.getNumArguments())
      return kernel.emitError("mlp-emit-c-abi: kernel and scratch size "
                              "function do not take the entry's buffers");
    auto cst64 = [&](int64_t v) {
      return LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(v));
    };
    auto declare = [&](StringRef name, Type result, ArrayRef<Type> args) {
      if (auto f = module.lookupSymbol<LLVM::LLVMFuncOp>(name))
        return f;
      OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
      return LLVM::LLVMFuncOp::create(mb, loc, name,
                                      LLVM::LLVMFunctionType::get(result, args));
    };
    LLVM::LLVMFuncOp mallocFn = declare("malloc", ptrTy, {i64});
    LLVM::LLVMFuncOp freeFn =
        declare("free", LLVM::LLVMVoidType::get(ctx), {ptrTy});

    Value bytes = LLVM::CallOp::create(b, loc, sizeFn, operands).getResult();
    Value small = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ule, bytes,
                                       cst64(kStackScratchBytes));
    Region &body = wrapper.getBody();
    auto addBlock = [&](TypeRange args = {}) {
      Block *blk = new Block();
      body.push_back(blk);
      for (Type t : args)
        blk->addArgument(t, loc);
      return blk;
    };
    Block *stack = addBlock(), *heap = addBlock(), *oom = addBlock(),
          *run = addBlock({ptrTy, i1}), *release = addBlock(), *done = addBlock();
    LLVM::CondBrOp::create(b, loc, small, stack, heap);

    b.setInsertionPointToStart(stack);
    Value onStack = LLVM::AllocaOp::create(b, loc, ptrTy, b.getI8Type(), bytes,
                                           /*alignment=*/64);
    Value no = LLVM::ConstantOp::create(b, loc, i1, b.getBoolAttr(false));
    LLVM::BrOp::create(b, loc, ValueRange{onStack, no}, run);

    b.setInsertionPointToStart(heap);
    Value onHeap = LLVM::CallOp::create(b, loc, mallocFn, bytes).getResult();
    Value isNull = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq, onHeap,
                                        LLVM::ZeroOp::create(b, loc, ptrTy));
    Value yes = LLVM::ConstantOp::create(b, loc, i1, b.getBoolAttr(true));
    LLVM::CondBrOp::create(b, loc, isNull, oom, ValueRange{},
                           run, ValueRange{onHeap, yes});

    b.setInsertionPointToStart(oom);
    LLVM::ReturnOp::create(
        b, loc, LLVM::ConstantOp::create(b, loc, i32,
                                         b.getI32IntegerAttr(MLPC_ERR_OUT_OF_MEMORY)));

    b.setInsertionPointToStart(run);
    Value scratch = run->getArgument(0);
    operands.append({scratch, scratch, cst64(0), bytes, cst64(1)});
    LLVM::CallOp::create(b, loc, kernel, operands);
    LLVM::CondBrOp::create(b, loc, run->getArgument(1), release, done);

    b.setInsertionPointToStart(release);
    LLVM::CallOp::create(b, loc, freeFn, scratch);
    LLVM::BrOp::create(b, loc, done);

    b.setInsertionPointToStart(done);
    LLVM::ReturnOp::create(
        b, loc, LLVM::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(MLPC_OK)));
    return success();
  }
};
} // namespace
