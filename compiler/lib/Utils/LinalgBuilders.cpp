//===- LinalgBuilders.cpp - small helpers for building linalg IR ----------===//
#include "mlpc/Utils/LinalgBuilders.h"
#include "mlpc/Utils/Activation.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

Value mlpc::emptyLike(OpBuilder &b, Location loc, RankedTensorType type,
                      Value like, ArrayRef<int64_t> dimsOfLike) {
  SmallVector<Value> dynSizes;
  for (auto [i, size] : llvm::enumerate(type.getShape()))
    if (ShapedType::isDynamic(size))
      dynSizes.push_back(tensor::DimOp::create(b, loc, like, dimsOfLike[i]));
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(),
                                 dynSizes);
}

Value mlpc::fillF32(OpBuilder &b, Location loc, Value empty, double value) {
  Value cst = floatConstant(b, loc, b.getF32Type(), value);
  return linalg::FillOp::create(b, loc, cst, empty).getResult(0);
}

Value mlpc::buildGeneric(
    OpBuilder &b, Location loc, ValueRange inputs, Value init,
    ArrayRef<AffineMap> maps, ArrayRef<utils::IteratorType> iterators,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
      iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, body(nb, nloc, args));
      });
  return generic.getResult(0);
}
