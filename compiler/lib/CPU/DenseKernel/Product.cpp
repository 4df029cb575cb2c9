//===- Product.cpp - how a register tile multiplies its weights -----------===//
#include "Product.h"
#include "mlp/MlpOps.h"
#include "mlpc/Utils/Activation.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::mlpc;

Type Product::weightType(MLIRContext *ctx) const {
  switch (kind) {
  case ProductKind::F32:
    return Float32Type::get(ctx);
  case ProductKind::BF16Widen:
  case ProductKind::BF16Dot:
    return BFloat16Type::get(ctx);
  default:
    return IntegerType::get(ctx, 8);
  }
}

Product mlpc::chooseProduct(Type weights, int64_t k,
                            const TargetTuning &tuning) {
  bool native = tuning.vectorWidth == 8 || tuning.vectorWidth == 16;
  if (weights.isBF16()) {
    if (tuning.bf16 == BF16Product::Dot && native)
      return {ProductKind::BF16Dot, 2};
    return {ProductKind::BF16Widen, 1};
  }
  if (!weights.isInteger(8))
    return {ProductKind::F32, 1};
  Int8Product kind = native ? tuning.int8 : Int8Product::Generic;
  // 255 · 127 per product (the activations offset by 128), so that the
  // i32 sum cannot overflow.
  if (kind == Int8Product::Vnni && k >= (int64_t(1) << 31) / (255 * 127))
    kind = Int8Product::Maddwd;
  switch (kind) {
  case Int8Product::Vnni:
    return {ProductKind::Int8Vnni, 4};
  case Int8Product::Maddwd:
    return {ProductKind::Int8Maddwd, 2};
  case Int8Product::Generic:
    return {ProductKind::Int8Generic, 1};
  }
  return {ProductKind::Int8Generic, 1};
}

int64_t mlpc::productTileRows(const Product &p, const TargetTuning &tuning) {
  bool twoVectorRows = tuning.tileCols == 2 * tuning.vectorWidth;
  if (p.kind == ProductKind::BF16Dot && twoVectorRows && tuning.tileRows < 8)
    return 8;
  return tuning.tileRows;
}

VectorType mlpc::accumulatorType(MLIRContext *ctx, const Product &p,
                                 int64_t width) {
  Type elem = p.isInt8() ? Type(IntegerType::get(ctx, 32))
                         : Type(Float32Type::get(ctx));
  return VectorType::get({width}, elem);
}

namespace {

/// Folds `body(chunk start, x[i, chunk], acc)` over row i of x in chunks of
/// `width`: the whole chunks in a loop of in-bounds reads, then the last,
/// shorter one (read with zeros past K).
Value forChunks(
    OpBuilder &b, Location loc, Value x, Value i, int64_t k, int64_t width,
    Value init,
    function_ref<Value(OpBuilder &, Location, Value, Value, Value)> body) {
  auto vt = VectorType::get({width}, b.getF32Type());
  Value pad = floatConstant(b, loc, b.getF32Type(), 0.0);
  auto cst = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  int64_t full = k - k % width;
  Value acc = init;
  if (full > 0)
    acc =
        scf::ForOp::create(
            b, loc, cst(0), cst(full), cst(width), ValueRange{acc},
            [&](OpBuilder &lb, Location l, Value c, ValueRange it) {
              Value v = vector::TransferReadOp::create(
                  lb, l, vt, x, ValueRange{i, c}, pad, ArrayRef<bool>{true});
              scf::YieldOp::create(lb, l, ValueRange{body(lb, l, c, v, it[0])});
            })
            .getResult(0);
  if (k % width) {
    Value c = cst(full);
    Value v = vector::TransferReadOp::create(b, loc, vt, x, ValueRange{i, c},
                                             pad, ArrayRef<bool>{false});
    acc = body(b, loc, c, v, acc);
  }
  return acc;
}

/// Row i's int8 scale, max |x| / 127 plus Σ x · 0 (0, or NaN when the row
/// holds a NaN or an infinity, so that such a row's outputs are NaN), and
/// the factor 127 / max that maps the row onto [-127, 127] (0 for a row of
/// zeros). The maximum is a compare and select, one vmaxps, not
/// arith.maximumf, whose NaN and signed-zero rules make a chain of five
/// instructions per vector.
std::pair<Value, Value> rowScale(OpBuilder &b, Location loc, Value x, Value i,
                                 int64_t k, int64_t width) {
  auto vt = VectorType::get({width}, b.getF32Type());
  Value zeros = floatConstant(b, loc, vt, 0.0);
  Value zeroSum;
  Value amaxV = forChunks(
      b, loc, x, i, k, width, zeros,
      [&](OpBuilder &lb, Location l, Value, Value v, Value acc) -> Value {
        Value a = math::AbsFOp::create(lb, l, v);
        Value greater =
            arith::CmpFOp::create(lb, l, arith::CmpFPredicate::OGT, a, acc);
        return arith::SelectOp::create(lb, l, greater, a, acc);
      });
  zeroSum = forChunks(
      b, loc, x, i, k, width, zeros,
      [&](OpBuilder &lb, Location l, Value, Value v, Value acc) -> Value {
        return arith::AddFOp::create(lb, l, acc,
                                     arith::MulFOp::create(lb, l, v, zeros));
      });
  Value amax = vector::ReductionOp::create(
      b, loc, vector::CombiningKind::MAXNUMF, amaxV);
  Value nanOrZero =
      vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, zeroSum);
  Value c127 = floatConstant(b, loc, b.getF32Type(), 127.0);
  Value zero = floatConstant(b, loc, b.getF32Type(), 0.0);
  Value scale = arith::AddFOp::create(
      b, loc, arith::DivFOp::create(b, loc, amax, c127), nanOrZero);
  Value positive =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, amax, zero);
  Value inv = arith::SelectOp::create(
      b, loc, positive, arith::DivFOp::create(b, loc, c127, amax), zero);
  return {scale, inv};
}

/// One vector of a row converted to packed lanes (i32 vector).
Value packVector(OpBuilder &b, Location loc, const Product &p, Value v,
                 Value inv) {
  auto vt = cast<VectorType>(v.getType());
  int64_t width = vt.getNumElements();
  auto lanes = [&](Value packed) -> Value {
    auto type = VectorType::get({width / p.group}, b.getI32Type());
    return vector::BitCastOp::create(b, loc, type, packed);
  };
  if (p.kind == ProductKind::BF16Dot)
    return lanes(arith::TruncFOp::create(
        b, loc, VectorType::get({width}, b.getBF16Type()), v));
  auto splat = [&](double c) { return floatConstant(b, loc, vt, c); };
  Value t = arith::MulFOp::create(b, loc, v,
                                  vector::BroadcastOp::create(b, loc, vt, inv));
  // maxnum/minnum map a NaN to a bound, so that fptosi stays defined.
  t = arith::MinNumFOp::create(
      b, loc, arith::MaxNumFOp::create(b, loc, t, splat(-127.0)), splat(127.0));
  Value q =
      arith::FPToSIOp::create(b, loc, VectorType::get({width}, b.getI32Type()),
                              math::RoundEvenOp::create(b, loc, t));
  switch (p.kind) {
  case ProductKind::Int8Vnni: {
    Value offset = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(cast<ShapedType>(q.getType()),
                               b.getI32IntegerAttr(128).getValue()));
    Value u = arith::AddIOp::create(b, loc, q, offset);
    return lanes(arith::TruncIOp::create(
        b, loc, VectorType::get({width}, b.getI8Type()), u));
  }
  case ProductKind::Int8Maddwd:
    return lanes(arith::TruncIOp::create(
        b, loc, VectorType::get({width}, b.getI16Type()), q));
  default:
    return q;
  }
}

} // namespace

PackedRows mlpc::packRows(OpBuilder &b, Location loc, Value x, const Product &p,
                          int64_t width) {
  auto xt = cast<RankedTensorType>(x.getType());
  int64_t k = xt.getDimSize(1);
  int64_t chunks = (k + width - 1) / width;
  auto cst = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  Value m = tensor::DimOp::create(b, loc, x, 0);
  Value lanes = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{ShapedType::kDynamic, chunks * width / p.group},
      b.getI32Type(), ValueRange{m});
  SmallVector<Value> inits{lanes};
  if (p.isInt8())
    inits.push_back(
        tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{ShapedType::kDynamic},
                                b.getF32Type(), ValueRange{m}));
  // The model's input comes from memory or L3 one row after the other;
  // each chunk of a row prefetches the same chunk (one cache line) of the
  // row kAhead rows further, so that the rows stream in while the
  // quantization's dependency chains run.
  constexpr int64_t kAhead = 2;
  Value rowsBuffer, lastRow;
  if (isa<BlockArgument>(x) && width * 4 == 64) {
    auto layout = StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic,
                                         {ShapedType::kDynamic, 1});
    rowsBuffer = bufferization::ToBufferOp::create(
        b, loc,
        MemRefType::get({ShapedType::kDynamic, k}, b.getF32Type(), layout), x,
        /*read_only=*/true);
    lastRow = arith::SubIOp::create(b, loc, m, cst(1));
  }
  auto rows = scf::ForOp::create(
      b, loc, cst(0), m, cst(1), inits,
      [&](OpBuilder &rb, Location l, Value i, ValueRange it) {
        Value scale, inv;
        if (p.isInt8())
          std::tie(scale, inv) = rowScale(rb, l, x, i, k, width);
        Value ahead =
            rowsBuffer
                ? arith::MinUIOp::create(
                      rb, l, arith::AddIOp::create(rb, l, i, cst(kAhead)),
                      lastRow)
                      .getResult()
                : Value();
        Value packedRow = forChunks(
            rb, l, x, i, k, width, it[0],
            [&](OpBuilder &cb, Location cl, Value k0, Value v, Value o) {
              if (ahead)
                memref::PrefetchOp::create(cb, cl, rowsBuffer,
                                           ValueRange{ahead, k0},
                                           /*isWrite=*/false,
                                           /*localityHint=*/3,
                                           /*isDataCache=*/true);
              Value packed = packVector(cb, cl, p, v, inv);
              Value lane0 = arith::DivUIOp::create(cb, cl, k0, cst(p.group));
              return vector::TransferWriteOp::create(cb, cl, packed, o,
                                                     ValueRange{i, lane0},
                                                     ArrayRef<bool>{true})
                  .getResult();
            });
        SmallVector<Value> next{packedRow};
        if (p.isInt8())
          next.push_back(
              tensor::InsertOp::create(rb, l, scale, it[1], ValueRange{i}));
        scf::YieldOp::create(rb, l, next);
      });
  PackedRows out;
  out.lanes = rows.getResult(0);
  if (p.isInt8())
    out.scales = rows.getResult(1);
  return out;
}

Value mlpc::productStep(OpBuilder &b, Location loc, const Product &p, Value acc,
                        Value xLane, Value w) {
  auto accType = cast<VectorType>(acc.getType());
  int64_t width = accType.getNumElements();
  auto bcast = [&](Type elem, int64_t count) -> Value {
    Value splat = vector::BroadcastOp::create(
        b, loc, VectorType::get({width}, xLane.getType()), xLane);
    if (count == width)
      return splat;
    return vector::BitCastOp::create(b, loc, VectorType::get({count}, elem),
                                     splat);
  };
  auto intrinsic = [&](StringRef name, Type result, ValueRange args) -> Value {
    return mlp::IntrinsicOp::create(b, loc, result, name, args);
  };
  std::string bits = std::to_string(width * 32);
  switch (p.kind) {
  case ProductKind::F32:
    return vector::FMAOp::create(b, loc, bcast(b.getF32Type(), width), w, acc);
  case ProductKind::BF16Widen:
    return vector::FMAOp::create(b, loc, bcast(b.getF32Type(), width),
                                 arith::ExtFOp::create(b, loc, accType, w),
                                 acc);
  case ProductKind::BF16Dot:
    return intrinsic("llvm.x86.avx512bf16.dpbf16ps." + bits, accType,
                     {acc, bcast(b.getBF16Type(), 2 * width), w});
  case ProductKind::Int8Vnni:
    return intrinsic("llvm.x86.avx512.vpdpbusd." + bits, accType,
                     {acc, bcast(b.getI8Type(), 4 * width), w});
  case ProductKind::Int8Maddwd: {
    auto i16 = VectorType::get({2 * width}, b.getI16Type());
    Value w16 = arith::ExtSIOp::create(b, loc, i16, w);
    StringRef name =
        width == 16 ? "llvm.x86.avx512.pmaddw.d.512" : "llvm.x86.avx2.pmadd.wd";
    Value pairs =
        intrinsic(name, accType, {bcast(b.getI16Type(), 2 * width), w16});
    return arith::AddIOp::create(b, loc, acc, pairs);
  }
  case ProductKind::Int8Generic: {
    Value w32 = arith::ExtSIOp::create(b, loc, accType, w);
    return arith::AddIOp::create(
        b, loc, acc,
        arith::MulIOp::create(b, loc, bcast(b.getI32Type(), width), w32));
  }
  }
  llvm_unreachable("unknown product");
}

Value mlpc::finishProduct(OpBuilder &b, Location loc, const Product &p,
                          Value acc, int64_t width, const Int8Columns &cols,
                          Value col, Value rowScale) {
  auto accType = cast<VectorType>(acc.getType());
  int64_t full = accType.getNumElements();
  Value f = acc;
  if (p.isInt8()) {
    auto read = [&](Value t, Type elem) -> Value {
      Value pad =
          elem.isF32()
              ? floatConstant(b, loc, elem, 0.0)
              : arith::ConstantIntOp::create(b, loc, elem, 0).getResult();
      return vector::TransferReadOp::create(
          b, loc, VectorType::get({full}, elem), t, ValueRange{col}, pad,
          ArrayRef<bool>{true});
    };
    if (cols.correction)
      f = arith::SubIOp::create(b, loc, f,
                                read(cols.correction, b.getI32Type()));
    auto ft = VectorType::get({full}, b.getF32Type());
    f = arith::SIToFPOp::create(b, loc, ft, f);
    Value s = arith::MulFOp::create(
        b, loc, vector::BroadcastOp::create(b, loc, ft, rowScale),
        read(cols.scales, b.getF32Type()));
    f = arith::MulFOp::create(b, loc, f, s);
  }
  if (width == full)
    return f;
  return vector::ExtractStridedSliceOp::create(b, loc, f, ArrayRef<int64_t>{0},
                                               ArrayRef<int64_t>{width},
                                               ArrayRef<int64_t>{1});
}
