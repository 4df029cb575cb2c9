//===- GpuKernels.cpp - gpu.func bodies for the NVPTX target --------------===//
//
// Kernels are written in the gpu, scf, memref and arith dialects so that
// upstream's convert-gpu-to-nvvm does the NVVM-specific work. Out-of-range
// loads are clamped to a valid address and their value replaced by zero
// (a select, not a branch), so the loops have no divergent control flow and
// any batch, K or N needs no remainder kernel.
//
//===----------------------------------------------------------------------===//
#include "GpuKernels.h"
#include "mlpc/Utils/Activation.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <limits>

using namespace mlir;
using namespace mlir::mlpc::gpu_kernels;

Value mlpc::gpu_kernels::IndexConstants::get(OpBuilder &b, Location loc,
                                             Block *block, int64_t value) {
  Value &cst = values[value];
  if (!cst) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(block);
    cst = arith::ConstantIndexOp::create(b, loc, value);
  }
  return cst;
}

namespace {
/// Index arithmetic and kernel scaffolding shared by the three builders.
struct KernelBuilder {
  OpBuilder &b;
  Location loc;
  gpu::GPUFuncOp func;
  Value batch;

  KernelBuilder(OpBuilder &b, Location loc, StringRef name,
                ArrayRef<Type> buffers, ArrayRef<int32_t> block,
                TypeRange workgroup = {})
      : b(b), loc(loc) {
    SmallVector<Type> args(buffers);
    args.push_back(b.getIndexType());
    func = gpu::GPUFuncOp::create(
        b, loc, name, b.getFunctionType(args, TypeRange{}), workgroup);
    func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
    func.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr(block));
    b.setInsertionPointToStart(&func.getBody().front());
    batch = func.getArgument(buffers.size());
  }
  ~KernelBuilder() {
    gpu::ReturnOp::create(b, loc);
    b.setInsertionPointAfter(func);
  }

  Value arg(unsigned i) { return func.getArgument(i); }
  IndexConstants constants;
  Value c(int64_t v) {
    return constants.get(b, loc, &func.getBody().front(), v);
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value div(Value x, int64_t y) {
    return arith::DivUIOp::create(b, loc, x, c(y));
  }
  Value rem(Value x, int64_t y) {
    return arith::RemUIOp::create(b, loc, x, c(y));
  }
  Value lt(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, y);
  }
  Value both(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  /// min(x, bound - 1): a valid index for an out-of-range lane to load.
  Value clamp(Value x, Value bound) {
    return arith::MinUIOp::create(b, loc, x,
                                  arith::SubIOp::create(b, loc, bound, c(1)));
  }
  Value threadId(gpu::Dimension d) {
    return gpu::ThreadIdOp::create(b, loc, d);
  }
  Value blockId(gpu::Dimension d) { return gpu::BlockIdOp::create(b, loc, d); }
  Value f32(double v) { return mlpc::floatConstant(b, loc, b.getF32Type(), v); }

  /// Size `d` of `type`: its static size, or the batch.
  Value dim(MemRefType type, int64_t d) {
    int64_t s = type.getDimSize(d);
    return ShapedType::isDynamic(s) ? batch : c(s);
  }
  Value numElements(MemRefType type) {
    Value n = c(1);
    for (int64_t d = 0; d < type.getRank(); ++d)
      n = mul(n, dim(type, d));
    return n;
  }
  /// `buffer` as a 1-D memref, for flat indexing (a rank-0 one stays as it
  /// is: it is loaded without indices).
  Value flat(Value buffer) {
    auto type = cast<MemRefType>(buffer.getType());
    if (type.getRank() <= 1)
      return buffer;
    ReassociationIndices all;
    for (int64_t d = 0; d < type.getRank(); ++d)
      all.push_back(d);
    return memref::CollapseShapeOp::create(b, loc, buffer,
                                           ArrayRef<ReassociationIndices>{all});
  }
  Value load(Value memref, ValueRange idx) {
    return memref::LoadOp::create(b, loc, memref, idx);
  }
  /// Runs `then` only where `cond` holds.
  void ifThen(Value cond, llvm::function_ref<void()> then) {
    auto ifOp = scf::IfOp::create(b, loc, cond, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    then();
  }
};
} // namespace

gpu::GPUFuncOp mlpc::gpu_kernels::buildDenseKernel(OpBuilder &b, Location loc,
                                                   StringRef name,
                                                   const DenseSpec &spec) {
  constexpr int64_t T = kDenseTile, P = kDenseThreads, D = kDenseDepth;
  constexpr int64_t R = T / P; // accumulators per thread along each axis
  MLIRContext *ctx = b.getContext();
  auto shared = MemRefType::get(
      {D, T}, b.getF32Type(), MemRefLayoutAttrInterface{},
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup));
  SmallVector<Type> buffers{spec.x, spec.w};
  if (spec.bias)
    buffers.push_back(spec.bias);
  buffers.push_back(spec.y);
  KernelBuilder k(b, loc, name, buffers, {int32_t(P), int32_t(P), 1},
                  {shared, shared});
  Value x = k.arg(0), w = k.arg(1);
  Value bias = spec.bias ? k.arg(2) : Value();
  Value y = k.arg(spec.bias ? 3 : 2);
  Value xs = k.func.getWorkgroupAttributions()[0];
  Value ws = k.func.getWorkgroupAttributions()[1];

  Value M = k.dim(spec.y, 0);
  int64_t kSize = spec.x.getDimSize(1);
  int64_t nSize = spec.y.getDimSize(1);
  Value K = k.c(kSize), N = k.c(nSize);
  Value tx = k.threadId(gpu::Dimension::x), ty = k.threadId(gpu::Dimension::y);
  Value rowBase = k.mul(k.blockId(gpu::Dimension::x), k.c(T));
  Value colBase = k.mul(k.blockId(gpu::Dimension::y), k.c(T));
  Value tid = k.add(k.mul(ty, k.c(P)), tx);
  Value zero = k.f32(0.0);

  SmallVector<Value> init(R * R, zero);
  auto kLoop = scf::ForOp::create(
      b, loc, k.c(0), K, k.c(D), init,
      [&](OpBuilder &, Location, Value k0, ValueRange acc) {
        // Stage x[rowBase:+T, k0:+D] and w[k0:+D, colBase:+T] as [D][T]
        // tiles; each of the P*P threads moves T*D / (P*P) elements of each.
        // Consecutive threads read consecutive addresses of x's rows and
        // of w's rows (or, transposed, of w's columns' K run).
        for (int64_t e = 0; e < T * D / (P * P); ++e) {
          Value idx = k.add(tid, k.c(e * P * P));
          Value m = k.div(idx, D), kk = k.rem(idx, D);
          Value row = k.add(rowBase, m), kx = k.add(k0, kk);
          Value v = k.load(x, {k.clamp(row, M), k.clamp(kx, K)});
          v = arith::SelectOp::create(b, loc, k.both(k.lt(row, M), k.lt(kx, K)),
                                      v, zero);
          memref::StoreOp::create(b, loc, v, xs, ValueRange{kk, m});

          Value wk, wn;
          if (spec.transposeW) {
            wk = k.rem(idx, D);
            wn = k.div(idx, D);
          } else {
            wk = k.div(idx, T);
            wn = k.rem(idx, T);
          }
          Value kw = k.add(k0, wk), col = k.add(colBase, wn);
          Value ck = k.clamp(kw, K), cn = k.clamp(col, N);
          Value u = spec.transposeW ? k.load(w, {cn, ck}) : k.load(w, {ck, cn});
          u = arith::SelectOp::create(b, loc, k.both(k.lt(kw, K), k.lt(col, N)),
                                      u, zero);
          memref::StoreOp::create(b, loc, u, ws, ValueRange{wk, wn});
        }
        gpu::BarrierOp::create(b, loc);
        // Rank-1 updates from the staged tiles. Thread (tx, ty) owns rows
        // ty + P*i and columns tx + P*j: a warp reads one broadcast x value
        // and P consecutive w values per step, without bank conflicts.
        auto inner = scf::ForOp::create(
            b, loc, k.c(0), k.c(D), k.c(1), acc,
            [&](OpBuilder &, Location, Value kk, ValueRange a) {
              SmallVector<Value> xv, wv, next;
              for (int64_t i = 0; i < R; ++i)
                xv.push_back(k.load(xs, {kk, k.add(ty, k.c(P * i))}));
              for (int64_t j = 0; j < R; ++j)
                wv.push_back(k.load(ws, {kk, k.add(tx, k.c(P * j))}));
              for (int64_t i = 0; i < R; ++i)
                for (int64_t j = 0; j < R; ++j)
                  next.push_back(
                      math::FmaOp::create(b, loc, xv[i], wv[j], a[i * R + j]));
              scf::YieldOp::create(b, loc, next);
            });
        gpu::BarrierOp::create(b, loc);
        scf::YieldOp::create(b, loc, inner.getResults());
      });

  // Epilogue on the accumulators: bias, activation, one store per element.
  for (int64_t i = 0; i < R; ++i) {
    Value row = k.add(rowBase, k.add(ty, k.c(P * i)));
    for (int64_t j = 0; j < R; ++j) {
      Value col = k.add(colBase, k.add(tx, k.c(P * j)));
      Value acc = kLoop.getResult(i * R + j);
      k.ifThen(k.both(k.lt(row, M), k.lt(col, N)), [&] {
        Value v = acc;
        if (bias)
          v = arith::AddFOp::create(b, loc, v, k.load(bias, {col}));
        v = buildActivation(b, loc, spec.activation, v);
        memref::StoreOp::create(b, loc, v, y, ValueRange{row, col});
      });
    }
  }
  return k.func;
}

namespace {
constexpr int32_t kWarp = 32;

/// One warp's reduction over a row of `length` elements: lane l folds
/// elements l, l + 32, ... with `step` (reading element a with `load`),
/// then a butterfly of shuffles combines the lanes, so every lane ends
/// with the row's result.
Value warpReduce(KernelBuilder &k, Value lane, Value length, Value init,
                 llvm::function_ref<Value(Value a)> load,
                 llvm::function_ref<Value(Value acc, Value x)> step,
                 llvm::function_ref<Value(Value, Value)> combine) {
  OpBuilder &b = k.b;
  Location loc = k.loc;
  auto loop =
      scf::ForOp::create(b, loc, lane, length, k.c(kWarp), ValueRange{init},
                         [&](OpBuilder &, Location, Value a, ValueRange acc) {
                           scf::YieldOp::create(b, loc, step(acc[0], load(a)));
                         });
  Value r = loop.getResult(0);
  for (int32_t off = kWarp / 2; off > 0; off /= 2) {
    Value other =
        gpu::ShuffleOp::create(b, loc, r, off, kWarp, gpu::ShuffleMode::XOR)
            .getShuffleResult();
    r = combine(r, other);
  }
  return r;
}
} // namespace

gpu::GPUFuncOp mlpc::gpu_kernels::buildSoftmaxKernel(OpBuilder &b, Location loc,
                                                     StringRef name,
                                                     MemRefType type,
                                                     int64_t axis, bool isLog) {
  KernelBuilder k(b, loc, name, {type, type},
                  {kWarp, int32_t(kSoftmaxRowsPerBlock), 1});
  // The shape as [outer, axis, inner]: element (o, a, i) is at
  // (o * A + a) * I + i, and each (o, i) is one row of the reduction.
  Value A = k.dim(type, axis), I = k.c(1), rows = k.c(1);
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (d > axis)
      I = k.mul(I, k.dim(type, d));
    if (d != axis)
      rows = k.mul(rows, k.dim(type, d));
  }
  Value x = k.flat(k.arg(0)), y = k.flat(k.arg(1));
  Value lane = k.threadId(gpu::Dimension::x);
  Value row =
      k.add(k.mul(k.blockId(gpu::Dimension::x), k.c(kSoftmaxRowsPerBlock)),
            k.threadId(gpu::Dimension::y));
  // A warp's lanes share `row`, so the whole warp takes this branch or not
  // and the shuffles below always run with all 32 lanes.
  k.ifThen(k.lt(row, rows), [&] {
    Value o = arith::DivUIOp::create(b, loc, row, I);
    Value i = arith::RemUIOp::create(b, loc, row, I);
    Value base = k.add(k.mul(k.mul(o, A), I), i);
    auto at = [&](Value a) { return k.add(base, k.mul(a, I)); };
    auto reduce = [&](Value init,
                      llvm::function_ref<Value(Value acc, Value x)> step,
                      llvm::function_ref<Value(Value, Value)> combine) {
      return warpReduce(
          k, lane, A, init, [&](Value a) { return k.load(x, {at(a)}); }, step,
          combine);
    };
    auto maxf = [&](Value p, Value q) -> Value {
      return arith::MaximumFOp::create(b, loc, p, q);
    };
    auto addf = [&](Value p, Value q) -> Value {
      return arith::AddFOp::create(b, loc, p, q);
    };
    Value m =
        reduce(k.f32(-std::numeric_limits<double>::infinity()), maxf, maxf);
    Value s = reduce(
        k.f32(0.0),
        [&](Value acc, Value v) {
          // x - max <= 0: the exp the CPU's softmax uses too.
          Value e = mlpc::buildExpNonPositive(
              b, loc, arith::SubFOp::create(b, loc, v, m));
          return addf(acc, e);
        },
        addf);
    Value logS = isLog ? Value(math::LogOp::create(b, loc, s)) : Value();
    scf::ForOp::create(
        b, loc, lane, A, k.c(kWarp), ValueRange{},
        [&](OpBuilder &, Location, Value a, ValueRange) {
          Value idx = at(a);
          Value shifted = arith::SubFOp::create(b, loc, k.load(x, {idx}), m);
          Value r =
              isLog
                  ? Value(arith::SubFOp::create(b, loc, shifted, logS))
                  : Value(arith::DivFOp::create(
                        b, loc, mlpc::buildExpNonPositive(b, loc, shifted), s));
          memref::StoreOp::create(b, loc, r, y, ValueRange{idx});
          scf::YieldOp::create(b, loc);
        });
  });
  return k.func;
}

gpu::GPUFuncOp mlpc::gpu_kernels::buildLayerNormKernel(
    OpBuilder &b, Location loc, StringRef name, MemRefType x, MemRefType scale,
    MemRefType bias, int64_t axis, float epsilon) {
  KernelBuilder k(b, loc, name, {x, scale, bias, x},
                  {kWarp, int32_t(kSoftmaxRowsPerBlock), 1});
  // Rows of A elements: the dimensions from `axis` on, all static.
  int64_t length = 1;
  for (int64_t d = axis; d < x.getRank(); ++d)
    length *= x.getDimSize(d);
  Value A = k.c(length), rows = k.c(1);
  for (int64_t d = 0; d < axis; ++d)
    rows = k.mul(rows, k.dim(x, d));
  Value in = k.flat(k.arg(0)), s = k.flat(k.arg(1)), c = k.flat(k.arg(2));
  Value out = k.flat(k.arg(3));
  Value lane = k.threadId(gpu::Dimension::x);
  Value row =
      k.add(k.mul(k.blockId(gpu::Dimension::x), k.c(kSoftmaxRowsPerBlock)),
            k.threadId(gpu::Dimension::y));
  auto addf = [&](Value p, Value q) -> Value {
    return arith::AddFOp::create(b, loc, p, q);
  };
  // A parameter has the row's shape (read at a) or is one value.
  auto param = [&](Value buf, MemRefType t, Value a) {
    if (t.getRank() == 0)
      return k.load(buf, {});
    return k.load(buf, {t.getNumElements() == 1 ? k.c(0) : a});
  };
  k.ifThen(k.lt(row, rows), [&] {
    Value base = k.mul(row, A);
    auto at = [&](Value a) { return k.add(base, a); };
    auto load = [&](Value a) { return k.load(in, {at(a)}); };
    Value n = k.f32(double(length));
    Value mean = arith::DivFOp::create(
        b, loc, warpReduce(k, lane, A, k.f32(0.0), load, addf, addf), n);
    Value sq = warpReduce(
        k, lane, A, k.f32(0.0), load,
        [&](Value acc, Value v) {
          Value d = arith::SubFOp::create(b, loc, v, mean);
          return addf(acc, arith::MulFOp::create(b, loc, d, d));
        },
        addf);
    Value var = arith::DivFOp::create(b, loc, sq, n);
    Value inv = mlpc::buildInverseStd(b, loc, var, epsilon);
    scf::ForOp::create(
        b, loc, lane, A, k.c(kWarp), ValueRange{},
        [&](OpBuilder &, Location, Value a, ValueRange) {
          Value d = arith::SubFOp::create(b, loc, load(a), mean);
          Value y = mlpc::buildLayerNormOutput(
              b, loc, d, inv, param(s, scale, a), param(c, bias, a));
          memref::StoreOp::create(b, loc, y, out, ValueRange{at(a)});
          scf::YieldOp::create(b, loc);
        });
  });
  return k.func;
}

namespace {
/// `idx`, a flat row-major index into `type`, as a multi-index (any
/// dimension may be the batch).
SmallVector<Value> unflatten(KernelBuilder &k, MemRefType type, Value idx) {
  int64_t rank = type.getRank();
  SmallVector<Value> pos(rank);
  for (int64_t d = rank - 1; d > 0; --d) {
    Value size = k.dim(type, d);
    pos[d] = arith::RemUIOp::create(k.b, k.loc, idx, size);
    idx = arith::DivUIOp::create(k.b, k.loc, idx, size);
  }
  if (rank > 0)
    pos[0] = idx;
  return pos;
}

/// The flat row-major offset of multi-index `pos` in `type`.
Value flatten(KernelBuilder &k, MemRefType type, ArrayRef<Value> pos) {
  Value offset = k.c(0);
  for (int64_t d = 0; d < type.getRank(); ++d)
    offset = k.add(k.mul(offset, k.dim(type, d)), pos[d]);
  return offset;
}

/// One thread per output element: `element` gives its value from its
/// multi-index and the inputs as flat buffers. Grid as the elementwise
/// kernels'.
gpu::GPUFuncOp
buildGatherKernel(OpBuilder &b, Location loc, StringRef name,
                  ArrayRef<MemRefType> inputs, MemRefType output,
                  llvm::function_ref<Value(KernelBuilder &, ArrayRef<Value> pos,
                                           ArrayRef<Value> flatInputs)>
                      element) {
  SmallVector<Type> buffers(inputs.begin(), inputs.end());
  buffers.push_back(output);
  KernelBuilder k(b, loc, name, buffers,
                  {int32_t(mlpc::gpu_kernels::kElementwiseThreads), 1, 1});
  Value idx = k.add(k.mul(k.blockId(gpu::Dimension::x),
                          k.c(mlpc::gpu_kernels::kElementwiseThreads)),
                    k.threadId(gpu::Dimension::x));
  Value out = k.flat(k.arg(inputs.size()));
  SmallVector<Value> flatInputs;
  for (unsigned i = 0; i < inputs.size(); ++i)
    flatInputs.push_back(k.flat(k.arg(i)));
  k.ifThen(k.lt(idx, k.numElements(output)), [&] {
    Value v = element(k, unflatten(k, output, idx), flatInputs);
    memref::StoreOp::create(b, loc, v, out, ValueRange{idx});
  });
  return k.func;
}
} // namespace

gpu::GPUFuncOp mlpc::gpu_kernels::buildTransposeKernel(
    OpBuilder &b, Location loc, StringRef name, MemRefType x, MemRefType output,
    ArrayRef<int64_t> permutation) {
  return buildGatherKernel(
      b, loc, name, {x}, output,
      [&](KernelBuilder &k, ArrayRef<Value> pos, ArrayRef<Value> in) {
        // Result dimension i is operand dimension permutation[i].
        SmallVector<Value> at(pos.size());
        for (auto [i, p] : llvm::enumerate(permutation))
          at[p] = pos[i];
        return k.load(in[0], {flatten(k, x, at)});
      });
}

gpu::GPUFuncOp mlpc::gpu_kernels::buildConcatKernel(OpBuilder &b, Location loc,
                                                    StringRef name,
                                                    ArrayRef<MemRefType> inputs,
                                                    MemRefType output,
                                                    int64_t axis) {
  return buildGatherKernel(
      b, loc, name, inputs, output,
      [&](KernelBuilder &k, ArrayRef<Value> pos, ArrayRef<Value> in) {
        // Every operand read at a clamped index, the one that holds the
        // element selected: no divergent branches.
        Value chosen;
        int64_t offset = 0;
        for (auto [type, buffer] : llvm::zip(inputs, in)) {
          int64_t size = type.getDimSize(axis);
          SmallVector<Value> at(pos);
          Value local =
              arith::SubIOp::create(k.b, k.loc, pos[axis], k.c(offset));
          local = arith::MaxSIOp::create(k.b, k.loc, local, k.c(0));
          at[axis] = arith::MinSIOp::create(k.b, k.loc, local, k.c(size - 1));
          Value v = k.load(buffer, {flatten(k, type, at)});
          if (chosen) {
            Value here = arith::CmpIOp::create(
                k.b, k.loc, arith::CmpIPredicate::sge, pos[axis], k.c(offset));
            v = arith::SelectOp::create(k.b, k.loc, here, v, chosen);
          }
          chosen = v;
          offset += size;
        }
        return chosen;
      });
}

gpu::GPUFuncOp mlpc::gpu_kernels::buildReduceMeanKernel(
    OpBuilder &b, Location loc, StringRef name, MemRefType x, MemRefType output,
    ArrayRef<bool> reduced) {
  return buildGatherKernel(
      b, loc, name, {x}, output,
      [&](KernelBuilder &k, ArrayRef<Value> pos, ArrayRef<Value> in) {
        // The output's index gives the kept dimensions (a kept reduced one
        // is 1 there); a loop walks the reduced ones, row-major.
        SmallVector<int64_t> kept, gone;
        for (int64_t d = 0; d < x.getRank(); ++d)
          (reduced[d] ? gone : kept).push_back(d);
        bool keepDims = output.getRank() == x.getRank();
        Value count = k.c(1);
        for (int64_t d : gone)
          count = k.mul(count, k.dim(x, d));
        auto loop = scf::ForOp::create(
            k.b, k.loc, k.c(0), count, k.c(1), ValueRange{k.f32(0.0)},
            [&](OpBuilder &, Location, Value r, ValueRange acc) {
              SmallVector<Value> at(x.getRank());
              for (auto [i, d] : llvm::enumerate(kept))
                at[d] = pos[keepDims ? d : i];
              for (int64_t j = gone.size() - 1; j >= 0; --j) {
                Value size = k.dim(x, gone[j]);
                at[gone[j]] =
                    j ? Value(arith::RemUIOp::create(k.b, k.loc, r, size)) : r;
                if (j)
                  r = arith::DivUIOp::create(k.b, k.loc, r, size);
              }
              Value v = k.load(in[0], {flatten(k, x, at)});
              scf::YieldOp::create(
                  k.b, k.loc,
                  ValueRange{arith::AddFOp::create(k.b, k.loc, acc[0], v)});
            });
        Value n = arith::UIToFPOp::create(
            k.b, k.loc, k.b.getF32Type(),
            arith::IndexCastUIOp::create(k.b, k.loc, k.b.getI64Type(), count));
        return Value(arith::DivFOp::create(k.b, k.loc, loop.getResult(0), n));
      });
}

namespace {
/// Σ_c term(c) over row `row` of a [B, C] buffer, in order.
Value sumOverRow(KernelBuilder &k, int64_t classes,
                 llvm::function_ref<Value(Value c)> term) {
  auto loop = scf::ForOp::create(
      k.b, k.loc, k.c(0), k.c(classes), k.c(1), ValueRange{k.f32(0.0)},
      [&](OpBuilder &, Location, Value c, ValueRange acc) {
        scf::YieldOp::create(
            k.b, k.loc,
            ValueRange{arith::AddFOp::create(k.b, k.loc, acc[0], term(c))});
      });
  return loop.getResult(0);
}

/// The loss of batch row `row`.
Value rowLoss(KernelBuilder &k, const mlpc::gpu_kernels::LossSpec &spec,
              Value row, Value x, Value t) {
  using Kind = mlpc::gpu_kernels::LossSpec::Kind;
  OpBuilder &b = k.b;
  Location loc = k.loc;
  int64_t classes = spec.input.getDimSize(1);
  Value base = k.mul(row, k.c(classes));
  auto xAt = [&](Value c) { return k.load(x, {k.add(base, c)}); };
  bool indices = spec.target.getElementType().isInteger(32);
  // log_softmax(x)[c] = (x[c] - m) - log(s), as the CPU's stable form.
  Value m, logS;
  if (spec.kind == Kind::CrossEntropy) {
    auto maxLoop = scf::ForOp::create(
        b, loc, k.c(0), k.c(classes), k.c(1),
        ValueRange{k.f32(-std::numeric_limits<double>::infinity())},
        [&](OpBuilder &, Location, Value c, ValueRange acc) {
          scf::YieldOp::create(
              b, loc,
              ValueRange{arith::MaximumFOp::create(b, loc, acc[0], xAt(c))});
        });
    m = maxLoop.getResult(0);
    logS = math::LogOp::create(b, loc, sumOverRow(k, classes, [&](Value c) {
                                 return mlpc::buildExpNonPositive(
                                     b, loc,
                                     arith::SubFOp::create(b, loc, xAt(c), m));
                               }));
  }
  auto logp = [&](Value c) -> Value {
    if (spec.kind != Kind::CrossEntropy)
      return xAt(c);
    return arith::SubFOp::create(
        b, loc, arith::SubFOp::create(b, loc, xAt(c), m), logS);
  };
  double perClass = 1.0 / double(classes);
  switch (spec.kind) {
  case Kind::CrossEntropy:
  case Kind::Nll: {
    if (!indices)
      return sumOverRow(k, classes, [&](Value c) {
        return mlpc::buildWeightedTerm(b, loc, k.load(t, {k.add(base, c)}),
                                       arith::NegFOp::create(b, loc, logp(c)));
      });
    Value cls =
        arith::IndexCastOp::create(b, loc, b.getIndexType(), k.load(t, {row}));
    Value inRange = k.lt(cls, k.c(classes)); // unsigned: negatives too
    Value v = logp(arith::SelectOp::create(b, loc, inRange, cls, k.c(0)));
    return arith::SelectOp::create(
        b, loc, inRange, arith::NegFOp::create(b, loc, v), k.f32(std::nan("")));
  }
  case Kind::Bce: {
    Value sum = sumOverRow(k, classes, [&](Value c) {
      return mlpc::buildBceTerm(b, loc, xAt(c), k.load(t, {k.add(base, c)}));
    });
    return arith::MulFOp::create(b, loc, sum, k.f32(perClass));
  }
  case Kind::Mse: {
    Value sum = sumOverRow(k, classes, [&](Value c) {
      Value d =
          arith::SubFOp::create(b, loc, xAt(c), k.load(t, {k.add(base, c)}));
      return arith::MulFOp::create(b, loc, d, d);
    });
    return arith::MulFOp::create(b, loc, sum, k.f32(perClass));
  }
  }
  llvm_unreachable("a loss kind");
}
} // namespace

gpu::GPUFuncOp mlpc::gpu_kernels::buildLossKernel(OpBuilder &b, Location loc,
                                                  StringRef name,
                                                  const LossSpec &spec) {
  return buildGatherKernel(
      b, loc, name, {spec.input, spec.target}, spec.output,
      [&](KernelBuilder &k, ArrayRef<Value> pos, ArrayRef<Value> in) {
        if (spec.reduction == "none")
          return rowLoss(k, spec, pos[0], in[0], in[1]);
        Value rows = k.dim(spec.input, 0);
        auto loop = scf::ForOp::create(
            k.b, k.loc, k.c(0), rows, k.c(1), ValueRange{k.f32(0.0)},
            [&](OpBuilder &, Location, Value r, ValueRange acc) {
              scf::YieldOp::create(
                  k.b, k.loc,
                  ValueRange{arith::AddFOp::create(
                      k.b, k.loc, acc[0], rowLoss(k, spec, r, in[0], in[1]))});
            });
        Value sum = loop.getResult(0);
        if (spec.reduction == "sum")
          return sum;
        Value n = arith::UIToFPOp::create(
            k.b, k.loc, k.b.getF32Type(),
            arith::IndexCastUIOp::create(k.b, k.loc, k.b.getI64Type(), rows));
        return Value(arith::DivFOp::create(k.b, k.loc, sum, n));
      });
}

gpu::GPUFuncOp mlpc::gpu_kernels::buildElementwiseKernel(
    OpBuilder &b, Location loc, StringRef name, ArrayRef<MemRefType> inputs,
    MemRefType output, ScalarBody body, bool flat) {
  SmallVector<Type> buffers(inputs.begin(), inputs.end());
  buffers.push_back(output);
  KernelBuilder k(b, loc, name, buffers, {int32_t(kElementwiseThreads), 1, 1});
  Value idx =
      k.add(k.mul(k.blockId(gpu::Dimension::x), k.c(kElementwiseThreads)),
            k.threadId(gpu::Dimension::x));
  Value out = k.flat(k.arg(inputs.size()));
  SmallVector<Value> flatInputs;
  for (unsigned i = 0; i < inputs.size(); ++i)
    flatInputs.push_back(k.flat(k.arg(i)));
  k.ifThen(k.lt(idx, k.numElements(output)), [&] {
    // The output's multi-index, innermost first; the leading dimension
    // (maybe the batch) takes what is left.
    int64_t rank = output.getRank();
    SmallVector<Value> pos(rank);
    Value rest = idx;
    for (int64_t d = rank - 1; d > 0; --d) {
      pos[d] = k.rem(rest, output.getDimSize(d));
      rest = k.div(rest, output.getDimSize(d));
    }
    pos[0] = rest;
    SmallVector<Value> scalars;
    for (auto [type, buffer] : llvm::zip(inputs, flatInputs)) {
      if (type.getRank() == 0) {
        scalars.push_back(k.load(buffer, {}));
        continue;
      }
      if (flat || type.getShape() == output.getShape()) {
        scalars.push_back(k.load(buffer, {idx}));
        continue;
      }
      // numpy broadcasting: trailing dimensions align; size-1 ones stretch.
      int64_t lead = rank - type.getRank();
      Value offset = k.c(0);
      for (int64_t d = 0; d < type.getRank(); ++d) {
        offset = k.mul(offset, k.dim(type, d));
        if (type.getDimSize(d) != 1)
          offset = k.add(offset, pos[d + lead]);
      }
      scalars.push_back(k.load(buffer, {offset}));
    }
    Value v = body(b, loc, scalars);
    memref::StoreOp::create(b, loc, v, out, ValueRange{idx});
  });
  return k.func;
}
