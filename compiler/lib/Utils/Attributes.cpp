//===- Attributes.cpp - names the passes leave for each other -------------===//
#include "mlpc/Utils/Attributes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

std::string mlpc::kernelName(StringRef entry) {
  return ("__mlpc_" + entry).str();
}

ArrayAttr mlpc::shapesAttr(Builder &b, TypeRange types) {
  SmallVector<Attribute> shapes;
  for (Type t : types)
    shapes.push_back(
        b.getDenseI64ArrayAttr(cast<RankedTensorType>(t).getShape()));
  return b.getArrayAttr(shapes);
}
