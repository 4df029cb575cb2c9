//===- GpuKernels.h - gpu.func bodies for the NVPTX target ------*- C++ -*-===//
//
// Builders for the three kinds of kernel mlp-lower-to-gpu emits. Every kernel
// takes its buffers as memrefs (the only dynamic dimension is the leading
// one, the batch) followed by the batch as an `index`, and the host computes
// its grid from the launch shape documented next to each builder.
//
//===----------------------------------------------------------------------===//
#ifndef MLPC_GPUKERNELS_H
#define MLPC_GPUKERNELS_H

#include "mlp/MlpOps.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"

namespace mlir::mlpc::gpu_kernels {

/// Index constants made once each, at the start of `block`, where they
/// dominate every use in the block and in the regions nested in it; so the
/// kernels and the launch sequence read cleanly even before CSE.
class IndexConstants {
public:
  Value get(OpBuilder &b, Location loc, Block *block, int64_t value);

private:
  DenseMap<int64_t, Value> values;
};

/// Dense / matmul: each block computes a kTile x kTile tile of the output
/// with kThreads x kThreads threads (kTile / kThreads = 4 rows and 4 columns
/// of accumulators per thread), staging kDepth-deep slices of x and w in
/// shared memory. Grid: (ceil(M / kTile), ceil(N / kTile), 1).
constexpr int64_t kDenseTile = 64;
constexpr int64_t kDenseThreads = 16;
constexpr int64_t kDenseDepth = 16;

struct DenseSpec {
  MemRefType x, w, bias, y; ///< bias is null for a plain matmul
  bool transposeW = false;  ///< w is [N, K] (nn.Linear) instead of [K, N]
  mlp::ActivationSpec activation;
};
gpu::GPUFuncOp buildDenseKernel(OpBuilder &b, Location loc, StringRef name,
                                const DenseSpec &spec);

/// Softmax / log_softmax along `axis`: one warp per row of the reduced
/// shape, kSoftmaxRowsPerBlock warps per block; max and sum by warp
/// shuffles. Grid: (ceil(rows / kSoftmaxRowsPerBlock), 1, 1) where rows is
/// the element count divided by the axis length.
constexpr int64_t kSoftmaxRowsPerBlock = 4;
gpu::GPUFuncOp buildSoftmaxKernel(OpBuilder &b, Location loc, StringRef name,
                                  MemRefType type, int64_t axis, bool isLog);

/// layer_norm over the dimensions from `axis` on (static, `axis` >= 1):
/// one warp per row like softmax, mean and variance by warp shuffles.
/// `scale` and `bias` have the row's shape or one element. Arguments: x,
/// scale, bias, y, batch. Grid as softmax's.
gpu::GPUFuncOp buildLayerNormKernel(OpBuilder &b, Location loc, StringRef name,
                                    MemRefType x, MemRefType scale,
                                    MemRefType bias, int64_t axis,
                                    float epsilon);

/// One thread per output element, each read from its place in the inputs
/// (grid as the elementwise kernels'): a transpose (result dimension i is
/// operand dimension permutation[i]); a concatenation along `axis`; a mean
/// over the `reduced` dimensions (kept as 1s or dropped, as `output` says),
/// looping over them. Arguments: the inputs, the output, the batch.
gpu::GPUFuncOp buildTransposeKernel(OpBuilder &b, Location loc, StringRef name,
                                    MemRefType x, MemRefType output,
                                    ArrayRef<int64_t> permutation);
gpu::GPUFuncOp buildConcatKernel(OpBuilder &b, Location loc, StringRef name,
                                 ArrayRef<MemRefType> inputs, MemRefType output,
                                 int64_t axis);
gpu::GPUFuncOp buildReduceMeanKernel(OpBuilder &b, Location loc, StringRef name,
                                     MemRefType x, MemRefType output,
                                     ArrayRef<bool> reduced);

/// A loss (mlp.cross_entropy, nll_loss, bce_with_logits, mse_loss) of
/// `input` [B, C] against `target`: one thread per batch row, each looping
/// over the row's C values as the CPU's lowering does (the log-softmax
/// max-subtracted, zero-weight terms adding 0). Reduced over the batch
/// (`reduction` "mean" or "sum"), one thread loops over the rows. An
/// index outside [0, C) gives NaN (the host entry refuses it first).
/// Arguments: input, target, output, batch. Grid as the elementwise
/// kernels', over the output's elements.
struct LossSpec {
  enum Kind { CrossEntropy, Nll, Bce, Mse } kind;
  MemRefType input, target, output;
  llvm::StringRef reduction; ///< "none", "mean" or "sum"
};
gpu::GPUFuncOp buildLossKernel(OpBuilder &b, Location loc, StringRef name,
                               const LossSpec &spec);

/// A fused chain of elementwise ops: one thread per output element, inputs
/// broadcast numpy-style into the output's shape. `body` computes the
/// element from the inputs' scalars. Grid: (ceil(elements / kThreads), 1, 1).
/// With `flat`, every input is read at the output's flat index (a reshape:
/// the same elements in the same order, another shape).
constexpr int64_t kElementwiseThreads = 256;
using ScalarBody =
    llvm::function_ref<Value(OpBuilder &, Location, ArrayRef<Value>)>;
gpu::GPUFuncOp buildElementwiseKernel(OpBuilder &b, Location loc,
                                      StringRef name,
                                      ArrayRef<MemRefType> inputs,
                                      MemRefType output, ScalarBody body,
                                      bool flat = false);

} // namespace mlir::mlpc::gpu_kernels

#endif // MLPC_GPUKERNELS_H
