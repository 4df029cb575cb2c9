//===- Constants.cpp - f32 weights at compile time ------------------------===//
#include "mlpc/Utils/Constants.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

std::optional<SmallVector<float>> mlpc::constantValues(Value v) {
  Attribute attr;
  if (auto cst = v.getDefiningOp<arith::ConstantOp>())
    attr = cst.getValue();
  auto type = dyn_cast_or_null<RankedTensorType>(v.getType());
  if (!type || !type.getElementType().isF32() || !type.hasStaticShape())
    return std::nullopt;
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(attr))
    return llvm::to_vector(dense.getValues<float>());
  if (auto res = dyn_cast_or_null<DenseF32ResourceElementsAttr>(attr))
    if (std::optional<ArrayRef<float>> data = res.tryGetAsArrayRef())
      return SmallVector<float>(*data);
  return std::nullopt;
}

Value mlpc::f32Constant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                        ArrayRef<float> data) {
  auto type = RankedTensorType::get(shape, b.getF32Type());
  if (data.size() < 1024)
    return arith::ConstantOp::create(b, loc,
                                     DenseElementsAttr::get(type, data));
  auto blob = HeapAsmResourceBlob::allocateAndCopyInferAlign(data);
  auto attr =
      DenseF32ResourceElementsAttr::get(type, "folded", std::move(blob));
  return arith::ConstantOp::create(b, loc, type, cast<TypedAttr>(attr));
}
