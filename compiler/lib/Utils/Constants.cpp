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

std::optional<std::vector<char>> mlpc::constantBytes(Value v) {
  auto cst = v.getDefiningOp<arith::ConstantOp>();
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!cst || !type || !type.hasStaticShape() ||
      type.getElementTypeBitWidth() % 8)
    return std::nullopt;
  size_t width = type.getElementTypeBitWidth() / 8;
  size_t bytes = width * type.getNumElements();
  if (auto dense = dyn_cast<DenseElementsAttr>(cst.getValue())) {
    ArrayRef<char> raw = dense.getRawData();
    if (!dense.isSplat())
      return std::vector<char>(raw.begin(), raw.end());
    std::vector<char> out(bytes);
    for (size_t i = 0; i < bytes; i += width)
      std::copy(raw.begin(), raw.begin() + width, out.begin() + i);
    return out;
  }
  if (auto res = dyn_cast<DenseResourceElementsAttr>(cst.getValue()))
    if (AsmResourceBlob *blob = res.getRawHandle().getBlob())
      if (blob->getData().size() == bytes)
        return std::vector<char>(blob->getData().begin(),
                                 blob->getData().end());
  return std::nullopt;
}

Value mlpc::rawConstant(OpBuilder &b, Location loc, RankedTensorType type,
                        ArrayRef<char> raw, StringRef blobName) {
  if (type.getNumElements() < 1024)
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::getFromRawBuffer(type, raw));
  auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(raw, 64);
  auto attr = DenseResourceElementsAttr::get(type, blobName, std::move(blob));
  return arith::ConstantOp::create(b, loc, type, cast<TypedAttr>(attr));
}
