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
              "leaky_relu"},
             true)
      .Default(false);
}

std::optional<ActivationSpec> mlir::mlp::getActivationSpec(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<ActivationSpec>>(op)
      .Case([](ReluOp) { return ActivationSpec{"relu"}; })
      .Case([](SigmoidOp) { return ActivationSpec{"sigmoid"}; })
      .Case([](TanhOp) { return ActivationSpec{"tanh"}; })
      .Case([](GeluOp g) {
        return ActivationSpec{g.getApproximate() == "tanh" ? "gelu_tanh"
                                                           : "gelu"};
      })
      .Case([](LeakyReluOp l) {
        return ActivationSpec{"leaky_relu", l.getAlpha().convertToFloat()};
      })
      .Default([](Operation *) { return std::nullopt; });
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

/// Checks that `v` is a ranked f32 tensor (of `rank`, when given) and
/// returns its type, or emits an error naming `what`.
FailureOr<RankedTensorType> checkTensor(Operation *op, Value v, StringRef what,
                                        std::optional<int64_t> rank = {}) {
  auto ranked = dyn_cast<RankedTensorType>(v.getType());
  if (!ranked)
    return op->emitOpError() << what << " has type " << v.getType()
                             << ": mlpc needs ranked tensors; give it a "
                                "shape such as tensor<?x128xf32>";
  if (!ranked.getElementType().isF32())
    return op->emitOpError()
           << what << " has element type " << ranked.getElementType()
           << ": mlpc supports f32 only; convert it to f32";
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
                 StringRef aName, StringRef bName, StringRef flagName) {
  auto at = checkTensor(op, a, aName, 2);
  if (failed(at))
    return failure();
  auto bt = checkTensor(op, b, bName, 2);
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

LogicalResult AddOp::verify() {
  auto at = checkTensor(*this, getA(), "lhs");
  if (failed(at))
    return failure();
  auto bt = checkTensor(*this, getB(), "rhs");
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
      return emitOpError() << "shapes " << shapeStr(as) << " and "
                           << shapeStr(bs) << " do not broadcast: dimension "
                           << i << " of the result would be both " << da
                           << " and " << db
                           << "; make them equal or 1 (a bias must "
                           << "have the length of the last dimension)";
  }
  return checkResult(*this, out);
}

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

LogicalResult SoftmaxOp::verify() {
  return verifySoftmaxLike(*this, static_cast<int64_t>(getAxis()));
}
LogicalResult LogSoftmaxOp::verify() {
  return verifySoftmaxLike(*this, static_cast<int64_t>(getAxis()));
}

//===----------------------------------------------------------------------===//
// DenseOp
//===----------------------------------------------------------------------===//

LogicalResult DenseOp::verify() {
  if (!isKnownActivation(getActivation()))
    return emitOpError() << "unknown activation \"" << getActivation()
                         << "\"; use one of \"none\", \"relu\", \"sigmoid\", "
                            "\"tanh\", \"gelu\", \"gelu_tanh\", \"leaky_relu\"";
  auto shape = checkContraction(*this, getX(), getW(), getTransposeW(), "input",
                                "weight", "transpose_w");
  if (failed(shape))
    return failure();
  auto bt = checkTensor(*this, getB(), "bias", 1);
  if (failed(bt))
    return failure();
  if (!dimsAgree(bt->getDimSize(0), (*shape)[1]))
    return emitOpError() << "bias has length " << bt->getDimSize(0)
                         << " but the layer has " << (*shape)[1]
                         << " outputs; give the bias one value per output";
  return checkResult(*this, *shape);
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
