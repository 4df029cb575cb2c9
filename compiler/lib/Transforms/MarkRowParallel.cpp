//===- MarkRowParallel.cpp - find entries whose batch rows are independent
//-===//
//
// An MLP computes each batch row on its own, so a large batch can be split
// into row ranges run on several threads, each range giving exactly what it
// would give in one call. That holds when every value is either "batched"
// (its leading dimension is the batch, rows independent) or "constant" (no
// dependence on the arguments), and no op mixes rows:
//   matmul/dense  batched x constant weights (and constant bias)
//   add, sub, ... batched + batched of equal rank, or + constant broadcast
//                 over the leading dimension
//   activations   batched -> batched
//   softmax       batched, along any axis but the leading one
//   losses        per row (reduction "none"), of batched input and target
//   layer_norm, reduce_mean  over dimensions other than the leading one
//   batch_norm    with constant statistics
//   reshape, transpose, concat  when row i stays row i
// Anything else (a static entry, softmax over the batch, a product of two
// batched values, unknown ops) leaves the entry serial, and so does a layer
// large enough to split its columns over the threads instead
// (TargetTuning::columnSplitWeightBytes).
//
//===----------------------------------------------------------------------===//
#include "mlp/MlpOps.h"
#include "mlpc/CPU/TargetTuning.h"
#include "mlpc/Transforms/Passes.h"
#include "mlpc/Utils/Attributes.h"

#include <limits>

namespace mlir::mlpc {
#define GEN_PASS_DEF_MARKROWPARALLEL
#include "mlpc/Transforms/Passes.h.inc"
} // namespace mlir::mlpc

using namespace mlir;
using namespace mlir::mlp;

namespace {
enum class Kind { Batched, Constant };

/// The work per element of an op around the dense layers, in the unit of
/// the runtime's thresholds: FLOPs of the dense kernel, whose speed on one
/// core the runtime assumes (MLPC_KERNEL_FLOPS_PER_NANO). Each op's figure
/// is its measured time per element in that unit (bench/RESULTS.md): a
/// cheap op a few FLOPs, a transcendental tens. Without this, a
/// softmax-only entry or one dominated by its activations counted as no
/// work and never used a second thread.
/// The ops measured since are estimated from the measured ones with the
/// same kind of body (an exp or log chain like sigmoid's, a compare and
/// select like relu's).
int64_t flopsPerElement(Operation *op) {
  if (isa<ReluOp, LeakyReluOp, AddOp, SubOp, MulOp, PReluOp, ClipOp, NegOp,
          HardSigmoidOp, HardSwishOp, SqrtOp, DivOp, BatchNormOp>(op))
    return 8;
  if (isa<TanhOp, SigmoidOp, SiluOp, EluOp, SeluOp, SoftplusOp, ExpOp, LogOp,
          ErfOp, PowOp>(op))
    return 36;
  if (isa<SoftmaxOp, LogSoftmaxOp, LayerNormOp>(op))
    return 40;
  if (auto gelu = dyn_cast<GeluOp>(op))
    return gelu.getApproximate() == "tanh" ? 54 : 88;
  return 0;
}

/// Elements per batch row of `t` (all but the leading dimension), or 0 if
/// one of them is dynamic.
int64_t elementsPerRow(Type t) {
  auto shaped = cast<ShapedType>(t);
  int64_t n = 1;
  for (int64_t d : shaped.getShape().drop_front()) {
    if (ShapedType::isDynamic(d))
      return 0;
    n *= d;
  }
  return n;
}

struct Analysis {
  DenseMap<Value, Kind> kinds;
  int64_t flopsPerRow = 0;
  int64_t maxWeightBytes = 0; // of the largest weight matrix

  std::optional<Kind> kindOf(Value v) {
    auto it = kinds.find(v);
    if (it != kinds.end())
      return it->second;
    return std::nullopt;
  }
  bool isConstant(Value v) { return kindOf(v) == Kind::Constant; }
  bool isBatched(Value v) { return kindOf(v) == Kind::Batched; }

  /// Kind of `op`'s result, or nullopt if it mixes rows.
  std::optional<Kind> visit(Operation *op) {
    if (op->hasTrait<OpTrait::ConstantLike>())
      return Kind::Constant;
    if (llvm::all_of(op->getOperands(),
                     [&](Value v) { return isConstant(v); }) &&
        isa<MlpDialect>(op->getDialect()))
      return Kind::Constant;
    auto contraction = [&](Value x, Value w,
                           ValueRange rest) -> std::optional<Kind> {
      if (!isBatched(x) || !isConstant(w) ||
          !llvm::all_of(rest, [&](Value v) { return isConstant(v); }))
        return std::nullopt;
      auto wt = cast<ShapedType>(w.getType());
      // Large layers split their columns over threads instead.
      if (wt.hasStaticShape() &&
          wt.getNumElements() * 4 >=
              mlpc::TargetTuning().columnSplitWeightBytes)
        return std::nullopt;
      if (wt.hasStaticShape()) {
        flopsPerRow += 2 * wt.getNumElements();
        maxWeightBytes =
            std::max<int64_t>(maxWeightBytes, wt.getNumElements() * 4);
      } else {
        maxWeightBytes = std::numeric_limits<int64_t>::max();
      }
      return Kind::Batched;
    };
    if (auto mm = dyn_cast<MatmulOp>(op))
      return contraction(mm.getA(), mm.getB(), {});
    if (auto d = dyn_cast<DenseOp>(op))
      return contraction(d.getX(), d.getW(), d.getB());
    auto rank = [](Value v) { return cast<ShapedType>(v.getType()).getRank(); };
    if (isBinaryElementwise(op)) {
      Value a = op->getOperand(0), b = op->getOperand(1);
      if (isBatched(a) && isBatched(b) && rank(a) == rank(b))
        return Kind::Batched;
      for (auto [x, c] : {std::pair{a, b}, std::pair{b, a}}) {
        if (!isBatched(x) || !isConstant(c))
          continue;
        auto ct = cast<ShapedType>(c.getType());
        // The constant must not reach the batch dimension, or be 1 there.
        if (ct.getRank() < rank(x) || ct.getDimSize(0) == 1)
          return Kind::Batched;
      }
      return std::nullopt;
    }
    if (getActivationSpec(op))
      return isBatched(op->getOperand(0)) ? std::optional(Kind::Batched)
                                          : std::nullopt;
    auto batchedIf = [&](bool rowWise) -> std::optional<Kind> {
      if (!rowWise || !isBatched(op->getOperand(0)) ||
          !llvm::all_of(op->getOperands().drop_front(),
                        [&](Value v) { return isConstant(v); }))
        return std::nullopt;
      return Kind::Batched;
    };
    if (auto ln = dyn_cast<LayerNormOp>(op))
      return batchedIf(static_cast<int64_t>(ln.getAxis()) != 0 &&
                       static_cast<int64_t>(ln.getAxis()) != -rank(ln.getX()));
    if (isa<BatchNormOp>(op))
      return batchedIf(true);
    if (auto rm = dyn_cast<ReduceMeanOp>(op))
      return batchedIf(!rm.getAxes().empty() &&
                       llvm::none_of(rm.getAxes(), [&](int64_t a) {
                         return a == 0 || a == -rank(rm.getX());
                       }));
    if (auto t = dyn_cast<TransposeOp>(op))
      return batchedIf(t.getPermutation().front() == 0);
    if (auto r = dyn_cast<ReshapeOp>(op)) {
      // Row i of the operand must stay row i of the result.
      auto in = cast<ShapedType>(r.getX().getType());
      auto out = cast<ShapedType>(r.getType());
      return batchedIf(in.isDynamicDim(0) && out.isDynamicDim(0) &&
                       elementsPerRow(in) == elementsPerRow(out) &&
                       elementsPerRow(in) != 0);
    }
    if (auto c = dyn_cast<ConcatOp>(op))
      if (static_cast<int64_t>(c.getAxis()) != 0 &&
          static_cast<int64_t>(c.getAxis()) != -rank(c.getResult()) &&
          llvm::all_of(c.getInputs(), [&](Value v) { return isBatched(v); }))
        return Kind::Batched;
    auto softmaxAxis = [&](int64_t axis, Value x) -> std::optional<Kind> {
      int64_t r = cast<ShapedType>(x.getType()).getRank();
      if (axis < 0)
        axis += r;
      if (!isBatched(x) || axis == 0)
        return std::nullopt;
      return Kind::Batched;
    };
    // A loss per row reads its row of the input and of the targets; a mean
    // or sum over the batch mixes rows.
    if (isa<CrossEntropyOp, NllLossOp, BceWithLogitsOp, MseLossOp>(op)) {
      bool perRow =
          op->getAttrOfType<StringAttr>("reduction").getValue() == "none";
      if (perRow && isBatched(op->getOperand(0)) &&
          isBatched(op->getOperand(1)))
        return Kind::Batched;
      return std::nullopt;
    }
    if (auto s = dyn_cast<SoftmaxOp>(op))
      return softmaxAxis(static_cast<int64_t>(s.getAxis()), s.getX());
    if (auto s = dyn_cast<LogSoftmaxOp>(op))
      return softmaxAxis(static_cast<int64_t>(s.getAxis()), s.getX());
    return std::nullopt;
  }

  bool run(func::FuncOp func) {
    for (BlockArgument arg : func.getArguments()) {
      auto t = dyn_cast<RankedTensorType>(arg.getType());
      if (!t || t.getRank() == 0 || !t.isDynamicDim(0))
        return false;
      kinds[arg] = Kind::Batched;
    }
    for (Operation &op : func.getBody().front()) {
      if (auto ret = dyn_cast<func::ReturnOp>(op))
        return llvm::all_of(ret.getOperands(),
                            [&](Value v) { return isBatched(v); });
      if (op.getNumResults() != 1 || op.getNumRegions() != 0)
        return false;
      std::optional<Kind> k = visit(&op);
      if (!k)
        return false;
      kinds[op.getResult(0)] = *k;
      if (*k == Kind::Batched)
        flopsPerRow +=
            flopsPerElement(&op) * elementsPerRow(op.getResult(0).getType());
    }
    return false;
  }
};

struct MarkRowParallelPass
    : mlpc::impl::MarkRowParallelBase<MarkRowParallelPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (!func.isPublic() || func.isExternal())
        continue;
      Analysis analysis;
      if (!analysis.run(func))
        continue;
      Builder b(func.getContext());
      func->setAttr(
          mlpc::kRowParallelAttr,
          b.getI64IntegerAttr(std::max<int64_t>(analysis.flopsPerRow, 1)));
      func->setAttr(mlpc::kRowWeightBytesAttr,
                    b.getI64IntegerAttr(analysis.maxWeightBytes));
    }
  }
};
} // namespace
