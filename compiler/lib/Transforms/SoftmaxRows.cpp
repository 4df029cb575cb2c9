//===- SoftmaxRows.cpp - vectorized (log-)softmax over rows ---------------===//
//
// A softmax whose rows are too wide for the dense kernel's epilogue (more
// than one register tile) as three linalg reductions lowered to scalar loops
// took longer than the dense layer that produced the row. Here each row is
// three vector loops:
//  1. M = max(x);
//  2. e = exp(x - M), stored in the result row, and S = sum(e), four
//     vectors at a time so that their exps interleave (see rowSoftmax);
//  3. the result row times 1 / S.
// For log_softmax, pass 2 only sums and pass 3 writes (x - M) - log(S).
// Every exponent is <= 0, so nothing overflows. A row whose length is not a
// multiple of the vector width ends in one narrower vector, reduced on its
// own and merged with the full vectors' lanes.
//
// Why not one online pass (a running maximum and sum per lane, a new
// maximum rescaling the sum), then one normalizing pass? It reads the row
// twice instead of three times, but needs an exp per element in each pass,
// and the exp is what costs: this form was faster at every row length
// measured, from rows of 1000 to one row that streams from memory.
//
//===----------------------------------------------------------------------===//
#include "SoftmaxRows.h"
#include "mlpc/Utils/Activation.h"
#include "mlpc/Utils/VectorReduce.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <limits>

using namespace mlir;

namespace {

/// Builds the vector loops over one row of `x` (at leading indices `ivs`):
/// from column `start`, `width`-lane vectors over `full` elements, then one
/// vector of the `tail` elements after them.
struct RowBuilder {
  OpBuilder &b;
  Location loc;
  Value x;
  ValueRange ivs;
  int64_t width, full, tail;
  int64_t start = 0;

  VectorType vec(int64_t n) const {
    return VectorType::get({n}, b.getF32Type());
  }
  Value index(OpBuilder &ob, int64_t v) const {
    return arith::ConstantIndexOp::create(ob, loc, v);
  }
  Value splat(OpBuilder &ob, int64_t n, double v) const {
    return mlpc::floatConstant(ob, loc, vec(n), v);
  }
  Value broadcast(OpBuilder &ob, int64_t n, Value scalar) const {
    return vector::BroadcastOp::create(ob, loc, vec(n), scalar);
  }
  SmallVector<Value> at(Value col) const {
    SmallVector<Value> idx(ivs.begin(), ivs.end());
    idx.push_back(col);
    return idx;
  }
  Value read(OpBuilder &ob, Value tensor, int64_t n, Value col) const {
    Value pad = mlpc::floatConstant(ob, loc, ob.getF32Type(), 0.0);
    return vector::TransferReadOp::create(ob, loc, vec(n), tensor, at(col), pad,
                                          ArrayRef<bool>{true});
  }
  Value write(OpBuilder &ob, Value v, Value tensor, Value col) const {
    return vector::TransferWriteOp::create(ob, loc, v, tensor, at(col),
                                           ArrayRef<bool>{true})
        .getResult();
  }

  /// One step over a vector of `n` lanes at `col`, given the carried values
  /// and returning their next values.
  using Step = function_ref<SmallVector<Value>(OpBuilder &, int64_t n,
                                               Value col, ValueRange carried)>;

  /// `step` over the full vectors, one per iteration of an scf.for carrying
  /// `init`; the carried values after the last.
  SmallVector<Value> overFull(ValueRange init, Step step) const {
    if (full == 0)
      return llvm::to_vector(init);
    auto loop = scf::ForOp::create(
        b, loc, index(b, start), index(b, start + full), index(b, width), init,
        [&](OpBuilder &lb, Location, Value col, ValueRange acc) {
          scf::YieldOp::create(lb, loc, step(lb, width, col, acc));
        });
    return SmallVector<Value>(loop.getResults());
  }
  /// `step` over the tail vector; `init` if there is no tail.
  SmallVector<Value> overTail(ValueRange init, Step step) const {
    if (tail == 0)
      return llvm::to_vector(init);
    return step(b, tail, index(b, start + full), init);
  }
};

/// M = max(x): the full vectors' lanes, then the tail.
Value rowMax(const RowBuilder &r) {
  double negInf = -std::numeric_limits<double>::infinity();
  Value lanes, tail;
  if (r.full)
    lanes = r.overFull(
        {r.splat(r.b, r.width, negInf)},
        [&](OpBuilder &ob, int64_t n, Value col, ValueRange acc) {
          return SmallVector<Value>{mlpc::combineLanes(
              ob, r.loc, /*isMax=*/true, r.read(ob, r.x, n, col), acc[0])};
        })[0];
  if (r.tail)
    tail = r.read(r.b, r.x, r.tail, r.index(r.b, r.start + r.full));
  return mlpc::reduceLanes(r.b, r.loc, /*isMax=*/true, {lanes, tail}, r.width);
}

/// exp(x - M) for the `n` lanes at `col`.
Value shiftedExp(const RowBuilder &r, OpBuilder &ob, int64_t n, Value col,
                 Value max) {
  Value shifted = arith::SubFOp::create(ob, r.loc, r.read(ob, r.x, n, col),
                                        r.broadcast(ob, n, max));
  return mlpc::buildExpNonPositive(ob, r.loc, shifted);
}

/// The three passes over one row; `row` is the result tensor.
Value rowSoftmax(const RowBuilder &r, Value row, bool isLog) {
  OpBuilder &b = r.b;
  Location loc = r.loc;
  Value max = rowMax(r);
  // S = sum(exp(x - M)); softmax keeps each exp in the result row. The
  // loop takes kExpsPerStep vectors as one vector of that many times the
  // lanes: LLVM splits each operation of that wide vector into one per
  // register, side by side, so the exps' long dependency chains (about 45
  // cycles each) interleave instruction by instruction and the out-of-order
  // core always has independent work. Written one vector after the other,
  // its window overlapped only about two of them. Each register of the wide
  // sum is its own accumulator.
  constexpr int64_t kExpsPerStep = 4;
  auto sumStep = [&](OpBuilder &ob, int64_t n, Value col, ValueRange acc) {
    Value e = shiftedExp(r, ob, n, col, max);
    SmallVector<Value> next{arith::AddFOp::create(ob, loc, acc[0], e)};
    next.push_back(isLog ? acc[1] : r.write(ob, e, acc[1], col));
    return next;
  };
  // The wide steps, then the full vectors left, then the tail; a sum each.
  RowBuilder wide = r;
  wide.width = r.width * kExpsPerStep;
  wide.full = r.full / wide.width * wide.width;
  wide.tail = 0;
  RowBuilder rest = r;
  rest.start = wide.full;
  rest.full = r.full - wide.full;
  SmallVector<Value> sums;
  Value exps = row;
  auto init = [&](int64_t lanes) {
    return SmallVector<Value>{r.splat(b, lanes, 0.0), exps};
  };
  auto addSum = [&](ArrayRef<Value> carried) {
    sums.push_back(carried[0]);
    exps = carried[1];
  };
  if (wide.full)
    addSum(wide.overFull(init(wide.width), sumStep));
  if (rest.full)
    addSum(rest.overFull(init(rest.width), sumStep));
  if (rest.tail)
    addSum(rest.overTail(init(rest.tail), sumStep));
  Value sum = mlpc::reduceLanes(b, loc, /*isMax=*/false, sums, r.width);

  // Normalize into the result row.
  Value factor =
      isLog ? math::LogOp::create(b, loc, sum).getResult()
            : arith::DivFOp::create(
                  b, loc, mlpc::floatConstant(b, loc, b.getF32Type(), 1.0), sum)
                  .getResult();
  auto normStep = [&](OpBuilder &ob, int64_t n, Value col, ValueRange acc) {
    Value y;
    if (isLog) {
      Value shifted = arith::SubFOp::create(ob, loc, r.read(ob, r.x, n, col),
                                            r.broadcast(ob, n, max));
      y = arith::SubFOp::create(ob, loc, shifted, r.broadcast(ob, n, factor));
    } else {
      y = arith::MulFOp::create(ob, loc, r.read(ob, acc[0], n, col),
                                r.broadcast(ob, n, factor));
    }
    return SmallVector<Value>{r.write(ob, y, acc[0], col)};
  };
  return r.overTail(r.overFull({exps}, normStep), normStep)[0];
}

} // namespace

bool mlpc::softmaxRowsApply(Value x, int64_t axis) {
  auto type = dyn_cast<RankedTensorType>(x.getType());
  if (!type || !type.getElementType().isF32() || type.getRank() == 0)
    return false;
  int64_t rank = type.getRank();
  if (axis < 0)
    axis += rank;
  return axis == rank - 1 && !type.isDynamicDim(rank - 1) &&
         type.getDimSize(rank - 1) > 0;
}

Value mlpc::buildSoftmaxRows(OpBuilder &b, Location loc, Value x, bool isLog,
                             int64_t vectorWidth) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  int64_t len = type.getDimSize(rank - 1);

  // One scf.for per leading dimension, the result tensor threaded through.
  SmallVector<Value> dynSizes, lbs, ubs, steps;
  for (int64_t d = 0; d < rank; ++d)
    if (type.isDynamicDim(d))
      dynSizes.push_back(tensor::DimOp::create(b, loc, x, d));
  for (int64_t d = 0; d + 1 < rank; ++d) {
    lbs.push_back(arith::ConstantIndexOp::create(b, loc, 0));
    ubs.push_back(
        type.isDynamicDim(d)
            ? tensor::DimOp::create(b, loc, x, d).getResult()
            : arith::ConstantIndexOp::create(b, loc, type.getDimSize(d))
                  .getResult());
    steps.push_back(arith::ConstantIndexOp::create(b, loc, 1));
  }
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), b.getF32Type(),
                                       dynSizes);
  auto body = [&](OpBuilder &nb, Location l, ValueRange ivs,
                  ValueRange args) -> scf::ValueVector {
    int64_t full = len / vectorWidth * vectorWidth;
    RowBuilder r{nb, l, x, ivs, vectorWidth, full, len - full};
    return {rowSoftmax(r, args[0], isLog)};
  };
  return scf::buildLoopNest(b, loc, lbs, ubs, steps, ValueRange{init}, body)
      .results.front();
}
