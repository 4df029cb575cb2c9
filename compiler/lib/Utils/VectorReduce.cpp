//===- VectorReduce.cpp - short reductions of f32 vectors -----------------===//
#include "mlpc/Utils/VectorReduce.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <numeric>

using namespace mlir;

Value mlpc::combineLanes(OpBuilder &b, Location loc, bool isMax, Value x,
                         Value y) {
  if (!isMax)
    return arith::AddFOp::create(b, loc, x, y);
  Value gt = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, y);
  return arith::SelectOp::create(b, loc, gt, x, y);
}

static int64_t lanesOf(Value v) {
  return cast<VectorType>(v.getType()).getNumElements();
}

/// Halves `v` while it has more than `lanes` lanes and an even number.
static Value halve(OpBuilder &b, Location loc, bool isMax, Value v,
                   int64_t lanes) {
  for (int64_t n = lanesOf(v); n > lanes && n % 2 == 0; n /= 2) {
    auto half = [&](int64_t from) {
      SmallVector<int64_t> indices(n / 2);
      std::iota(indices.begin(), indices.end(), from);
      return vector::ShuffleOp::create(b, loc, v, v, indices).getResult();
    };
    v = mlpc::combineLanes(b, loc, isMax, half(0), half(n / 2));
  }
  return v;
}

Value mlpc::reduceLanes(OpBuilder &b, Location loc, bool isMax,
                        ArrayRef<Value> parts, int64_t width) {
  Value lanes;
  SmallVector<Value> vectors;
  for (Value p : parts) {
    if (!p)
      continue;
    if (lanesOf(p) < width) {
      vectors.push_back(p);
      continue;
    }
    p = halve(b, loc, isMax, p, width);
    lanes = lanes ? combineLanes(b, loc, isMax, lanes, p) : p;
  }
  if (lanes)
    vectors.insert(vectors.begin(), lanes);
  Value all;
  for (Value v : vectors) {
    v = halve(b, loc, isMax, v, 1);
    Value r =
        lanesOf(v) == 1
            ? vector::ExtractOp::create(b, loc, v, 0).getResult()
            : vector::ReductionOp::create(b, loc,
                                          isMax ? vector::CombiningKind::MAXNUMF
                                                : vector::CombiningKind::ADD,
                                          v)
                  .getResult();
    all = all ? combineLanes(b, loc, isMax, all, r) : r;
  }
  return all;
}
