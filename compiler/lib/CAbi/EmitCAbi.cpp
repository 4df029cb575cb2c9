//===- EmitCAbi.cpp - int32_t NAME(in..., out..., batch) wrappers ---------===//
//
// Runs on the LLVM dialect, after func-to-llvm has expanded every memref
// argument of a kernel into (allocated, aligned, offset, sizes..., strides...).
// The wrapper validates what a C caller can get wrong (null pointers, the
// batch) and returns a status instead of letting the kernel fault. Then:
//
//   * serially: it calls the kernel on the caller's buffers, with the
//     kernel's scratch (mlp-plan-scratch) on the stack or from malloc;
//   * for entries marked by mlp-mark-row-parallel: it hands a per-range
//     function `__mlpc_NAME_rows(ptrs, rows)` to the runtime's
//     mlpc_parallel_rows, which runs row ranges on its threads (or the
//     whole batch here, when that does not pay). When its layers read
//     their weights from L2 once per register tile anyway, a range runs in
//     chunks of rows whose intermediates stay in L2, with one scratch
//     buffer sized for a chunk (chooseRowChunk).
//
//===----------------------------------------------------------------------===//
#include "mlpc/CAbi/EntryABI.h"
#include "mlpc/CAbi/Passes.h"
#include "mlpc/CPU/TargetTuning.h"
#include "mlpc/Utils/Attributes.h"
#include "mlpc/abi.h"

#include <limits>

namespace mlir::mlpc {
#define GEN_PASS_DEF_EMITCABI
#include "mlpc/CAbi/Passes.h.inc"
} // namespace mlir::mlpc

using namespace mlir;

namespace {
/// Scratch buffers up to this size live on the stack.
constexpr int64_t kStackScratchBytes = 16384;

/// Builds LLVM dialect IR for one kernel's entry point.
class WrapperBuilder : mlpc::LLVMEmitter {
public:
  WrapperBuilder(ModuleOp module, LLVM::LLVMFuncOp kernel,
                 SmallVector<ArrayRef<int64_t>> shapes, unsigned numInputs)
      : LLVMEmitter(module.getContext(), kernel.getLoc()), module(module),
        kernel(kernel), shapes(std::move(shapes)), numInputs(numInputs),
        i1(b.getI1Type()) {}

  LogicalResult build(StringRef name);

private:
  ModuleOp module;
  LLVM::LLVMFuncOp kernel;
  SmallVector<ArrayRef<int64_t>> shapes; // arguments, then results
  unsigned numInputs;                    // how many of them are arguments
  Type i1;

  LLVM::LLVMFuncOp declare(StringRef name, Type result, ArrayRef<Type> args) {
    return mlpc::declareFunction(module, name, result, args);
  }
  LogicalResult emitKernelCall(Region &region, ValueRange ptrs, Value rows,
                               int64_t chunkRows = 0);
  SmallVector<Value> descriptors(ValueRange bufs, Value rows);
  Value smaller(Value a, Value c);
  /// The blocks around a kernel call with scratch: `run` (arguments: the
  /// buffer, whether it came from malloc), `release` (frees it) and `done`.
  struct ScratchBlocks {
    Block *run, *release, *done;
  };
  ScratchBlocks emitScratch(Region &region, Value bytes);
  Block *emitChunks(Region &region, ValueRange ptrs, Value rows, Value chunk,
                    ArrayRef<Value> scratchOperands);
  void emitRelease(const ScratchBlocks &blocks);
};

/// The kernel's memref arguments for buffers `bufs` with `rows` as the
/// dynamic leading size.
SmallVector<Value> WrapperBuilder::descriptors(ValueRange bufs, Value rows) {
  SmallVector<Value> operands;
  for (auto [p, s] : llvm::zip(bufs, shapes)) {
    SmallVector<Value> sizes;
    for (int64_t d : s)
      sizes.push_back(ShapedType::isDynamic(d) ? rows : cst64(d));
    mlpc::appendMemRefFields(b, loc, p, sizes, operands);
  }
  return operands;
}

Value WrapperBuilder::smaller(Value a, Value c) {
  return LLVM::SelectOp::create(
      b, loc, LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::slt, a, c), a,
      c);
}

/// In `region` at b's insertion point: the call's scratch buffer of `bytes`,
/// on the stack when small, else from malloc (a null result returns
/// MLPC_ERR_OUT_OF_MEMORY). Ends the current block; b is left at the start
/// of `run`.
WrapperBuilder::ScratchBlocks WrapperBuilder::emitScratch(Region &region,
                                                          Value bytes) {
  LLVM::LLVMFuncOp mallocFn = declare("malloc", ptrTy, {i64});
  Value small = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ule, bytes,
                                     cst64(kStackScratchBytes));
  Block *stack = addBlock(region), *heap = addBlock(region),
        *oom = addBlock(region), *run = addBlock(region, {ptrTy, i1}),
        *release = addBlock(region), *done = addBlock(region);
  LLVM::CondBrOp::create(b, loc, small, stack, heap);

  b.setInsertionPointToStart(stack);
  Value onStack = LLVM::AllocaOp::create(b, loc, ptrTy, b.getI8Type(), bytes,
                                         /*alignment=*/64);
  LLVM::BrOp::create(b, loc, ValueRange{onStack, mlpc::llvmBool(b, loc, false)},
                     run);

  b.setInsertionPointToStart(heap);
  Value onHeap = LLVM::CallOp::create(b, loc, mallocFn, bytes).getResult();
  Value isNull = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq, onHeap,
                                      LLVM::ZeroOp::create(b, loc, ptrTy));
  Value yes = mlpc::llvmBool(b, loc, true);
  LLVM::CondBrOp::create(b, loc, isNull, oom, ValueRange{}, run,
                         ValueRange{onHeap, yes});

  b.setInsertionPointToStart(oom);
  LLVM::ReturnOp::create(b, loc, cst32(MLPC_ERR_OUT_OF_MEMORY));
  b.setInsertionPointToStart(run);
  return {run, release, done};
}

/// The kernel on chunks of at most `chunk` rows of `rows`, each buffer
/// advanced by its row's bytes, all in the one scratch buffer:
///
///   for (start = 0; start < rows; start += chunk)
///     kernel(buffers + start rows, min(chunk, rows - start), scratch)
///
/// Ends the current block; returns the block after the loop.
Block *WrapperBuilder::emitChunks(Region &region, ValueRange ptrs, Value rows,
                                  Value chunk,
                                  ArrayRef<Value> scratchOperands) {
  Block *head = addBlock(region, {i64}), *body = addBlock(region);
  Block *finish = addBlock(region);
  LLVM::BrOp::create(b, loc, ValueRange{cst64(0)}, head);
  b.setInsertionPointToStart(head);
  Value start = head->getArgument(0);
  LLVM::CondBrOp::create(
      b, loc,
      LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::slt, start, rows), body,
      finish);
  b.setInsertionPointToStart(body);
  SmallVector<Value> moved;
  for (auto [p, s] : llvm::zip(ptrs, shapes)) {
    Value offset = LLVM::MulOp::create(b, loc, start, cst64(mlpc::rowBytes(s)));
    moved.push_back(LLVM::GEPOp::create(b, loc, ptrTy, b.getI8Type(), p,
                                        ValueRange{offset}));
  }
  Value left = LLVM::SubOp::create(b, loc, rows, start);
  SmallVector<Value> chunkOperands = descriptors(moved, smaller(left, chunk));
  chunkOperands.append(scratchOperands.begin(), scratchOperands.end());
  LLVM::CallOp::create(b, loc, kernel, chunkOperands);
  LLVM::BrOp::create(
      b, loc, ValueRange{LLVM::AddOp::create(b, loc, start, chunk)}, head);
  b.setInsertionPointToStart(finish);
  return finish;
}

/// After the kernel, at b's insertion point: frees the scratch buffer if it
/// came from malloc, and returns MLPC_OK.
void WrapperBuilder::emitRelease(const ScratchBlocks &blocks) {
  Block *run = blocks.run;
  LLVM::CondBrOp::create(b, loc, run->getArgument(1), blocks.release,
                         blocks.done);
  b.setInsertionPointToStart(blocks.release);
  LLVM::LLVMFuncOp freeFn =
      declare("free", LLVM::LLVMVoidType::get(ctx), {ptrTy});
  LLVM::CallOp::create(b, loc, freeFn, run->getArgument(0));
  LLVM::BrOp::create(b, loc, blocks.done);
  b.setInsertionPointToStart(blocks.done);
  LLVM::ReturnOp::create(b, loc, cst32(MLPC_OK));
}

/// In `region` at b's insertion point: builds memref descriptors for `ptrs`
/// with `rows` as the dynamic leading size, provides the scratch buffer,
/// calls the kernel and returns its status. Ends the current block. With
/// `chunkRows`, a kernel with scratch runs on chunks of at most that many
/// rows, all in one scratch buffer sized for one chunk.
LogicalResult WrapperBuilder::emitKernelCall(Region &region, ValueRange ptrs,
                                             Value rows, int64_t chunkRows) {
  if (!kernel->hasAttr(mlpc::kScratchRowBytesAttr)) {
    SmallVector<Value> operands = descriptors(ptrs, rows);
    if (operands.size() != kernel.getNumArguments())
      return kernel.emitError("mlp-emit-c-abi: kernel takes ")
             << kernel.getNumArguments() << " arguments, expected "
             << operands.size() << " from its entry shapes";
    LLVM::CallOp::create(b, loc, kernel, operands);
    LLVM::ReturnOp::create(b, loc, cst32(MLPC_OK));
    return success();
  }
  std::string sizeName = kernel.getName().str() + "_scratch_bytes";
  auto sizeFn = module.lookupSymbol<LLVM::LLVMFuncOp>(sizeName);
  if (!sizeFn)
    return kernel.emitError("mlp-emit-c-abi: missing ") << sizeName;
  Value chunk = chunkRows ? cst64(chunkRows) : Value();
  SmallVector<Value> operands =
      descriptors(ptrs, chunk ? smaller(rows, chunk) : rows);
  if (operands.size() + 5 != kernel.getNumArguments() ||
      operands.size() != sizeFn.getNumArguments())
    return kernel.emitError("mlp-emit-c-abi: kernel and scratch size "
                            "function do not take the entry's buffers");
  Value bytes = LLVM::CallOp::create(b, loc, sizeFn, operands).getResult();
  ScratchBlocks blocks = emitScratch(region, bytes);
  Value scratch = blocks.run->getArgument(0);
  SmallVector<Value> scratchOperands{scratch, scratch, cst64(0), bytes,
                                     cst64(1)};
  if (!chunk) {
    operands.append(scratchOperands);
    LLVM::CallOp::create(b, loc, kernel, operands);
  } else {
    emitChunks(region, ptrs, rows, chunk, scratchOperands);
  }
  emitRelease(blocks);
  return success();
}

LogicalResult WrapperBuilder::build(StringRef name) {
  // The kernel is reached only through its wrapper: internal linkage keeps
  // several models linkable into one program and lets LLVM inline it.
  for (StringRef helper : {StringRef(), StringRef("_scratch_bytes")})
    if (auto f = module.lookupSymbol<LLVM::LLVMFuncOp>(
            (kernel.getName() + helper).str())) {
      f.setLinkage(LLVM::Linkage::Internal);
      f->removeAttr("sym_visibility");
    }

  b.setInsertionPointAfter(kernel);
  auto wrapper = mlpc::createEntryFunction(b, loc, name, shapes.size());
  Region &body = wrapper.getBody();
  Value batch = wrapper.getArguments().back();
  ValueRange ptrs = wrapper.getArguments().drop_back();

  // Any null pointer -> MLPC_ERR_NULL_POINTER; a bad batch ->
  // MLPC_ERR_BAD_BATCH; an output overlapping another buffer ->
  // MLPC_ERR_OVERLAP.
  int64_t scratchRowBytes = 0;
  if (auto scratch =
          kernel->getAttrOfType<IntegerAttr>(mlpc::kScratchRowBytesAttr))
    scratchRowBytes = scratch.getInt();
  Block *callBlock = mlpc::buildEntryChecks(b, loc, body, ptrs, batch, shapes,
                                            numInputs, scratchRowBytes);
  if (auto counts =
          kernel->getAttrOfType<DenseI64ArrayAttr>(mlpc::kClassCountsAttr)) {
    mlpc::buildIndexChecks(b, loc, body, ptrs, batch, shapes,
                           counts.asArrayRef());
    callBlock = b.getInsertionBlock();
  }

  auto flops = kernel->getAttrOfType<IntegerAttr>(mlpc::kRowParallelAttr);
  bool allBatched = llvm::all_of(
      shapes, [](ArrayRef<int64_t> s) { return ShapedType::isDynamic(s[0]); });
  if (!flops || !allBatched)
    return emitKernelCall(body, ptrs, batch);

  // __mlpc_NAME_rows(void *const *ptrs, int64_t rows): one row range.
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(wrapper);
  auto rowsFn = LLVM::LLVMFuncOp::create(
      b, loc, (kernel.getName() + "_rows").str(),
      LLVM::LLVMFunctionType::get(i32, {ptrTy, i64}), LLVM::Linkage::Internal);
  Block *rowsEntry = rowsFn.addEntryBlock(b);
  b.setInsertionPointToStart(rowsEntry);
  SmallVector<Value> loaded;
  for (unsigned i = 0; i < shapes.size(); ++i) {
    Value slot =
        LLVM::GEPOp::create(b, loc, ptrTy, ptrTy, rowsEntry->getArgument(0),
                            ArrayRef<LLVM::GEPArg>{int32_t(i)});
    loaded.push_back(LLVM::LoadOp::create(b, loc, ptrTy, slot));
  }
  // Layers that read their weights from L2 once per row tile anyway: the
  // range runs in chunks whose intermediates stay in L2 (a multiple of the
  // register tile's rows, so that only the last chunk has leftover rows).
  auto rowBlock = kernel->getAttrOfType<IntegerAttr>(mlpc::kRowBlockAttr);
  int64_t block = rowBlock ? std::max<int64_t>(rowBlock.getInt(), 1) : 1;
  auto weightBytes =
      kernel->getAttrOfType<IntegerAttr>(mlpc::kRowWeightBytesAttr);
  int64_t chunkRows =
      mlpc::chooseRowChunk(mlpc::TargetTuning(), scratchRowBytes,
                           weightBytes ? weightBytes.getInt() : -1, block);
  if (failed(emitKernelCall(rowsFn.getBody(), loaded, rowsEntry->getArgument(1),
                            chunkRows)))
    return failure();

  // In the wrapper: batches too small to split run right here, without a
  // call into the runtime (this is most calls of a small model).
  b.setInsertionPointToStart(callBlock);
  int64_t minRows =
      2 * int64_t(MLPC_MIN_AWAKE_FLOPS_PER_THREAD) / flops.getInt();
  Block *serial = addBlock(body), *split = addBlock(body);
  LLVM::CondBrOp::create(
      b, loc,
      LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::slt, batch,
                           cst64(std::max<int64_t>(minRows, 2))),
      serial, split);
  b.setInsertionPointToStart(serial);
  if (failed(emitKernelCall(body, ptrs, batch)))
    return failure();

  // Otherwise pointers and row sizes into arrays, then the runtime.
  b.setInsertionPointToStart(split);
  int64_t n = shapes.size();
  SmallVector<Value> rowBytes;
  for (ArrayRef<int64_t> s : shapes)
    rowBytes.push_back(cst64(mlpc::rowBytes(s)));
  Value ptrArray = stackArray(ptrTy, ptrs);
  Value rowArray = stackArray(i64, rowBytes);
  LLVM::LLVMFuncOp parallel = declare(
      "mlpc_parallel_rows", i32, {ptrTy, ptrTy, ptrTy, i32, i64, i64, i64});
  Value fnPtr = LLVM::AddressOfOp::create(b, loc, rowsFn);
  Value status = LLVM::CallOp::create(
                     b, loc, parallel,
                     ValueRange{fnPtr, ptrArray, rowArray, cst32(int32_t(n)),
                                batch, cst64(flops.getInt()), cst64(block)})
                     .getResult();
  LLVM::ReturnOp::create(b, loc, status);
  return success();
}

/// Defines `launch` (i64 n, i64 flops, fields...), the declaration
/// mlp-outline-parallel left for the parallel loop outlined into `body` (i64
/// begin, i64 end, fields...): the fields go into a context array on the
/// stack, and a task function unpacks them for each range of iterations the
/// runtime's mlpc_parallel_for hands it, with the work per iteration that
/// the loop stated (mlp.task_flops; 0: unknown).
void defineParallelLaunch(ModuleOp module, LLVM::LLVMFuncOp launch,
                          LLVM::LLVMFuncOp body) {
  MLIRContext *ctx = module.getContext();
  OpBuilder b(ctx);
  Location loc = launch.getLoc();
  Type ptrTy = LLVM::LLVMPointerType::get(ctx), i64 = b.getI64Type();
  Type voidTy = LLVM::LLVMVoidType::get(ctx);
  ArrayRef<Type> fieldTypes = body.getFunctionType().getParams().drop_front(2);
  auto slot = [&](Value base, int64_t i) -> Value {
    return LLVM::GEPOp::create(b, loc, ptrTy, i64, base,
                               ArrayRef<LLVM::GEPArg>{int32_t(i)});
  };

  b.setInsertionPointAfter(body);
  auto task = LLVM::LLVMFuncOp::create(
      b, loc, (body.getName() + "_task").str(),
      LLVM::LLVMFunctionType::get(voidTy, {ptrTy, i64, i64}),
      LLVM::Linkage::Internal);
  Block *entry = task.addEntryBlock(b);
  b.setInsertionPointToStart(entry);
  SmallVector<Value> operands{entry->getArgument(1), entry->getArgument(2)};
  for (auto [i, t] : llvm::enumerate(fieldTypes))
    operands.push_back(
        LLVM::LoadOp::create(b, loc, t, slot(entry->getArgument(0), i)));
  LLVM::CallOp::create(b, loc, body, operands);
  LLVM::ReturnOp::create(b, loc, ValueRange{});

  entry = launch.addEntryBlock(b);
  b.setInsertionPointToStart(entry);
  Value count = mlpc::llvmI64(b, loc, std::max<size_t>(fieldTypes.size(), 1));
  Value context = LLVM::AllocaOp::create(b, loc, ptrTy, i64, count, 8);
  // The launch's arguments: iterations, FLOPs per iteration, live-ins.
  for (auto [i, arg] : llvm::enumerate(entry->getArguments().drop_front(2)))
    LLVM::StoreOp::create(b, loc, arg, slot(context, i));
  auto parallelFor = mlpc::declareFunction(module, "mlpc_parallel_for", voidTy,
                                           {ptrTy, ptrTy, i64, i64});
  LLVM::CallOp::create(b, loc, parallelFor,
                       ValueRange{LLVM::AddressOfOp::create(b, loc, task),
                                  context, entry->getArgument(0),
                                  entry->getArgument(1)});
  LLVM::ReturnOp::create(b, loc, ValueRange{});
  launch->removeAttr(mlpc::kParallelBodyAttr);
  for (LLVM::LLVMFuncOp f : {launch, body}) {
    f.setLinkage(LLVM::Linkage::Internal);
    f->removeAttr("sym_visibility");
  }
}

struct EmitCAbiPass : mlpc::impl::EmitCAbiBase<EmitCAbiPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<std::pair<LLVM::LLVMFuncOp, LLVM::LLVMFuncOp>> launches;
    for (auto f : module.getOps<LLVM::LLVMFuncOp>())
      if (auto ref =
              f->getAttrOfType<FlatSymbolRefAttr>(mlpc::kParallelBodyAttr)) {
        auto body = module.lookupSymbol<LLVM::LLVMFuncOp>(ref);
        if (!f.isExternal() || !body ||
            f.getNumArguments() != body.getNumArguments()) {
          f.emitError("mlp-emit-c-abi: parallel launch without its body, or "
                      "whose arguments (count, flops, fields) do not match "
                      "the body's (begin, end, fields); run "
                      "mlp-outline-parallel to make both");
          return signalPassFailure();
        }
        launches.push_back({f, body});
      }
    for (auto [launch, body] : launches)
      defineParallelLaunch(module, launch, body);
    SmallVector<LLVM::LLVMFuncOp> kernels;
    module.walk([&](LLVM::LLVMFuncOp f) {
      if (f->hasAttr(mlpc::kEntryNameAttr))
        kernels.push_back(f);
    });
    for (LLVM::LLVMFuncOp kernel : kernels) {
      auto name = kernel->getAttrOfType<StringAttr>(mlpc::kEntryNameAttr);
      unsigned numInputs = 0;
      FailureOr<SmallVector<ArrayRef<int64_t>>> shapes =
          mlpc::entryShapes(kernel, &numInputs);
      if (!name || failed(shapes)) {
        kernel.emitError("mlp-emit-c-abi: kernel lacks its entry attributes; "
                         "run mlp-entry-points first");
        return signalPassFailure();
      }
      if (failed(
              WrapperBuilder(module, kernel, *shapes, numInputs).build(name)))
        return signalPassFailure();
    }
  }
};
} // namespace
