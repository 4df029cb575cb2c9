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

Value mlpc::floatConstant(OpBuilder &b, Location loc, Type type, double value) {
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
    Value pos =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, c(0.0));
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
    // 0.5 * x * (1 + erf(x / sqrt(2))) written as 0.5 * x * erfc(-x / sqrt(2)):
    // for negative x, 1 + erf cancels to a few ulps of 1 while erfc keeps
    // full relative accuracy in the tail.
    Value s = arith::MulFOp::create(b, loc, x, c(-M_SQRT1_2));
    Value erfc = math::ErfcOp::create(b, loc, s);
    Value half = arith::MulFOp::create(b, loc, x, c(0.5));
    return arith::MulFOp::create(b, loc, half, erfc);
  }
  if (activation == "gelu_tanh") {
    // 0.5 * x * (1 + tanh(u)), u = sqrt(2/pi) * (x + 0.044715 x^3), is
    // x * sigmoid(2u) = x / (1 + exp(-2u)): no cancellation for negative x,
    // and u is formed as sqrt(2/pi) * x * (1 + 0.044715 x^2) so that x^3
    // cannot overflow first.
    Value x2 = arith::MulFOp::create(b, loc, x, x);
    Value poly = arith::AddFOp::create(
        b, loc, c(1.0), arith::MulFOp::create(b, loc, x2, c(0.044715)));
    Value minus2u = arith::MulFOp::create(
        b, loc,
        arith::MulFOp::create(b, loc, x, c(-2.0 * std::sqrt(2.0 / M_PI))),
        poly);
    Value e = math::ExpOp::create(b, loc, minus2u);
    Value den = arith::AddFOp::create(b, loc, c(1.0), e);
    return arith::DivFOp::create(b, loc, x, den);
  }
  llvm_unreachable("activation names are checked by the mlp.dense verifier");
}
