//===- EntryABI.cpp - argument checks of generated entry points -----------===//
#include "mlpc/CAbi/EntryABI.h"

#include "mlpc/Utils/Attributes.h"
#include "mlpc/runtime.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Matchers.h"

#include <limits>

using namespace mlir;

Value mlpc::llvmI64(OpBuilder &b, Location loc, int64_t v) {
  return LLVM::ConstantOp::create(b, loc, b.getI64Type(),
                                  b.getI64IntegerAttr(v));
}

Value mlpc::llvmI32(OpBuilder &b, Location loc, int32_t v) {
  return LLVM::ConstantOp::create(b, loc, b.getI32Type(),
                                  b.getI32IntegerAttr(v));
}

Value mlpc::llvmBool(OpBuilder &b, Location loc, bool v) {
  return LLVM::ConstantOp::create(b, loc, b.getI1Type(), b.getBoolAttr(v));
}

void mlpc::appendMemRefFields(OpBuilder &b, Location loc, Value ptr,
                              ArrayRef<Value> sizes,
                              SmallVectorImpl<Value> &fields) {
  fields.append({ptr, ptr, llvmI64(b, loc, 0)});
  fields.append(sizes.begin(), sizes.end());
  // Strides from the innermost dimension out; a constant size folds.
  SmallVector<Value> strides(sizes.size());
  int64_t known = 1;
  Value stride;
  for (int64_t d = sizes.size() - 1; d >= 0; --d) {
    strides[d] = stride ? stride : llvmI64(b, loc, known);
    if (d == 0)
      break;
    APInt size;
    if (!stride && matchPattern(sizes[d], m_ConstantInt(&size)))
      known *= size.getSExtValue();
    else
      stride = LLVM::MulOp::create(b, loc, strides[d], sizes[d]);
  }
  fields.append(strides);
}

int64_t mlpc::rowBytes(ArrayRef<int64_t> shape) {
  int64_t bytes = 4;
  for (int64_t d : shape.drop_front())
    bytes *= std::max<int64_t>(d, 1);
  return bytes;
}

Value mlpc::buildAnyNull(OpBuilder &b, Location loc, ValueRange ptrs) {
  Value null =
      LLVM::ZeroOp::create(b, loc, LLVM::LLVMPointerType::get(b.getContext()));
  Value anyNull = llvmBool(b, loc, false);
  for (Value p : ptrs)
    anyNull = LLVM::OrOp::create(
        b, loc, anyNull,
        LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq, p, null));
  return anyNull;
}

int64_t mlpc::largestBatch(ArrayRef<ArrayRef<int64_t>> shapes,
                           int64_t extraRowBytes) {
  int64_t largest = std::numeric_limits<int64_t>::max();
  auto bound = [&](int64_t perRow) {
    largest = std::min(largest, kMaxBufferBytes / std::max<int64_t>(perRow, 1));
  };
  for (ArrayRef<int64_t> s : shapes)
    if (ShapedType::isDynamic(s[0]))
      bound(rowBytes(s));
  if (extraRowBytes)
    bound(extraRowBytes);
  return largest;
}

Value mlpc::buildBadBatch(OpBuilder &b, Location loc, Value batch,
                          ArrayRef<ArrayRef<int64_t>> shapes,
                          int64_t extraRowBytes) {
  auto cmp = [&](LLVM::ICmpPredicate p, int64_t v) -> Value {
    return LLVM::ICmpOp::create(b, loc, p, batch, llvmI64(b, loc, v));
  };
  Value bad = cmp(LLVM::ICmpPredicate::slt, 1);
  bool batched = llvm::any_of(
      shapes, [](ArrayRef<int64_t> s) { return ShapedType::isDynamic(s[0]); });
  if (!batched)
    return LLVM::OrOp::create(b, loc, bad,
                              cmp(LLVM::ICmpPredicate::ne, shapes.front()[0]));
  return LLVM::OrOp::create(
      b, loc, bad,
      cmp(LLVM::ICmpPredicate::sgt, largestBatch(shapes, extraRowBytes)));
}

Value mlpc::buildBufferBytes(OpBuilder &b, Location loc, Value batch,
                             ArrayRef<int64_t> shape) {
  Value rows =
      ShapedType::isDynamic(shape[0]) ? batch : llvmI64(b, loc, shape[0]);
  return LLVM::MulOp::create(b, loc, rows, llvmI64(b, loc, rowBytes(shape)));
}

mlpc::BufferExtents mlpc::buildExtents(OpBuilder &b, Location loc,
                                       ValueRange ptrs, Value batch,
                                       ArrayRef<ArrayRef<int64_t>> shapes) {
  BufferExtents e;
  for (auto [p, s] : llvm::zip(ptrs, shapes)) {
    Value start = LLVM::PtrToIntOp::create(b, loc, b.getI64Type(), p);
    e.starts.push_back(start);
    e.ends.push_back(
        LLVM::AddOp::create(b, loc, start, buildBufferBytes(b, loc, batch, s)));
  }
  return e;
}

Value mlpc::buildAnyWrap(OpBuilder &b, Location loc,
                         const BufferExtents &extents) {
  Value any = llvmBool(b, loc, false);
  for (auto [start, end] : llvm::zip(extents.starts, extents.ends))
    any = LLVM::OrOp::create(
        b, loc, any,
        LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ult, end, start));
  return any;
}

Value mlpc::buildAnyOverlap(OpBuilder &b, Location loc,
                            const BufferExtents &extents, unsigned numInputs) {
  ArrayRef<Value> starts = extents.starts, ends = extents.ends;
  // [a, a + m) and [c, c + n) share a byte when a < c + n and c < a + m.
  Value any = llvmBool(b, loc, false);
  for (size_t j = numInputs; j < starts.size(); ++j)
    for (size_t i = 0; i < j; ++i) {
      Value before = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ult,
                                          starts[i], ends[j]);
      Value after = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ult,
                                         starts[j], ends[i]);
      any = LLVM::OrOp::create(b, loc, any,
                               LLVM::AndOp::create(b, loc, before, after));
    }
  return any;
}

Block *mlpc::buildEntryChecks(OpBuilder &b, Location loc, Region &region,
                              ValueRange ptrs, Value batch,
                              ArrayRef<ArrayRef<int64_t>> shapes,
                              unsigned numInputs, int64_t extraRowBytes) {
  Value anyNull = buildAnyNull(b, loc, ptrs);
  Value badBatch = buildBadBatch(b, loc, batch, shapes, extraRowBytes);
  auto block = [&]() {
    Block *blk = new Block();
    region.push_back(blk);
    return blk;
  };
  auto ret = [&](Block *blk, int32_t status) {
    b.setInsertionPointToStart(blk);
    LLVM::ReturnOp::create(b, loc, llvmI32(b, loc, status));
  };
  Block *nullBlock = block(), *batchBlock = block(), *badBlock = block(),
        *extentCheck = block(), *refused = block(), *ok = block();
  LLVM::CondBrOp::create(b, loc, anyNull, nullBlock, batchBlock);
  ret(nullBlock, MLPC_ERR_NULL_POINTER);
  b.setInsertionPointToStart(batchBlock);
  LLVM::CondBrOp::create(b, loc, badBatch, badBlock, extentCheck);
  ret(badBlock, MLPC_ERR_BAD_BATCH);
  // Only for a valid batch: the byte sizes then fit in int64_t. A buffer
  // that ends past the address space cannot exist either; both it and an
  // overlap are tested with one branch, which the rare refusal then tells
  // apart, so that a valid call pays for one.
  b.setInsertionPointToStart(extentCheck);
  BufferExtents extents = buildExtents(b, loc, ptrs, batch, shapes);
  Value wraps = buildAnyWrap(b, loc, extents);
  Value overlaps = buildAnyOverlap(b, loc, extents, numInputs);
  LLVM::CondBrOp::create(b, loc, LLVM::OrOp::create(b, loc, wraps, overlaps),
                         refused, ok);
  b.setInsertionPointToStart(refused);
  LLVM::ReturnOp::create(
      b, loc,
      LLVM::SelectOp::create(b, loc, wraps, llvmI32(b, loc, MLPC_ERR_BAD_BATCH),
                             llvmI32(b, loc, MLPC_ERR_OVERLAP)));
  b.setInsertionPointToStart(ok);
  return ok;
}

void mlpc::buildIndexChecks(OpBuilder &b, Location loc, Region &region,
                            ValueRange ptrs, Value batch,
                            ArrayRef<ArrayRef<int64_t>> shapes,
                            ArrayRef<int64_t> classCounts) {
  LLVMEmitter e(b.getContext(), loc); // for its types and blocks only
  Block *bad = e.addBlock(region);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(bad);
    LLVM::ReturnOp::create(b, loc, llvmI32(b, loc, MLPC_ERR_BAD_INDEX));
  }
  for (auto [ptr, shape, classes] : llvm::zip(ptrs, shapes, classCounts)) {
    if (classes <= 0)
      continue;
    // for (i = 0; i < rows; ++i) if ((uint32_t)ptr[i] >= classes) bad;
    Value rows =
        ShapedType::isDynamic(shape[0]) ? batch : llvmI64(b, loc, shape[0]);
    Block *head = e.addBlock(region, {e.i64}), *body = e.addBlock(region),
          *next = e.addBlock(region);
    LLVM::BrOp::create(b, loc, ValueRange{llvmI64(b, loc, 0)}, head);
    b.setInsertionPointToStart(head);
    Value i = head->getArgument(0);
    LLVM::CondBrOp::create(
        b, loc, LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::slt, i, rows),
        body, next);
    b.setInsertionPointToStart(body);
    Value slot = LLVM::GEPOp::create(b, loc, e.ptrTy, e.i32, ptr,
                                     ArrayRef<LLVM::GEPArg>{i});
    Value index = LLVM::LoadOp::create(b, loc, e.i32, slot);
    Value outside = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::uge,
                                         index, llvmI32(b, loc, classes));
    Value step = LLVM::AddOp::create(b, loc, i, llvmI64(b, loc, 1));
    LLVM::CondBrOp::create(b, loc, outside, bad, ValueRange{}, head,
                           ValueRange{step});
    b.setInsertionPointToStart(next);
  }
}

FailureOr<SmallVector<ArrayRef<int64_t>>>
mlpc::entryShapes(Operation *kernel, unsigned *numInputs) {
  auto args = kernel->getAttrOfType<ArrayAttr>(kArgShapesAttr);
  auto results = kernel->getAttrOfType<ArrayAttr>(kResultShapesAttr);
  if (!args || !results)
    return failure();
  SmallVector<ArrayRef<int64_t>> shapes;
  for (ArrayAttr list : {args, results})
    for (Attribute a : list)
      shapes.push_back(cast<DenseI64ArrayAttr>(a).asArrayRef());
  if (numInputs)
    *numInputs = args.size();
  return shapes;
}

LLVM::LLVMFuncOp mlpc::createEntryFunction(OpBuilder &b, Location loc,
                                           StringRef name, unsigned numBuffers,
                                           TypeRange extra) {
  MLIRContext *ctx = b.getContext();
  SmallVector<Type> params(numBuffers, LLVM::LLVMPointerType::get(ctx));
  params.push_back(b.getI64Type());
  params.append(extra.begin(), extra.end());
  auto fn = LLVM::LLVMFuncOp::create(
      b, loc, name, LLVM::LLVMFunctionType::get(b.getI32Type(), params));
  b.setInsertionPointToStart(fn.addEntryBlock(b));
  return fn;
}

LLVM::LLVMFuncOp mlpc::declareFunction(ModuleOp module, StringRef name,
                                       Type result, ArrayRef<Type> params) {
  if (auto f = module.lookupSymbol<LLVM::LLVMFuncOp>(name))
    return f;
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  return LLVM::LLVMFuncOp::create(b, module.getLoc(), name,
                                  LLVM::LLVMFunctionType::get(result, params));
}
