//===- MlpOps.cpp - mlp dialect operations and verifiers ------------------===//
//
// The verifiers are the first thing a model author meets, so each message
// says what is wrong with which operand and what to change.
//
//===----------------------------------------------------------------------===//
#include "mlp/MlpOps.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::mlp;

#define GET_OP_CLASSES
#include "mlp/MlpOps.cpp.inc"

bool mlir::mlp::isKnownActivation(StringRef name) {
  return llvm::StringSwitch<bool>(name)
      .Cases({"none", "relu", "sigmoid", "tanh", "gelu", "gelu_tanh",
              "leaky_relu", "elu", "selu", "softplus", "silu", "hard_swish",
              "hard_sigmoid", "clip", "erf", "exp", "log", "neg", "sqrt"},
             true)
      .Default(false);
}

std::optional<ActivationSpec> mlir::mlp::getActivationSpec(Operation *op) {
  auto f = [](APFloat v) { return v.convertToFloat(); };
  using Spec = std::optional<ActivationSpec>;
  return llvm::TypeSwitch<Operation *, Spec>(op)
      .Case([](ReluOp) { return ActivationSpec{"relu"}; })
      .Case([](SigmoidOp) { return ActivationSpec{"sigmoid"}; })
      .Case([](TanhOp) { return ActivationSpec{"tanh"}; })
      .Case([](GeluOp g) {
        return ActivationSpec{g.getApproximate() == "tanh" ? "gelu_tanh"
                                                           : "gelu"};
      })
      .Case([&](LeakyReluOp l) {
        return ActivationSpec{"leaky_relu", f(l.getAlpha())};
      })
      .Case([&](EluOp e) { return ActivationSpec{"elu", f(e.getAlpha())}; })
      .Case([&](SeluOp s) {
        return ActivationSpec{"selu", f(s.getAlpha()), f(s.getGamma())};
      })
      .Case([&](HardSigmoidOp h) {
        return ActivationSpec{"hard_sigmoid", f(h.getAlpha()), f(h.getBeta())};
      })
      .Case([&](ClipOp c) {
        return ActivationSpec{"clip", f(c.getMin()), f(c.getMax())};
      })
      .Case([](SoftplusOp) { return ActivationSpec{"softplus"}; })
      .Case([](SiluOp) { return ActivationSpec{"silu"}; })
      .Case([](HardSwishOp) { return ActivationSpec{"hard_swish"}; })
      .Case([](ErfOp) { return ActivationSpec{"erf"}; })
      .Case([](ExpOp) { return ActivationSpec{"exp"}; })
      .Case([](LogOp) { return ActivationSpec{"log"}; })
      .Case([](NegOp) { return ActivationSpec{"neg"}; })
      .Case([](SqrtOp) { return ActivationSpec{"sqrt"}; })
      .Default([](Operation *) { return std::nullopt; });
}

bool mlir::mlp::isBinaryElementwise(Operation *op) {
  return isa<AddOp, SubOp, MulOp, DivOp, PowOp, PReluOp>(op);
}

ActivationSpec mlir::mlp::getActivationSpec(DenseOp op) {
  return {op.getActivation(), op.getAlpha().convertToFloat(),
          op.getBeta().convertToFloat()};
}

namespace {
/// Formats a shape as "[?, 784]" for diagnostics.
std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(shape, os, [&](int64_t d) {
    if (ShapedType::isDynamic(d))
      os << "?";
    else
      os << d;
  });
  os << "]";
  return s;
}

/// Whether `t` is an element type that a dense layer's weights may have
/// besides f32.
bool isNarrowWeight(Type t) { return t.isBF16() || t.isInteger(8); }

/// Checks that `v` is a ranked f32 tensor (of `rank`, when given; bf16 or
/// i8 too with `narrow`) and returns its type, or emits an error naming
/// `what`.
FailureOr<RankedTensorType> checkTensor(Operation *op, Value v, StringRef what,
                                        std::optional<int64_t> rank = {},
                                        bool narrow = false) {
  auto ranked = dyn_cast<RankedTensorType>(v.getType());
  if (!ranked)
    return op->emitOpError() << what << " has type " << v.getType()
                             << ": mlpc needs ranked tensors; give it a "
                                "shape such as tensor<?x128xf32>";
  Type elem = ranked.getElementType();
  if (!elem.isF32() && !(narrow && isNarrowWeight(elem)))
    return op->emitOpError()
           << what << " has element type " << elem
           << (narrow ? ": a dense layer's weights are f32, bf16 or i8 "
                        "(with w_scale); convert them to one of these"
                      : ": mlpc supports f32 only; convert it to f32");
  if (rank && ranked.getRank() != *rank)
    return op->emitOpError()
           << what << " must have rank " << *rank << " but has shape "
           << shapeStr(ranked.getShape())
           << (*rank == 1 ? "; give it one value per output"
                          : "; reshape it to a matrix (rows x features for "
                            "inputs, [K, N] or [N, K] for weights)");
  return ranked;
}

/// Two dimensions agree unless both are static and differ.
bool dimsAgree(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

/// Checks the declared result type against the type the op implies.
LogicalResult checkResult(Operation *op, ArrayRef<int64_t> inferred) {
  FailureOr<RankedTensorType> res = checkTensor(op, op->getResult(0), "result");
  if (failed(res))
    return failure();
  if (res->getShape() != inferred)
    return op->emitOpError()
           << "declared result type " << *res << " does not match the type "
           << "its operands imply, "
           << RankedTensorType::get(inferred, res->getElementType())
           << "; change the result type to that";
  return success();
}

/// Shared by matmul and dense: checks a [M,K] by w ([K,N] or [N,K]) product
/// and returns [M, N].
FailureOr<SmallVector<int64_t>>
checkContraction(Operation *op, Value a, Value b, bool transposed,
                 StringRef aName, StringRef bName, StringRef flagName,
                 bool narrowB = false) {
  auto at = checkTensor(op, a, aName, 2);
  if (failed(at))
    return failure();
  auto bt = checkTensor(op, b, bName, 2, narrowB);
  if (failed(bt))
    return failure();
  int64_t k = at->getDimSize(1);
  int64_t bk = bt->getDimSize(transposed ? 1 : 0);
  int64_t n = bt->getDimSize(transposed ? 0 : 1);
  if (!dimsAgree(k, bk)) {
    InFlightDiagnostic diag = op->emitOpError()
                              << "contraction dimensions differ: " << aName
                              << " " << shapeStr(at->getShape())
                              << " has K = " << k << " but " << bName << " "
                              << shapeStr(bt->getShape()) << " has K = " << bk;
    if (transposed)
      diag << " (with " << flagName << " = true, " << bName
           << " is read as [N, K])";
    else
      diag << " (" << bName << " is read as [K, N]; set " << flagName
           << " = true if it is stored [N, K] as in PyTorch)";
    return diag;
  }
  return SmallVector<int64_t>{at->getDimSize(0), n};
}
} // namespace

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::verify() {
  auto shape = checkContraction(*this, getA(), getB(), getTransposeB(), "lhs",
                                "rhs", "transpose_b");
  if (failed(shape))
    return failure();
  return checkResult(*this, *shape);
}

//===----------------------------------------------------------------------===//
// AddOp
//===----------------------------------------------------------------------===//

/// numpy broadcasting of `a` and `b`, checked against the declared result.
static LogicalResult verifyBroadcast(Operation *op) {
  auto at = checkTensor(op, op->getOperand(0), "lhs");
  if (failed(at))
    return failure();
  auto bt = checkTensor(op, op->getOperand(1), "rhs");
  if (failed(bt))
    return failure();
  ArrayRef<int64_t> as = at->getShape(), bs = bt->getShape();
  size_t rank = std::max(as.size(), bs.size());
  SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    // Align trailing dimensions; a missing leading dimension acts as 1.
    int64_t da = i < rank - as.size() ? 1 : as[i - (rank - as.size())];
    int64_t db = i < rank - bs.size() ? 1 : bs[i - (rank - bs.size())];
    if (da == 1)
      out[i] = db;
    else if (db == 1)
      out[i] = da;
    else if (ShapedType::isDynamic(da))
      out[i] = db;
    else if (ShapedType::isDynamic(db) || da == db)
      out[i] = da;
    else
      return op->emitOpError()
             << "shapes " << shapeStr(as) << " and " << shapeStr(bs)
             << " do not broadcast: dimension " << i
             << " of the result would be both " << da << " and " << db
             << "; make them equal or 1 (a bias must "
             << "have the length of the last dimension)";
  }
  return checkResult(op, out);
}

LogicalResult AddOp::verify() { return verifyBroadcast(*this); }
LogicalResult SubOp::verify() { return verifyBroadcast(*this); }
LogicalResult MulOp::verify() { return verifyBroadcast(*this); }
LogicalResult DivOp::verify() { return verifyBroadcast(*this); }
LogicalResult PowOp::verify() { return verifyBroadcast(*this); }
LogicalResult PReluOp::verify() { return verifyBroadcast(*this); }

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

static LogicalResult verifyUnary(Operation *op) {
  auto xt = checkTensor(op, op->getOperand(0), "operand");
  if (failed(xt))
    return failure();
  return checkResult(op, xt->getShape());
}

LogicalResult ReluOp::verify() { return verifyUnary(*this); }
LogicalResult SigmoidOp::verify() { return verifyUnary(*this); }
LogicalResult TanhOp::verify() { return verifyUnary(*this); }
LogicalResult LeakyReluOp::verify() { return verifyUnary(*this); }
LogicalResult EluOp::verify() { return verifyUnary(*this); }
LogicalResult SeluOp::verify() { return verifyUnary(*this); }
LogicalResult SoftplusOp::verify() { return verifyUnary(*this); }
LogicalResult SiluOp::verify() { return verifyUnary(*this); }
LogicalResult HardSwishOp::verify() { return verifyUnary(*this); }
LogicalResult HardSigmoidOp::verify() { return verifyUnary(*this); }
LogicalResult ErfOp::verify() { return verifyUnary(*this); }
LogicalResult ExpOp::verify() { return verifyUnary(*this); }
LogicalResult LogOp::verify() { return verifyUnary(*this); }
LogicalResult NegOp::verify() { return verifyUnary(*this); }
LogicalResult SqrtOp::verify() { return verifyUnary(*this); }

LogicalResult ClipOp::verify() {
  if (getMin().convertToFloat() > getMax().convertToFloat())
    return emitOpError() << "min " << getMin().convertToFloat()
                         << " is above max " << getMax().convertToFloat()
                         << "; swap them";
  return verifyUnary(*this);
}

LogicalResult GeluOp::verify() {
  if (getApproximate() != "none" && getApproximate() != "tanh")
    return emitOpError() << "unknown approximate value \"" << getApproximate()
                         << "\"; use \"none\" (erf) or \"tanh\"";
  return verifyUnary(*this);
}

//===----------------------------------------------------------------------===//
// Softmax and log_softmax
//===----------------------------------------------------------------------===//

static LogicalResult verifySoftmaxLike(Operation *op, int64_t axis) {
  auto xt = checkTensor(op, op->getOperand(0), "operand");
  if (failed(xt))
    return failure();
  int64_t rank = xt->getRank();
  if (rank == 0)
    return op->emitOpError() << "needs an operand of rank 1 or more to "
                                "normalize along an axis; it is a scalar";
  if (axis < -rank || axis >= rank)
    return op->emitOpError()
           << "axis " << axis << " is out of range for an operand of rank "
           << rank << "; use an axis in [" << -rank << ", " << rank - 1
           << "] (-1 is the last)";
  return checkResult(op, xt->getShape());
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

namespace {
/// input [B, C] f32; target: i32 [B] class indices (when `classTargets`)
/// or f32 of input's shape; the result [B] or, reduced, [1].
LogicalResult verifyLoss(Operation *op, Value input, Value target,
                         StringRef reduction, bool classTargets) {
  if (reduction != "none" && reduction != "mean" && reduction != "sum")
    return op->emitOpError() << "reduction \"" << reduction
                             << "\" is not one; use \"none\" (a loss per "
                                "row), \"mean\" or \"sum\"";
  auto it = checkTensor(op, input, "input", 2);
  if (failed(it))
    return failure();
  auto tt = dyn_cast<RankedTensorType>(target.getType());
  if (tt && tt.getElementType().isInteger(32)) {
    if (!classTargets)
      return op->emitOpError()
             << "target has element type i32, but this loss compares "
                "values; give it f32 targets of the input's shape "
             << shapeStr(it->getShape());
    if (tt.getRank() != 1 || !dimsAgree(tt.getDimSize(0), it->getDimSize(0)))
      return op->emitOpError()
             << "class-index target has shape " << shapeStr(tt.getShape())
             << " but the input has shape " << shapeStr(it->getShape())
             << "; give it one index per row, shape ["
             << (it->isDynamicDim(0) ? std::string("?")
                                     : std::to_string(it->getDimSize(0)))
             << "]";
  } else {
    auto ft = checkTensor(op, target, "target");
    if (failed(ft))
      return failure();
    bool agree = ft->getRank() == 2 &&
                 dimsAgree(ft->getDimSize(0), it->getDimSize(0)) &&
                 ft->getDimSize(1) == it->getDimSize(1);
    if (!agree)
      return op->emitOpError()
             << "target has shape " << shapeStr(ft->getShape())
             << " but the input has shape " << shapeStr(it->getShape())
             << "; give it the input's shape"
             << (classTargets ? " (probabilities), or class indices as an "
                                "i32 tensor of one index per row"
                              : "");
  }
  if (reduction == "none")
    return checkResult(op, {it->getDimSize(0)});
  return checkResult(op, {1});
}
} // namespace

LogicalResult CrossEntropyOp::verify() {
  return verifyLoss(*this, getInput(), getTarget(), getReduction(), true);
}
LogicalResult NllLossOp::verify() {
  return verifyLoss(*this, getInput(), getTarget(), getReduction(), true);
}
LogicalResult BceWithLogitsOp::verify() {
  return verifyLoss(*this, getInput(), getTarget(), getReduction(), false);
}
LogicalResult MseLossOp::verify() {
  return verifyLoss(*this, getInput(), getTarget(), getReduction(), false);
}

LogicalResult SoftmaxOp::verify() {
  return verifySoftmaxLike(*this, static_cast<int64_t>(getAxis()));
}
LogicalResult LogSoftmaxOp::verify() {
  return verifySoftmaxLike(*this, static_cast<int64_t>(getAxis()));
}

//===----------------------------------------------------------------------===//
// Normalization and reduction
//===----------------------------------------------------------------------===//

/// Whether `p` (a parameter such as a scale) broadcasts against `shape`
/// without changing it.
static bool broadcastsInto(ArrayRef<int64_t> p, ArrayRef<int64_t> shape) {
  if (p.size() > shape.size())
    return false;
  for (size_t i = 0; i < p.size(); ++i) {
    int64_t d = shape[shape.size() - p.size() + i];
    if (p[i] != 1 && !(dimsAgree(p[i], d) && !ShapedType::isDynamic(p[i])))
      return false;
  }
  return true;
}

/// `axis` in [-rank, rank) made non-negative, or an error.
static FailureOr<int64_t> normalizeAxis(Operation *op, int64_t axis,
                                        int64_t rank) {
  if (axis < -rank || axis >= rank)
    return op->emitOpError()
           << "axis " << axis << " is out of range for an operand of rank "
           << rank << "; use an axis in [" << -rank << ", " << rank - 1
           << "] (-1 is the last)";
  return axis < 0 ? axis + rank : axis;
}

LogicalResult LayerNormOp::verify() {
  auto xt = checkTensor(*this, getX(), "operand");
  if (failed(xt))
    return failure();
  if (xt->getRank() == 0)
    return emitOpError("needs an operand of rank 1 or more; it is a scalar");
  FailureOr<int64_t> axis =
      normalizeAxis(*this, static_cast<int64_t>(getAxis()), xt->getRank());
  if (failed(axis))
    return failure();
  ArrayRef<int64_t> normalized = xt->getShape().drop_front(*axis);
  for (auto [v, what] : {std::pair{getScale(), "scale"}, {getBias(), "bias"}}) {
    auto pt = checkTensor(*this, v, what);
    if (failed(pt))
      return failure();
    if (!broadcastsInto(pt->getShape(), normalized))
      return emitOpError() << what << " has shape " << shapeStr(pt->getShape())
                           << " but the normalized dimensions are "
                           << shapeStr(normalized)
                           << "; give it that shape (or one that broadcasts "
                              "to it)";
  }
  if (getEpsilon().convertToFloat() < 0)
    return emitOpError("epsilon is negative; use a small positive value "
                       "such as 1e-5");
  return checkResult(*this, xt->getShape());
}

LogicalResult BatchNormOp::verify() {
  auto xt = checkTensor(*this, getX(), "operand");
  if (failed(xt))
    return failure();
  if (xt->getRank() < 2)
    return emitOpError() << "needs an operand of rank 2 or more (dimension 1 "
                            "is the channel) but it has shape "
                         << shapeStr(xt->getShape())
                         << "; reshape it to [N, C, ...]";
  int64_t channels = xt->getDimSize(1);
  for (auto [v, what] : {std::pair{getScale(), "scale"},
                         {getBias(), "bias"},
                         {getMean(), "mean"},
                         {getVar(), "var"}}) {
    auto pt = checkTensor(*this, v, what, 1);
    if (failed(pt))
      return failure();
    if (pt->isDynamicDim(0) || !dimsAgree(pt->getDimSize(0), channels))
      return emitOpError() << what << " has shape " << shapeStr(pt->getShape())
                           << " but the operand has " << channels
                           << " channels (dimension 1); give it one value "
                              "per channel";
  }
  return checkResult(*this, xt->getShape());
}

LogicalResult ReduceMeanOp::verify() {
  auto xt = checkTensor(*this, getX(), "operand");
  if (failed(xt))
    return failure();
  int64_t rank = xt->getRank();
  SmallVector<bool> reduced(rank, getAxes().empty());
  for (int64_t a : getAxes()) {
    FailureOr<int64_t> axis = normalizeAxis(*this, a, rank);
    if (failed(axis))
      return failure();
    if (reduced[*axis])
      return emitOpError() << "axis " << a
                           << " is listed twice; list each "
                              "dimension once";
    reduced[*axis] = true;
  }
  SmallVector<int64_t> out;
  for (int64_t d = 0; d < rank; ++d)
    if (!reduced[d])
      out.push_back(xt->getDimSize(d));
    else if (getKeepDims())
      out.push_back(1);
  return checkResult(*this, out);
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

/// The product of `shape`'s static sizes and the count of dynamic ones.
static std::pair<int64_t, int> staticProduct(ArrayRef<int64_t> shape) {
  int64_t product = 1;
  int dynamic = 0;
  for (int64_t d : shape)
    if (ShapedType::isDynamic(d))
      ++dynamic;
    else
      product *= d;
  return {product, dynamic};
}

LogicalResult ReshapeOp::verify() {
  auto xt = checkTensor(*this, getX(), "operand");
  if (failed(xt))
    return failure();
  auto rt = checkTensor(*this, getResult(), "result");
  if (failed(rt))
    return failure();
  auto [in, inDyn] = staticProduct(xt->getShape());
  auto [out, outDyn] = staticProduct(rt->getShape());
  if (inDyn > 1 || outDyn > 1 || inDyn != outDyn)
    return emitOpError() << "cannot reshape " << shapeStr(xt->getShape())
                         << " to " << shapeStr(rt->getShape())
                         << ": operand and result need the same number of "
                            "dynamic dimensions, at most one; make the "
                            "others static";
  if (inDyn == 0 && in != out)
    return emitOpError() << "cannot reshape " << shapeStr(xt->getShape())
                         << " (" << in << " elements) to "
                         << shapeStr(rt->getShape()) << " (" << out
                         << " elements); the element counts must be equal";
  if (inDyn == 1 && (in == 0 || out == 0))
    return emitOpError() << "cannot reshape " << shapeStr(xt->getShape())
                         << " to " << shapeStr(rt->getShape())
                         << ": a tensor with a dynamic dimension and a "
                            "static 0 has no elements to reshape; remove "
                            "the 0";
  return success();
}

LogicalResult TransposeOp::verify() {
  auto xt = checkTensor(*this, getX(), "operand");
  if (failed(xt))
    return failure();
  ArrayRef<int64_t> perm = getPermutation();
  int64_t rank = xt->getRank();
  SmallVector<bool> seen(rank, false);
  bool valid = int64_t(perm.size()) == rank;
  for (int64_t p : perm) {
    valid &= p >= 0 && p < rank && !seen[std::clamp<int64_t>(p, 0, rank - 1)];
    if (p >= 0 && p < rank)
      seen[p] = true;
  }
  if (!valid)
    return emitOpError() << "permutation " << shapeStr(perm)
                         << " is not a permutation of the operand's " << rank
                         << " dimensions; list each of 0.." << rank - 1
                         << " once";
  SmallVector<int64_t> out;
  for (int64_t p : perm)
    out.push_back(xt->getDimSize(p));
  return checkResult(*this, out);
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one operand");
  auto first = checkTensor(*this, getInputs()[0], "operand #0");
  if (failed(first))
    return failure();
  int64_t rank = first->getRank();
  FailureOr<int64_t> axis =
      normalizeAxis(*this, static_cast<int64_t>(getAxis()), rank);
  if (failed(axis))
    return failure();
  SmallVector<int64_t> out(first->getShape());
  for (auto [i, v] : llvm::enumerate(getInputs().drop_front())) {
    std::string what = "operand #" + std::to_string(i + 1);
    auto t = checkTensor(*this, v, what, rank);
    if (failed(t))
      return failure();
    for (int64_t d = 0; d < rank; ++d) {
      int64_t size = t->getDimSize(d);
      if (d == *axis) {
        if (ShapedType::isDynamic(size) || ShapedType::isDynamic(out[d]))
          return emitOpError() << "joins along dimension " << d
                               << ", which is dynamic; concatenate along a "
                                  "static dimension";
        out[d] += size;
      } else if (!dimsAgree(out[d], size)) {
        return emitOpError()
               << what << " has shape " << shapeStr(t->getShape())
               << " but operand #0 " << shapeStr(first->getShape())
               << ": all dimensions but the axis " << *axis << " must agree";
      }
    }
  }
  if (getInputs().size() == 1 && first->isDynamicDim(*axis))
    return emitOpError("joins along a dynamic dimension; concatenate along a "
                       "static dimension");
  return checkResult(*this, out);
}

//===----------------------------------------------------------------------===//
// DenseOp
//===----------------------------------------------------------------------===//

LogicalResult DenseOp::verify() {
  if (!isKnownActivation(getActivation()))
    return emitOpError()
           << "unknown activation \"" << getActivation()
           << "\"; use one of \"none\", \"relu\", \"sigmoid\", \"tanh\", "
              "\"gelu\", \"gelu_tanh\", \"leaky_relu\", \"elu\", \"selu\", "
              "\"softplus\", \"silu\", \"hard_swish\", \"hard_sigmoid\", "
              "\"clip\", \"erf\", \"exp\", \"log\", \"neg\", \"sqrt\"";
  auto shape = checkContraction(*this, getX(), getW(), getTransposeW(), "input",
                                "weight", "transpose_w", /*narrowB=*/true);
  if (failed(shape))
    return failure();
  auto bt = checkTensor(*this, getB(), "bias", 1);
  if (failed(bt))
    return failure();
  if (!dimsAgree(bt->getDimSize(0), (*shape)[1]))
    return emitOpError() << "bias has length " << bt->getDimSize(0)
                         << " but the layer has " << (*shape)[1]
                         << " outputs; give the bias one value per output";
  if (failed(verifyWeightPrecision(*shape)))
    return failure();
  return checkResult(*this, *shape);
}

LogicalResult DenseOp::verifyWeightPrecision(ArrayRef<int64_t> shape) {
  Type elem = cast<RankedTensorType>(getW().getType()).getElementType();
  if (getKeepF32() && !elem.isF32())
    return emitOpError() << "has keep_f32 but its weights are " << elem
                         << "; remove keep_f32 or give it f32 weights";
  if (!elem.isInteger(8)) {
    if (getWScale())
      return emitOpError() << "has a w_scale but its weights are " << elem
                           << "; only i8 weights take a scale, remove it";
    return success();
  }
  if (!getWScale())
    return emitOpError("has i8 weights but no w_scale; give it one f32 scale "
                       "per output, w_scale(%s : tensor<Nxf32>)");
  auto st = checkTensor(*this, getWScale(), "w_scale", 1);
  if (failed(st))
    return failure();
  if (!dimsAgree(st->getDimSize(0), shape[1]))
    return emitOpError() << "w_scale has length " << st->getDimSize(0)
                         << " but the layer has " << shape[1]
                         << " outputs; give it one scale per output";
  return success();
}

LogicalResult IntrinsicOp::verify() {
  if (!getName().starts_with("llvm."))
    return emitOpError() << "names '" << getName()
                         << "', which is not an LLVM intrinsic; give the "
                            "intrinsic's full name, such as "
                            "llvm.x86.avx2.pmadd.wd";
  return success();
}

LogicalResult TaskFlopsOp::verify() {
  auto loop = dyn_cast_or_null<scf::ForallOp>((*this)->getParentOp());
  if (!loop)
    return emitOpError("must be directly inside the body of an scf.forall, "
                       "whose iterations' work it states; move it there or "
                       "remove it");
  if (loop.getRegion().isAncestor(getFlops().getParentRegion()))
    return emitOpError("operand must be defined before the enclosing "
                       "scf.forall (the runtime reads it before any iteration "
                       "runs); compute it outside the loop");
  return success();
}
