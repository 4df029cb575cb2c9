//===- Activation.cpp - scalar/vector activation bodies -------------------===//
#include "mlpc/Activation.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/Support/ErrorHandling.h"

#include <cmath>

using namespace mlir;

Value mlpc::floatConstant(OpBuilder &b, Location loc, Type type,
                          double value) {
  Type elem = getElementTypeOrSelf(type);
  auto scalar = b.getFloatAttr(elem, value);
  if (auto shaped = dyn_cast<ShapedType>(type))
    return arith::ConstantOp::create(b, loc,
                                     DenseElementsAttr::get(shaped, scalar));
  return arith::ConstantOp::create(b, loc, scalar);
}

Value mlpc::buildActivation(OpBuilder &b, Location loc, StringRef activation,
                            float alpha, Value x) {
  Type t = x.getType();
  auto c = [&](double v) { return floatConstant(b, loc, t, v); };
  if (activation == "none")
    return x;
  if (activation == "relu")
    // maximumf propagates NaN, as PyTorch's relu does.
    return arith::MaximumFOp::create(b, loc, x, c(0.0));
  if (activation == "leaky_relu") {
    Value scaled = arith::MulFOp::create(b, loc, x, c(alpha));
    Value pos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x,
                                      c(0.0));
    return arith::SelectOp::create(b, loc, pos, x, scaled);
  }
  if (activation == "sigmoid") {
    // 1 / (1 + exp(-x)): for x -> -inf exp overflows to +inf and the
    // quotient is exactly 0; for x -> +inf it is exactly 1. No NaN arises.
    Value neg = arith::NegFOp::create(b, loc, x);
    Value e = math::ExpOp::create(b, loc, neg);
    Value den = arith::AddFOp::create(b, loc, c(1.0), e);
    return arith::DivFOp::create(b, loc, c(1.0), den);
  }
  if (activation == "tanh")
    return math::TanhOp::create(b, loc, x);
  if (activation == "gelu") {
    // 0.5 * x * (1 + erf(x / sqrt(2)))
    Value s = arith::MulFOp::create(b, loc, x, c(M_SQRT1_2));
    Value erf = math::ErfOp::create(b, loc, s);
    Value onePlus = arith::AddFOp::create(b, loc, c(1.0), erf);
    Value half = arith::MulFOp::create(b, loc, x, c(0.5));
    return arith::MulFOp::create(b, loc, half, onePlus);
  }
  if (activation == "gelu_tanh") {
    // 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))), written as
    // sqrt(2/pi) * x * (1 + 0.044715 x^2) so that large |x| saturates tanh
    // instead of overflowing x^3 first into inf - inf.
    Value x2 = arith::MulFOp::create(b, loc, x, x);
    Value poly = arith::AddFOp::create(
        b, loc, c(1.0), arith::MulFOp::create(b, loc, x2, c(0.044715)));
    Value inner = arith::MulFOp::create(
        b, loc, arith::MulFOp::create(b, loc, x, c(std::sqrt(2.0 / M_PI))),
        poly);
    Value th = math::TanhOp::create(b, loc, inner);
    Value onePlus = arith::AddFOp::create(b, loc, c(1.0), th);
    Value half = arith::MulFOp::create(b, loc, x, c(0.5));
    return arith::MulFOp::create(b, loc, half, onePlus);
  }
  llvm_unreachable("activation names are checked by the mlp.dense verifier");
}
