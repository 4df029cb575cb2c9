//===- CAbi/EntryABI.h - what both targets' entry points share --*- C++ -*-===//
//
// What mlp-emit-c-abi (CPU) and mlp-emit-gpu-host (GPU) both build in the
// LLVM dialect: the public `int32_t NAME(buffers..., int64_t batch, ...)`
// functions and the checks they make before touching a buffer, so that both
// targets reject exactly the same calls with the same status.
//
//===----------------------------------------------------------------------===//
#ifndef MLPC_ENTRYABI_H
#define MLPC_ENTRYABI_H

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::mlpc {

/// LLVM dialect constants: an i64, an i32, an i1.
Value llvmI64(OpBuilder &b, Location loc, int64_t v);
Value llvmI32(OpBuilder &b, Location loc, int32_t v);
Value llvmBool(OpBuilder &b, Location loc, bool v);

/// Appends the fields of a contiguous row-major memref at `ptr` with
/// `sizes` (i64 values), in the order in which func-to-llvm expands a
/// memref argument and convert-gpu-to-nvvm a kernel parameter: allocated,
/// aligned, offset, sizes..., strides.... Upstream's MemRefDescriptor packs
/// the same fields into a struct that these calls would unpack again, which
/// costs instructions at -O0.
void appendMemRefFields(OpBuilder &b, Location loc, Value ptr,
                        ArrayRef<Value> sizes, SmallVectorImpl<Value> &fields);

/// Bytes of one batch row of a buffer of f32 `shape` (dimensions after the
/// leading one).
int64_t rowBytes(ArrayRef<int64_t> shape);

/// An i1 that is true when any of `ptrs` (LLVM pointers) is null.
Value buildAnyNull(OpBuilder &b, Location loc, ValueRange ptrs);

/// The largest byte size a buffer can have: 2^56, the largest virtual
/// address space of x86-64 (5-level paging) and AArch64. A batch that
/// makes any buffer larger cannot be valid, and checking it first keeps
/// the byte sizes that the later checks compute from overflowing.
constexpr int64_t kMaxBufferBytes = int64_t(1) << 56;

/// The largest valid batch for buffers of `shapes` whose leading dimension
/// is dynamic, and `extraRowBytes` of scratch per row (0: none): no buffer
/// over kMaxBufferBytes. INT64_MAX when no shape is batched.
int64_t largestBatch(ArrayRef<ArrayRef<int64_t>> shapes,
                     int64_t extraRowBytes = 0);

/// An i1 that is true when `batch` (i64) is not a valid batch for buffers of
/// `shapes`: below 1; different from the static leading size when no shape
/// has a dynamic one; or above largestBatch.
Value buildBadBatch(OpBuilder &b, Location loc, Value batch,
                    ArrayRef<ArrayRef<int64_t>> shapes,
                    int64_t extraRowBytes = 0);

/// The byte size (i64) of a buffer of f32 `shape` at `batch` rows when its
/// leading dimension is dynamic, else at its static leading size.
Value buildBufferBytes(OpBuilder &b, Location loc, Value batch,
                       ArrayRef<int64_t> shape);

/// Where each buffer starts and ends, as i64 addresses, at `batch` rows (a
/// valid batch: the byte sizes do not overflow).
struct BufferExtents {
  SmallVector<Value> starts, ends;
};
BufferExtents buildExtents(OpBuilder &b, Location loc, ValueRange ptrs,
                           Value batch, ArrayRef<ArrayRef<int64_t>> shapes);

/// An i1 that is true when a buffer ends past the end of the address space
/// (its end address wraps around).
Value buildAnyWrap(OpBuilder &b, Location loc, const BufferExtents &extents);

/// An i1 that is true when one of the buffers from `numInputs` on (the
/// outputs) shares a byte with another buffer.
Value buildAnyOverlap(OpBuilder &b, Location loc, const BufferExtents &extents,
                      unsigned numInputs);

/// The checks at b's insertion point, in `region` of an entry point
/// returning i32 whose first `numInputs` buffers are inputs: new blocks
/// return MLPC_ERR_NULL_POINTER, MLPC_ERR_BAD_BATCH (for a batch too large,
/// or a buffer that wraps the address space) or MLPC_ERR_OVERLAP,
/// and b is left at the start of the block where a valid call goes on,
/// which is returned.
Block *buildEntryChecks(OpBuilder &b, Location loc, Region &region,
                        ValueRange ptrs, Value batch,
                        ArrayRef<ArrayRef<int64_t>> shapes, unsigned numInputs,
                        int64_t extraRowBytes = 0);

/// At b's insertion point in `region`, after buildEntryChecks: each buffer
/// i with classCounts[i] > 0 holds one i32 class index per row, which must
/// lie in [0, classCounts[i]); a new block returns MLPC_ERR_BAD_INDEX
/// for the first that does not. b is left where a valid call goes on.
void buildIndexChecks(OpBuilder &b, Location loc, Region &region,
                      ValueRange ptrs, Value batch,
                      ArrayRef<ArrayRef<int64_t>> shapes,
                      ArrayRef<int64_t> classCounts);

/// The shapes of an entry's arguments, then its results, as mlp-entry-points
/// and mlp-lower-to-gpu record them on its kernel (kArgShapesAttr,
/// kResultShapesAttr); `numInputs`, if given, gets the argument count.
/// Fails when the kernel lacks them.
FailureOr<SmallVector<ArrayRef<int64_t>>>
entryShapes(Operation *kernel, unsigned *numInputs = nullptr);

/// `int32_t name(ptr x numBuffers, i64 batch, extra...)` with an entry block,
/// created at b's insertion point; b is left at the start of that block.
LLVM::LLVMFuncOp createEntryFunction(OpBuilder &b, Location loc, StringRef name,
                                     unsigned numBuffers, TypeRange extra = {});

/// The declaration of external function `name` (the runtime's, or libc's),
/// made once at the end of `module`.
LLVM::LLVMFuncOp declareFunction(ModuleOp module, StringRef name, Type result,
                                 ArrayRef<Type> params);

/// Constants and blocks for the emitters, at one location.
struct LLVMEmitter {
  explicit LLVMEmitter(MLIRContext *ctx, Location loc)
      : ctx(ctx), b(ctx), loc(loc), ptrTy(LLVM::LLVMPointerType::get(ctx)),
        i64(b.getI64Type()), i32(b.getI32Type()) {}

  MLIRContext *ctx;
  OpBuilder b;
  Location loc;
  Type ptrTy, i64, i32;

  Value cst64(int64_t v) { return llvmI64(b, loc, v); }
  Value cst32(int32_t v) { return llvmI32(b, loc, v); }
  /// `values` (all of type `elem`) stored in an array on the stack.
  Value stackArray(Type elem, ValueRange values) {
    Value array =
        LLVM::AllocaOp::create(b, loc, ptrTy, elem, cst64(values.size()), 8);
    for (auto [i, v] : llvm::enumerate(values))
      LLVM::StoreOp::create(
          b, loc, v,
          LLVM::GEPOp::create(b, loc, ptrTy, elem, array,
                              ArrayRef<LLVM::GEPArg>{int32_t(i)}));
    return array;
  }
  /// A new block at the end of `region`, with arguments of `args` types.
  Block *addBlock(Region &region, TypeRange args = {}) {
    Block *blk = new Block();
    region.push_back(blk);
    for (Type t : args)
      blk->addArgument(t, loc);
    return blk;
  }
};

} // namespace mlir::mlpc

#endif // MLPC_ENTRYABI_H
