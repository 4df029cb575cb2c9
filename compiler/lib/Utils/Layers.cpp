//===- Layers.cpp - the layers of a model, as users name them -------------===//
#include "mlpc/Utils/Layers.h"

#include "mlir/IR/Builders.h"

using namespace mlir;

std::string mlpc::layerName(Location loc) {
  std::string name;
  loc->walk([&](Location l) {
    if (auto n = dyn_cast<NameLoc>(l)) {
      name = n.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return name;
}

Value mlpc::createActivationOp(OpBuilder &b, Location loc,
                               const mlp::ActivationSpec &spec, Value x) {
  StringRef name = spec.name;
  auto f32 = [&](float v) { return b.getF32FloatAttr(v); };
  SmallVector<NamedAttribute> attrs;
  if (name == "gelu_tanh") {
    name = "gelu";
    attrs.push_back(b.getNamedAttr("approximate", b.getStringAttr("tanh")));
  } else if (name == "leaky_relu" || name == "elu") {
    attrs.push_back(b.getNamedAttr("alpha", f32(spec.alpha)));
  } else if (name == "selu") {
    attrs.push_back(b.getNamedAttr("alpha", f32(spec.alpha)));
    attrs.push_back(b.getNamedAttr("gamma", f32(spec.beta)));
  } else if (name == "hard_sigmoid") {
    attrs.push_back(b.getNamedAttr("alpha", f32(spec.alpha)));
    attrs.push_back(b.getNamedAttr("beta", f32(spec.beta)));
  } else if (name == "clip") {
    attrs.push_back(b.getNamedAttr("min", f32(spec.alpha)));
    attrs.push_back(b.getNamedAttr("max", f32(spec.beta)));
  }
  OperationState state(loc, ("mlp." + name).str());
  state.addOperands(x);
  state.addTypes(x.getType());
  state.addAttributes(attrs);
  return b.create(state)->getResult(0);
}
