//===- NarrowWeights.cpp - f32 weights -> bf16 or i8 ----------------------===//
//
// Runs after fusion, so that a layer is a dense op with its bias, and
// before any lowering: the narrowed weights are then part of the model,
// which --emit=mlp prints and every backend reads. The arithmetic is in
// Utils/Quantize.h.
//
//===----------------------------------------------------------------------===//
#include "mlp/MlpOps.h"
#include "mlpc/Transforms/Passes.h"
#include "mlpc/Utils/Constants.h"
#include "mlpc/Utils/Layers.h"
#include "mlpc/Utils/Quantize.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::mlpc {
#define GEN_PASS_DEF_NARROWWEIGHTS
#include "mlpc/Transforms/Passes.h.inc"
} // namespace mlir::mlpc

using namespace mlir;
using namespace mlir::mlp;
using namespace mlir::mlpc;

namespace {

/// `op`'s weights narrowed to `p`: the new weight constant and, for int8,
/// the scales.
std::pair<Value, Value> narrow(OpBuilder &b, Location loc, Value w,
                               bool transposed, Precision p) {
  auto type = cast<RankedTensorType>(w.getType());
  SmallVector<float> values = *constantValues(w);
  if (p == Precision::BF16) {
    std::vector<uint16_t> bits(values.size());
    for (size_t i = 0; i < values.size(); ++i)
      bits[i] = toBF16(values[i]);
    ArrayRef<char> raw(reinterpret_cast<const char *>(bits.data()),
                       bits.size() * sizeof(uint16_t));
    return {rawConstant(b, loc, type.clone(b.getBF16Type()), raw,
                        "mlpc_weights_bf16"),
            Value()};
  }
  int64_t k = type.getDimSize(transposed ? 1 : 0);
  int64_t n = type.getDimSize(transposed ? 0 : 1);
  Int8Weights q = quantizeColumns(values, k, n, transposed);
  // Stored in the layout the weights had ([N, K] stays [N, K]).
  std::vector<int8_t> stored(q.values.size());
  for (int64_t kk = 0; kk < k; ++kk)
    for (int64_t j = 0; j < n; ++j)
      stored[transposed ? j * k + kk : kk * n + j] = q.values[kk * n + j];
  ArrayRef<char> raw(reinterpret_cast<const char *>(stored.data()),
                     stored.size());
  Value wq = rawConstant(b, loc, type.clone(b.getIntegerType(8)), raw,
                         "mlpc_weights_i8");
  Value scales = f32Constant(b, loc, {n}, q.scales);
  return {wq, scales};
}

struct NarrowWeightsPass : mlpc::impl::NarrowWeightsBase<NarrowWeightsPass> {
  using NarrowWeightsBase::NarrowWeightsBase;

  void runOnOperation() override {
    std::optional<Precision> p = parsePrecision(precision);
    if (!p) {
      getOperation().emitError("mlp-narrow-weights: precision '")
          << precision << "' is not one; use f32, bf16 or int8";
      return signalPassFailure();
    }
    auto funcs = llvm::to_vector(getOperation().getOps<func::FuncOp>());
    for (func::FuncOp f : funcs)
      if (failed(markKept(f, funcs.size() > 1)))
        return signalPassFailure();
    if (*p == Precision::F32)
      return;
    for (func::FuncOp f : funcs)
      f.walk([&](Operation *op) {
        if (auto d = dyn_cast<DenseOp>(op))
          narrowDense(d, *p);
        else if (auto m = dyn_cast<MatmulOp>(op))
          narrowMatmul(m, *p);
      });
  }

  /// Sets keep_f32 on the layers that keep-f32 names in `f`.
  LogicalResult markKept(func::FuncOp f, bool severalEntries) {
    SmallVector<Operation *> layers;
    std::vector<std::string> names;
    f.walk([&](Operation *op) {
      if (isa<DenseOp, MatmulOp>(op)) {
        layers.push_back(op);
        names.push_back(mlpc::layerName(op->getLoc()));
      }
    });
    std::string error;
    std::optional<std::vector<bool>> kept =
        selectKeptLayers(names, keepF32, severalEntries, error);
    if (!kept)
      return f.emitError() << error;
    for (auto [op, keep] : llvm::zip(layers, *kept))
      if (keep)
        op->setAttr("keep_f32", UnitAttr::get(op->getContext()));
    return success();
  }

  static bool narrowable(Operation *op, Value w) {
    return !op->hasAttr("keep_f32") &&
           cast<RankedTensorType>(w.getType()).getElementType().isF32() &&
           constantValues(w).has_value();
  }

  void narrowDense(DenseOp op, Precision p) {
    if (!narrowable(op, op.getW()))
      return;
    OpBuilder b(op);
    auto [w, scale] = narrow(b, op.getLoc(), op.getW(), op.getTransposeW(), p);
    op.getWMutable().assign(w);
    if (scale)
      op.getWScaleMutable().assign(scale);
  }

  /// A matmul (at -O0, where nothing fused it) becomes a dense layer with a
  /// zero bias, the op that carries narrowed weights.
  void narrowMatmul(MatmulOp op, Precision p) {
    if (!narrowable(op, op.getB()))
      return;
    OpBuilder b(op);
    auto type = cast<RankedTensorType>(op.getType());
    int64_t n = type.getDimSize(1);
    Value bias = f32Constant(b, op.getLoc(), {n}, SmallVector<float>(n, 0.0f));
    auto [w, scale] = narrow(b, op.getLoc(), op.getB(), op.getTransposeB(), p);
    auto dense = DenseOp::create(
        b, op.getLoc(), type, op.getA(), w, bias, scale,
        b.getStringAttr("none"), b.getF32FloatAttr(0.01f),
        b.getF32FloatAttr(0.0f), op.getTransposeBAttr(), UnitAttr());
    op.replaceAllUsesWith(dense.getResult());
    op.erase();
  }
};
} // namespace
