//===- LowerShapeOps.cpp - normalization, reductions, data movement -------===//
//
// The mlp ops that are not elementwise, as linalg.generic on tensors (and
// reshapes as tensor views), for mlp-lower-to-linalg. None of them copies
// through a strided view: MLIR lowers such a memref.copy to a call of its
// C runner's memrefCopy, which a model's object cannot link.
//
//===----------------------------------------------------------------------===//
#include "LowerShapeOps.h"

#include "mlp/MlpOps.h"
#include "mlpc/Utils/Activation.h"
#include "mlpc/Utils/LinalgBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::mlp;
using utils::IteratorType;

namespace {

/// A tensor.empty of `type` whose dynamic sizes are those of `sizes`.
Value emptyOf(OpBuilder &b, Location loc, RankedTensorType type,
              ArrayRef<OpFoldResult> sizes) {
  SmallVector<Value> dyn;
  for (auto [d, s] : llvm::enumerate(type.getShape()))
    if (ShapedType::isDynamic(s))
      dyn.push_back(getValueOrCreateConstantIndexOp(b, loc, sizes[d]));
  return tensor::EmptyOp::create(b, loc, type, dyn);
}

/// The number of elements of `x` over `dims`, as an f32 scalar.
Value countF32(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> dims) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t fixed = 1;
  Value dynamic;
  for (int64_t d : dims) {
    if (!type.isDynamicDim(d)) {
      fixed *= type.getDimSize(d);
      continue;
    }
    Value size = tensor::DimOp::create(b, loc, x, d);
    dynamic = dynamic ? arith::MulIOp::create(b, loc, dynamic, size) : size;
  }
  Value count = mlpc::floatConstant(b, loc, b.getF32Type(), double(fixed));
  if (!dynamic)
    return count;
  Value i64 = arith::IndexCastUIOp::create(b, loc, b.getI64Type(), dynamic);
  Value f = arith::UIToFPOp::create(b, loc, b.getF32Type(), i64);
  return arith::MulFOp::create(b, loc, f, count);
}

/// Sums `x` (through `body` of its element) over the dimensions marked in
/// `reduced`, into a tensor of the others (or of 1s there, `keepDims`).
Value buildSum(OpBuilder &b, Location loc, Value x, ArrayRef<bool> reduced,
               bool keepDims, ArrayRef<Value> extra,
               ArrayRef<AffineMap> extraMaps,
               function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> shape;
  SmallVector<OpFoldResult> sizes;
  SmallVector<AffineExpr> outExprs;
  SmallVector<IteratorType> iterators;
  for (int64_t d = 0; d < rank; ++d) {
    iterators.push_back(reduced[d] ? IteratorType::reduction
                                   : IteratorType::parallel);
    if (reduced[d] && !keepDims)
      continue;
    shape.push_back(reduced[d] ? 1 : type.getDimSize(d));
    sizes.push_back(reduced[d] ? OpFoldResult(b.getIndexAttr(1))
                               : tensor::getMixedSize(b, loc, x, d));
    outExprs.push_back(reduced[d] ? b.getAffineConstantExpr(0)
                                  : b.getAffineDimExpr(d));
  }
  auto outType = RankedTensorType::get(shape, type.getElementType());
  Value init = mlpc::fillF32(b, loc, emptyOf(b, loc, outType, sizes), 0.0);
  SmallVector<Value> inputs = {x};
  inputs.append(extra.begin(), extra.end());
  SmallVector<AffineMap> maps = {
      AffineMap::getMultiDimIdentityMap(rank, b.getContext())};
  maps.append(extraMaps.begin(), extraMaps.end());
  maps.push_back(AffineMap::get(rank, 0, outExprs, b.getContext()));
  return mlpc::buildGeneric(
      b, loc, inputs, init, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        return arith::AddFOp::create(nb, l, a.back(),
                                     body(nb, l, a.drop_back()));
      });
}

/// The map of a tensor broadcast (numpy style, aligned at the end) into
/// `rank` loop dimensions whose sizes are `shape`.
AffineMap broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> paramShape,
                       ArrayRef<int64_t> shape) {
  int64_t offset = shape.size() - paramShape.size();
  SmallVector<AffineExpr> exprs;
  for (auto [i, s] : llvm::enumerate(paramShape)) {
    bool stretched = s == 1 && shape[i + offset] != 1;
    exprs.push_back(stretched ? getAffineConstantExpr(0, ctx)
                              : getAffineDimExpr(i + offset, ctx));
  }
  return AffineMap::get(shape.size(), 0, exprs, ctx);
}

/// The map that reads a per-row statistic (dimensions 0..outer-1) in a loop
/// over `rank` dimensions.
AffineMap outerMap(MLIRContext *ctx, int64_t outer, int64_t rank) {
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < outer; ++d)
    exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

/// An elementwise generic over `x`'s shape.
Value buildMap(OpBuilder &b, Location loc, Value x, ArrayRef<Value> inputs,
               ArrayRef<AffineMap> maps,
               function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  Value init = mlpc::emptyLike(b, loc, type, x,
                               llvm::to_vector(llvm::seq<int64_t>(rank)));
  SmallVector<AffineMap> all(maps);
  all.push_back(AffineMap::getMultiDimIdentityMap(rank, b.getContext()));
  return mlpc::buildGeneric(
      b, loc, inputs, init, all,
      SmallVector<IteratorType>(rank, IteratorType::parallel), body);
}

/// y = (x - mean) / sqrt(var + eps) * scale + bias, the statistics over the
/// trailing dimensions, in the order of ONNX's reference: mean, the
/// centered values' mean square, then one pass that normalizes.
struct LowerLayerNorm : OpRewritePattern<LayerNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LayerNormOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    Value x = op.getX();
    auto type = cast<RankedTensorType>(x.getType());
    int64_t rank = type.getRank();
    int64_t axis = static_cast<int64_t>(op.getAxis());
    axis = axis < 0 ? axis + rank : axis;
    SmallVector<bool> reduced(rank, false);
    SmallVector<int64_t> inner;
    for (int64_t d = axis; d < rank; ++d) {
      reduced[d] = true;
      inner.push_back(d);
    }
    auto identity = [](OpBuilder &, Location, ValueRange a) { return a[0]; };
    Value n = countF32(b, loc, x, inner);
    AffineMap stat = outerMap(ctx, axis, rank);
    auto divide = [&](Value sum) {
      return buildMap(b, loc, sum, {sum},
                      {AffineMap::getMultiDimIdentityMap(axis, ctx)},
                      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                        return arith::DivFOp::create(nb, l, a[0], n);
                      });
    };
    Value mean = divide(buildSum(b, loc, x, reduced, false, {}, {}, identity));
    Value var =
        divide(buildSum(b, loc, x, reduced, false, {mean}, {stat},
                        [](OpBuilder &nb, Location l, ValueRange a) -> Value {
                          Value d = arith::SubFOp::create(nb, l, a[0], a[1]);
                          return arith::MulFOp::create(nb, l, d, d);
                        }));
    float eps = op.getEpsilon().convertToFloat();
    auto shapeOf = [](Value v) {
      return cast<RankedTensorType>(v.getType()).getShape();
    };
    Value y =
        buildMap(b, loc, x, {x, mean, var, op.getScale(), op.getBias()},
                 {AffineMap::getMultiDimIdentityMap(rank, ctx), stat, stat,
                  broadcastMap(ctx, shapeOf(op.getScale()), type.getShape()),
                  broadcastMap(ctx, shapeOf(op.getBias()), type.getShape())},
                 [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                   Value d = arith::SubFOp::create(nb, l, a[0], a[1]);
                   Value inv = mlpc::buildInverseStd(nb, l, a[2], eps);
                   return mlpc::buildLayerNormOutput(nb, l, d, inv, a[3], a[4]);
                 });
    b.replaceOp(op, y);
    return success();
  }
};

/// y = (x - mean) / sqrt(var + eps) * scale + bias per channel (dim 1).
struct LowerBatchNorm : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BatchNormOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    auto type = cast<RankedTensorType>(op.getX().getType());
    int64_t rank = type.getRank();
    AffineMap channel =
        AffineMap::get(rank, 0, {getAffineDimExpr(1, ctx)}, ctx);
    float eps = op.getEpsilon().convertToFloat();
    Value y = buildMap(
        b, loc, op.getX(),
        {op.getX(), op.getScale(), op.getBias(), op.getMean(), op.getVar()},
        {AffineMap::getMultiDimIdentityMap(rank, ctx), channel, channel,
         channel, channel},
        [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
          return mlpc::buildBatchNorm(nb, l, a[0], a[1], a[2], a[3], a[4], eps);
        });
    b.replaceOp(op, y);
    return success();
  }
};

struct LowerReduceMean : OpRewritePattern<ReduceMeanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReduceMeanOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value x = op.getX();
    int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
    SmallVector<bool> reduced(rank, op.getAxes().empty());
    for (int64_t a : op.getAxes())
      reduced[a < 0 ? a + rank : a] = true;
    SmallVector<int64_t> dims;
    for (int64_t d = 0; d < rank; ++d)
      if (reduced[d])
        dims.push_back(d);
    Value n = countF32(b, loc, x, dims);
    Value sum = buildSum(
        b, loc, x, reduced, op.getKeepDims(), {}, {},
        [](OpBuilder &, Location, ValueRange a) -> Value { return a[0]; });
    int64_t outRank = cast<RankedTensorType>(sum.getType()).getRank();
    b.replaceOp(
        op,
        buildMap(b, loc, sum, {sum},
                 {AffineMap::getMultiDimIdentityMap(outRank, b.getContext())},
                 [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                   return arith::DivFOp::create(nb, l, a[0], n);
                 }));
    return success();
  }
};

/// Through a flat view: collapse to one dimension, expand to the result's
/// shape. Both are views of one buffer, so nothing is copied.
struct LowerReshape : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value x = op.getX();
    auto inType = cast<RankedTensorType>(x.getType());
    auto outType = cast<RankedTensorType>(op.getType());
    if (inType == outType) {
      b.replaceOp(op, x);
      return success();
    }
    auto all = [](int64_t rank) {
      SmallVector<ReassociationIndices> r;
      if (rank > 0)
        r.push_back(llvm::to_vector(llvm::seq<int64_t>(rank)));
      return r;
    };
    Value flat = x;
    if (inType.getRank() != 1)
      flat = tensor::CollapseShapeOp::create(b, loc, x, all(inType.getRank()));
    if (outType.getRank() == 1 ||
        (outType.getRank() == 0 && inType.getRank() == 0)) {
      b.replaceOp(op, flat);
      return success();
    }
    if (outType.getRank() == 0) {
      b.replaceOpWithNewOp<tensor::CollapseShapeOp>(
          op, outType, flat, SmallVector<ReassociationIndices>{});
      return success();
    }
    SmallVector<OpFoldResult> sizes;
    int64_t fixed = 1;
    for (int64_t s : outType.getShape())
      if (!ShapedType::isDynamic(s))
        fixed *= s;
    for (int64_t s : outType.getShape()) {
      if (!ShapedType::isDynamic(s)) {
        sizes.push_back(b.getIndexAttr(s));
        continue;
      }
      Value total = tensor::DimOp::create(b, loc, flat, 0);
      Value divisor = arith::ConstantIndexOp::create(b, loc, fixed);
      sizes.push_back(
          arith::DivUIOp::create(b, loc, total, divisor).getResult());
    }
    auto flatType = cast<RankedTensorType>(flat.getType());
    if (flatType.getRank() == 0) {
      b.replaceOpWithNewOp<tensor::ExpandShapeOp>(
          op, outType, flat, SmallVector<ReassociationIndices>{}, sizes);
      return success();
    }
    b.replaceOpWithNewOp<tensor::ExpandShapeOp>(op, outType, flat,
                                                all(outType.getRank()), sizes);
    return success();
  }
};

struct LowerTranspose : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    ArrayRef<int64_t> perm = op.getPermutation();
    int64_t rank = perm.size();
    // Loop dimension i is result dimension i, operand dimension perm[i].
    SmallVector<AffineExpr> in(rank);
    for (int64_t i = 0; i < rank; ++i)
      in[perm[i]] = getAffineDimExpr(i, ctx);
    auto type = cast<RankedTensorType>(op.getType());
    Value init = mlpc::emptyLike(b, loc, type, op.getX(), perm);
    b.replaceOp(op, mlpc::buildGeneric(
                        b, loc, op.getX(), init,
                        {AffineMap::get(rank, 0, in, ctx),
                         AffineMap::getMultiDimIdentityMap(rank, ctx)},
                        SmallVector<IteratorType>(rank, IteratorType::parallel),
                        [](OpBuilder &, Location, ValueRange a) -> Value {
                          return a[0];
                        }));
    return success();
  }
};

/// One loop over the result: each element is read from the operand whose
/// range along the axis holds it (every operand is read at a clamped index
/// and the right one selected, which keeps the loop free of branches).
struct LowerConcat : OpRewritePattern<ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConcatOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    int64_t axis = static_cast<int64_t>(op.getAxis());
    axis = axis < 0 ? axis + rank : axis;
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < rank; ++d)
      sizes.push_back(d == axis
                          ? OpFoldResult(b.getIndexAttr(type.getDimSize(d)))
                          : tensor::getMixedSize(b, loc, op.getInputs()[0], d));
    Value init = emptyOf(b, loc, type, sizes);
    SmallVector<Value> inputs(op.getInputs());
    Value result = mlpc::buildGeneric(
        b, loc, ValueRange{}, init,
        {AffineMap::getMultiDimIdentityMap(rank, ctx)},
        SmallVector<IteratorType>(rank, IteratorType::parallel),
        [&](OpBuilder &nb, Location l, ValueRange) -> Value {
          SmallVector<Value> idx;
          for (int64_t d = 0; d < rank; ++d)
            idx.push_back(linalg::IndexOp::create(nb, l, d));
          Value pos = idx[axis];
          Value chosen;
          int64_t offset = 0;
          for (Value in : inputs) {
            int64_t size =
                cast<RankedTensorType>(in.getType()).getDimSize(axis);
            auto cst = [&](int64_t v) {
              return arith::ConstantIndexOp::create(nb, l, v);
            };
            Value local = arith::SubIOp::create(nb, l, pos, cst(offset));
            local = arith::MaxSIOp::create(nb, l, local, cst(0));
            local = arith::MinSIOp::create(nb, l, local, cst(size - 1));
            SmallVector<Value> at(idx);
            at[axis] = local;
            Value v = tensor::ExtractOp::create(nb, l, in, at);
            if (!chosen) {
              chosen = v;
            } else {
              Value here = arith::CmpIOp::create(
                  nb, l, arith::CmpIPredicate::sge, pos, cst(offset));
              chosen = arith::SelectOp::create(nb, l, here, v, chosen);
            }
            offset += size;
          }
          return chosen;
        });
    b.replaceOp(op, result);
    return success();
  }
};
} // namespace

void mlir::mlpc::populateLowerShapeOpsPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerLayerNorm, LowerBatchNorm, LowerReduceMean, LowerReshape,
               LowerTranspose, LowerConcat>(patterns.getContext());
}
