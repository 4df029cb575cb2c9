//===- Activation.cpp - scalar/vector activation bodies -------------------===//
#include "mlpc/Utils/Activation.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/Support/ErrorHandling.h"

#include <cmath>
#include <numeric>

using namespace mlir;

Value mlpc::floatConstant(OpBuilder &b, Location loc, Type type, double value) {
  Type elem = getElementTypeOrSelf(type);
  auto scalar = b.getFloatAttr(elem, value);
  if (auto shaped = dyn_cast<ShapedType>(type))
    return arith::ConstantOp::create(b, loc,
                                     DenseElementsAttr::get(shaped, scalar));
  return arith::ConstantOp::create(b, loc, scalar);
}

// exp and 2^y for arguments <= 0, which is all that softmax (x - max),
// sigmoid (-|x|) and gelu (a Gaussian tail) need: without math.exp's
// overflow clamps, and with the power of two made by a float addition
// instead of a round and a conversion. Adding 1.5 * 2^23 + 127 to y rounds
// it to the integer n and leaves n + 127 in the low bits of the sum;
// shifted into the exponent field, those bits are 2^n (0 for n = -127).
// What is left, f = y - n in [-1/2, 1/2], goes through a degree-5
// polynomial (2^f = 1 + f E(f), relative error 1.1e-7 with its f32
// coefficients, fitted by tools/fit-polynomials/fit_polynomials.py).

/// Adds the rounding constant to y = `x` * `scale` (in [-127, 0]; `scale`
/// null for 1); returns the sum, whose low bits hold n + 127, and n itself.
/// With a scale, one fma rounds the exact product straight to n.
static std::pair<Value, Value> roundForExp2(OpBuilder &b, Location loc, Value x,
                                            Value scale = {}) {
  const double magic = 1.5 * (1 << 23) + 127;
  Value m = mlpc::floatConstant(b, loc, x.getType(), magic);
  Value sum = scale ? math::FmaOp::create(b, loc, x, scale, m).getResult()
                    : arith::AddFOp::create(b, loc, x, m).getResult();
  return {sum, arith::SubFOp::create(b, loc, sum, m)};
}

/// 2^n * 2^f, with `rounded` the sum from roundForExp2 and `f` the rest of
/// the exponent, in units of log2 (`natural` false) or of ln 2 (true: f is
/// r = x - n ln 2 and the polynomial is e^r).
static Value scaledExp2(OpBuilder &b, Location loc, Value rounded, Value f,
                        bool natural) {
  Type t = f.getType();
  auto c = [&](double v) { return mlpc::floatConstant(b, loc, t, v); };
  static const double kE[] = {0.693146978, 0.240222421, 0.0555073374,
                              0.00967151281, 0.00132647272};
  // 2^f = e^(f ln 2): e^r's coefficient of r^(k+1) is kE[k] / ln(2)^(k+1).
  auto coeff = [&](int k) {
    return c(natural ? kE[k] / std::pow(M_LN2, k + 1) : kE[k]);
  };
  Value poly = coeff(4);
  for (int k = 3; k >= 0; --k)
    poly = math::FmaOp::create(b, loc, poly, f, coeff(k));
  poly = math::FmaOp::create(b, loc, poly, f, c(1.0));
  Type intType = b.getI32Type();
  TypedAttr shift = b.getI32IntegerAttr(23);
  if (auto vec = dyn_cast<VectorType>(t)) {
    intType = vec.clone(intType);
    shift = DenseElementsAttr::get(cast<ShapedType>(intType), shift);
  }
  Value bits = arith::BitcastOp::create(b, loc, intType, rounded);
  Value exponent = arith::ShLIOp::create(
      b, loc, bits, arith::ConstantOp::create(b, loc, shift));
  Value scale = arith::BitcastOp::create(b, loc, t, exponent);
  return arith::MulFOp::create(b, loc, poly, scale);
}

/// 2^y for f32 (or vector) y <= 0; y below -126.5 gives 0.
static Value buildExp2NonPositive(OpBuilder &b, Location loc, Value y) {
  y = arith::MaximumFOp::create(
      b, loc, y, mlpc::floatConstant(b, loc, y.getType(), -127.0));
  auto [rounded, n] = roundForExp2(b, loc, y);
  // Exact (Sterbenz).
  Value f = arith::SubFOp::create(b, loc, y, n);
  return scaledExp2(b, loc, rounded, f, /*natural=*/false);
}

Value mlpc::buildExpNonPositive(OpBuilder &b, Location loc, Value x) {
  // n = round(x log2(e)), then r = x - n ln 2 in two steps (Cody and Waite;
  // ln 2's high part has 9 bits, so n times it is exact): r keeps x's full
  // accuracy, where rounding x log2(e) itself would cost 3e-8 |x log2(e)|
  // of relative error, 4e-6 at x = -87.
  Type t = x.getType();
  auto c = [&](double v) { return floatConstant(b, loc, t, v); };
  const double ln2Hi = 0.693359375, ln2Lo = M_LN2 - ln2Hi;
  x = arith::MaximumFOp::create(b, loc, x, c(-127.0 * M_LN2));
  auto [rounded, n] = roundForExp2(b, loc, x, c(M_LOG2E));
  Value r = math::FmaOp::create(b, loc, n, c(-ln2Hi), x);
  r = math::FmaOp::create(b, loc, n, c(-ln2Lo), r);
  return scaledExp2(b, loc, rounded, r, /*natural=*/true);
}

/// gelu(x) = x * Phi(x), Phi the standard normal CDF. With a = |x| and
/// q = Phi(-a) = erfc(a / sqrt(2)) / 2, Phi(x) is q for x < 0 and 1 - q
/// otherwise: q <= 1/2, so 1 - q cannot cancel, and the negative tail keeps
/// its relative accuracy, 7e-6 or better down to results of 1e-37 (1 + erf(x /
/// sqrt(2)) would cancel to a few ulps of 1 there); results below about
/// 1e-38 come out as 0 or subnormal.
///
/// q = u * 2^(P(u) - a^2 log2(e) / 2) with u = 1 / (1 + a / (2 sqrt(2))):
/// the form of Numerical Recipes' erfcc, with P a degree-9 polynomial
/// (tools/fit-polynomials/fit_polynomials.py) of log2(2 q / u) plus
/// a^2 log2(e) / 2: 7e-8 relative error in q with f32 coefficients (4e-8
/// with exact ones). One division, one 2^y and 23 other operations;
/// upstream's math.erfc takes two divisions, an exp and 29 fmas, several
/// times the cost. docs/accuracy.md has the measured error.
static Value buildGelu(OpBuilder &b, Location loc, Value x) {
  Type t = x.getType();
  auto c = [&](double v) { return mlpc::floatConstant(b, loc, t, v); };
  auto fma = [&](Value x, Value y, Value z) {
    return math::FmaOp::create(b, loc, x, y, z).getResult();
  };
  // The fit of log(2 q / u) + a^2 / 2, constant term first; scaled to base 2
  // below, with log2(1/2) = -1 folded into the constant term.
  static const double kP[] = {
      -1.26541654,  0.998000637,  0.392018395, 0.00912220453, 0.0755822564,
      -0.219094233, -0.529631468, 1.03240872,  -0.628343466,  0.135353538};
  auto coeff = [&](int k) { return c(kP[k] * M_LOG2E - (k == 0 ? 1 : 0)); };
  Value a = math::AbsFOp::create(b, loc, x);
  Value u =
      arith::DivFOp::create(b, loc, c(1.0), fma(a, c(0.5 * M_SQRT1_2), c(1.0)));
  // Estrin's scheme: 4 dependent fmas instead of Horner's 9, so that the
  // out-of-order core overlaps more elements of this long chain.
  Value u2 = arith::MulFOp::create(b, loc, u, u);
  Value u4 = arith::MulFOp::create(b, loc, u2, u2);
  Value u8 = arith::MulFOp::create(b, loc, u4, u4);
  Value pairs[5];
  for (int k = 0; k < 5; ++k)
    pairs[k] = fma(coeff(2 * k + 1), u, coeff(2 * k));
  Value p03 = fma(pairs[1], u2, pairs[0]);
  Value p47 = fma(pairs[3], u2, pairs[2]);
  Value p = fma(pairs[4], u8, fma(p47, u4, p03));
  Value scaledA = arith::MulFOp::create(b, loc, a, c(-0.5 * M_LOG2E));
  Value q = arith::MulFOp::create(
      b, loc, u, buildExp2NonPositive(b, loc, fma(a, scaledA, p)));
  Value negative =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, c(0.0));
  Value upper = arith::SubFOp::create(b, loc, c(1.0), q);
  Value phi = arith::SelectOp::create(b, loc, negative, q, upper);
  return arith::MulFOp::create(b, loc, x, phi);
}

/// v * sigmoid(z) = v / (1 + e^-z), computed from e = e^-|z| <= 1 (the
/// exp built in place for arguments <= 0): v / (1 + e) for z >= 0 and
/// v e / (1 + e) below. Neither overflows: z -> +inf gives v, z -> -inf
/// gives v * 0, NaN stays NaN.
static Value buildTimesSigmoid(OpBuilder &b, Location loc, Value z, Value v) {
  auto c = [&](double value) {
    return mlpc::floatConstant(b, loc, z.getType(), value);
  };
  Value e = mlpc::buildExpNonPositive(
      b, loc, arith::NegFOp::create(b, loc, math::AbsFOp::create(b, loc, z)));
  Value negative =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, z, c(0.0));
  Value top = arith::SelectOp::create(b, loc, negative,
                                      arith::MulFOp::create(b, loc, v, e), v);
  return arith::DivFOp::create(b, loc, top,
                               arith::AddFOp::create(b, loc, c(1.0), e));
}

/// max(lo, min(hi, x)); NaN stays NaN.
static Value clamp(OpBuilder &b, Location loc, Value x, double lo, double hi) {
  Type t = x.getType();
  x = arith::MaximumFOp::create(b, loc, x, mlpc::floatConstant(b, loc, t, lo));
  return arith::MinimumFOp::create(b, loc, x,
                                   mlpc::floatConstant(b, loc, t, hi));
}

/// x for x > 0, else scale * (e^x - 1): expm1 keeps the relative accuracy
/// of small negative x, where e^x - 1 would cancel.
static Value buildElu(OpBuilder &b, Location loc, Value x, double scale) {
  Type t = x.getType();
  Value zero = mlpc::floatConstant(b, loc, t, 0.0);
  Value neg =
      math::ExpM1Op::create(b, loc, arith::MinimumFOp::create(b, loc, x, zero));
  neg =
      arith::MulFOp::create(b, loc, neg, mlpc::floatConstant(b, loc, t, scale));
  Value pos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, zero);
  return arith::SelectOp::create(b, loc, pos, x, neg);
}

/// log(1 + e^x) as max(x, 0) + log1p(e^-|x|): neither overflows, and the
/// negative tail keeps its relative accuracy.
static Value buildSoftplus(OpBuilder &b, Location loc, Value x) {
  Type t = x.getType();
  Value e = mlpc::buildExpNonPositive(
      b, loc, arith::NegFOp::create(b, loc, math::AbsFOp::create(b, loc, x)));
  Value pos =
      arith::MaximumFOp::create(b, loc, x, mlpc::floatConstant(b, loc, t, 0.0));
  return arith::AddFOp::create(b, loc, pos, math::Log1pOp::create(b, loc, e));
}

Value mlpc::buildActivation(OpBuilder &b, Location loc,
                            const mlp::ActivationSpec &spec, Value x) {
  Type t = x.getType();
  auto c = [&](double v) { return floatConstant(b, loc, t, v); };
  StringRef activation = spec.name;
  if (activation == "none")
    return x;
  if (activation == "relu")
    // maximumf propagates NaN, as PyTorch's relu does.
    return arith::MaximumFOp::create(b, loc, x, c(0.0));
  if (activation == "leaky_relu") {
    Value scaled = arith::MulFOp::create(b, loc, x, c(spec.alpha));
    Value pos =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, c(0.0));
    return arith::SelectOp::create(b, loc, pos, x, scaled);
  }
  if (activation == "sigmoid")
    return buildTimesSigmoid(b, loc, x, c(1.0));
  if (activation == "silu")
    return buildTimesSigmoid(b, loc, x, x);
  if (activation == "tanh")
    return math::TanhOp::create(b, loc, x);
  if (activation == "gelu")
    return buildGelu(b, loc, x);
  if (activation == "gelu_tanh") {
    // 0.5 * x * (1 + tanh(u)), u = sqrt(2/pi) * (x + 0.044715 x^3), is
    // x * sigmoid(2u): no cancellation for negative x,
    // and u is formed as sqrt(2/pi) * x * (1 + 0.044715 x^2) so that x^3
    // cannot overflow first.
    Value x2 = arith::MulFOp::create(b, loc, x, x);
    Value poly = arith::AddFOp::create(
        b, loc, c(1.0), arith::MulFOp::create(b, loc, x2, c(0.044715)));
    Value twoU = arith::MulFOp::create(
        b, loc,
        arith::MulFOp::create(b, loc, x, c(2.0 * std::sqrt(2.0 / M_PI))), poly);
    return buildTimesSigmoid(b, loc, twoU, x);
  }
  if (activation == "elu")
    return buildElu(b, loc, x, spec.alpha);
  if (activation == "selu")
    return arith::MulFOp::create(b, loc, buildElu(b, loc, x, spec.alpha),
                                 c(spec.beta));
  if (activation == "softplus")
    return buildSoftplus(b, loc, x);
  if (activation == "hard_sigmoid")
    return clamp(b, loc,
                 math::FmaOp::create(b, loc, x, c(spec.alpha), c(spec.beta)),
                 0.0, 1.0);
  if (activation == "hard_swish")
    return arith::MulFOp::create(
        b, loc, x,
        clamp(b, loc, math::FmaOp::create(b, loc, x, c(1.0 / 6), c(0.5)), 0.0,
              1.0));
  if (activation == "clip")
    return clamp(b, loc, x, spec.alpha, spec.beta);
  if (activation == "erf")
    return math::ErfOp::create(b, loc, x);
  if (activation == "exp")
    return math::ExpOp::create(b, loc, x);
  if (activation == "log")
    return math::LogOp::create(b, loc, x);
  if (activation == "neg")
    return arith::NegFOp::create(b, loc, x);
  if (activation == "sqrt")
    return math::SqrtOp::create(b, loc, x);
  llvm_unreachable("activation names are checked by the mlp.dense verifier");
}

Value mlpc::buildBinary(OpBuilder &b, Location l, Operation *op, Value x,
                        Value y) {
  if (isa<mlp::AddOp>(op))
    return arith::AddFOp::create(b, l, x, y);
  if (isa<mlp::SubOp>(op))
    return arith::SubFOp::create(b, l, x, y);
  if (isa<mlp::MulOp>(op))
    return arith::MulFOp::create(b, l, x, y);
  if (isa<mlp::DivOp>(op))
    return arith::DivFOp::create(b, l, x, y);
  if (isa<mlp::PowOp>(op))
    return math::PowFOp::create(b, l, x, y);
  assert(isa<mlp::PReluOp>(op) && "not an elementwise binary op");
  Value zero = floatConstant(b, l, x.getType(), 0.0);
  Value neg = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, x, zero);
  return arith::SelectOp::create(b, l, neg, arith::MulFOp::create(b, l, x, y),
                                 x);
}

Value mlpc::buildInverseStd(OpBuilder &b, Location l, Value var,
                            float epsilon) {
  Type t = var.getType();
  Value sd = math::SqrtOp::create(
      b, l, arith::AddFOp::create(b, l, var, floatConstant(b, l, t, epsilon)));
  return arith::DivFOp::create(b, l, floatConstant(b, l, t, 1.0), sd);
}

Value mlpc::buildLayerNormOutput(OpBuilder &b, Location l, Value centered,
                                 Value inv, Value scale, Value bias) {
  Value norm = arith::MulFOp::create(b, l, centered, inv);
  return arith::AddFOp::create(b, l, arith::MulFOp::create(b, l, norm, scale),
                               bias);
}

Value mlpc::buildBatchNorm(OpBuilder &b, Location l, Value x, Value scale,
                           Value bias, Value mean, Value var, float epsilon) {
  Value sd = math::SqrtOp::create(
      b, l,
      arith::AddFOp::create(b, l, var,
                            floatConstant(b, l, var.getType(), epsilon)));
  Value d = arith::SubFOp::create(b, l, x, mean);
  Value norm = arith::DivFOp::create(b, l, d, sd);
  return arith::AddFOp::create(b, l, arith::MulFOp::create(b, l, norm, scale),
                               bias);
}

SmallVector<Value> mlpc::buildActivations(OpBuilder &b, Location loc,
                                          const mlp::ActivationSpec &spec,
                                          ArrayRef<Value> xs, int64_t group) {
  bool chained = llvm::is_contained(
      ArrayRef<StringRef>{"sigmoid", "tanh", "gelu", "gelu_tanh", "silu", "elu",
                          "selu", "softplus", "erf", "exp", "log"},
      spec.name);
  SmallVector<Value> ys;
  for (size_t first = 0; first < xs.size();) {
    auto type = cast<VectorType>(xs[first].getType());
    size_t end = first + 1;
    while (chained && end < xs.size() && end - first < size_t(group) &&
           xs[end].getType() == type)
      ++end;
    if (end - first == 1) {
      ys.push_back(buildActivation(b, loc, spec, xs[first]));
      first = end;
      continue;
    }
    // Concatenate, apply, split.
    int64_t lanes = type.getNumElements();
    Value wide = xs[first];
    for (size_t i = first + 1; i < end; ++i) {
      SmallVector<int64_t> indices((i - first + 1) * lanes);
      std::iota(indices.begin(), indices.end(), 0);
      wide = vector::ShuffleOp::create(b, loc, wide, xs[i], indices);
    }
    Value y = buildActivation(b, loc, spec, wide);
    for (size_t i = first; i < end; ++i)
      ys.push_back(vector::ExtractStridedSliceOp::create(
          b, loc, y, ArrayRef<int64_t>{int64_t(i - first) * lanes},
          ArrayRef<int64_t>{lanes}, ArrayRef<int64_t>{1}));
    first = end;
  }
  return ys;
}

Value mlpc::buildWeightedTerm(OpBuilder &b, Location loc, Value weight,
                              Value term) {
  Value zero = floatConstant(b, loc, weight.getType(), 0.0);
  Value isZero =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, weight, zero);
  return arith::SelectOp::create(b, loc, isZero, zero,
                                 arith::MulFOp::create(b, loc, weight, term));
}

Value mlpc::buildBceTerm(OpBuilder &b, Location loc, Value x, Value y) {
  Type t = x.getType();
  Value zero = floatConstant(b, loc, t, 0.0);
  // softplus(±x) = max(±x, 0) + log1p(exp(-|x|)).
  Value tail = math::Log1pOp::create(
      b, loc,
      buildExpNonPositive(
          b, loc,
          arith::NegFOp::create(b, loc, math::AbsFOp::create(b, loc, x))));
  Value spPos = arith::AddFOp::create(
      b, loc, arith::MaximumFOp::create(b, loc, x, zero), tail);
  Value spNeg = arith::AddFOp::create(
      b, loc,
      arith::MaximumFOp::create(b, loc, arith::NegFOp::create(b, loc, x), zero),
      tail);
  Value notY = arith::SubFOp::create(b, loc, floatConstant(b, loc, t, 1.0), y);
  return arith::AddFOp::create(b, loc, buildWeightedTerm(b, loc, y, spNeg),
                               buildWeightedTerm(b, loc, notY, spPos));
}
