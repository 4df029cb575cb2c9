//===- Passes.td - mlpc passes -----------------------------*- tablegen -*-===//
#ifndef MLPC_PASSES_TD
#define MLPC_PASSES_TD

include "mlir/Pass/PassBase.td"

def VerifyModel : Pass<"mlp-verify-model", "::mlir::ModuleOp"> {
  let summary = "Check the model contract that the ops' verifiers cannot see";
  let description = [{
    Checks what a model needs beyond well-typed ops: at least one public
    `func.func` entry point; arguments and results that are ranked f32
    tensors of rank >= 1 whose only dynamic dimension is the leading one
    (the batch); only mlp ops, `arith.constant` weights and calls (other
    ops, such as `arith.mulf` or `tensor.extract_slice` on tensors, would
    fail deep in the pipeline, or give an object that does not link);
    `dense_resource` weights whose blob is present and has exactly the
    bytes their type needs; and no `func.call` left. mlpc
    inlines every call before this pass (a model may write a repeated block
    as a function), so a call that remains is one to a function without a
    body, or into a cycle of calls: each is reported at the call.
  }];
}

def MarkRowParallel : Pass<"mlp-mark-row-parallel", "::mlir::ModuleOp"> {
  let summary = "Mark entry points whose batch rows are independent";
  let description = [{
    Sets `mlpc.row_parallel_flops` (the work per batch row: the dense
    layers' FLOPs plus each activation's, add's and softmax's elements
    weighted by their measured cost in such FLOPs) on each public
    entry point in which every value is either batched (leading dimension
    the batch, rows computed independently) or constant, and no op mixes
    rows (no softmax over the batch axis, no product of two batched values).
    `mlp-emit-c-abi` lets such entries split large batches over the
    runtime's threads; the split never changes a row's result.
  }];
}

def FuseDense : Pass<"mlp-fuse-dense", "::mlir::func::FuncOp"> {
  let summary = "Fuse matmul + bias add (+ activation) into mlp.dense";
  let description = [{
    Rewrites `mlp.matmul` followed by an `mlp.add` of a [N] bias, and
    optionally an activation, into one `mlp.dense`. Fuses only where that is
    legal: each intermediate has exactly one user and the add broadcasts a
    rank-1 bias over the rows. Fan-out and residual adds are left alone.
  }];
  let dependentDialects = ["::mlir::mlp::MlpDialect"];
}

def StableSoftmax : Pass<"mlp-stable-softmax", "::mlir::func::FuncOp"> {
  let summary = "Decompose softmax / log_softmax into a stable form";
  let description = [{
    Rewrites `mlp.softmax` into exp(x - max) / sum(exp(x - max)) and
    `mlp.log_softmax` into x - max - log(sum(exp(x - max))), so that large,
    tiny and -inf logits give the results of an exact reference instead of
    inf or NaN.

    With `vector-width` > 0, a softmax along a last axis of static length
    becomes vector loops over each row: the maximum; exp(x - max), stored,
    and its sum; the scaling (log_softmax: (x - max) - log(sum)). Other
    axes, and every axis with `vector-width` = 0, become three
    linalg.generic ops on tensors (max, sum, normalize).
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", "0",
           "f32 lanes of one vector register for the row loops; 0 keeps "
           "the linalg form">
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def LowerDense : Pass<"mlp-lower-dense", "::mlir::func::FuncOp"> {
  let summary = "Lower mlp.dense to a register-tiled kernel with a fused epilogue";
  let description = [{
    Lowers each `mlp.dense` with static weights into loops over register
    tiles of `tile-rows` x `tile-cols` outputs: the K loop accumulates in
    vector registers with FMAs, then bias and activation are applied to the
    accumulators and the tile is stored once. Constant weights are packed at
    compile time into contiguous panels of `tile-cols` columns. Layers
    whose weights exceed 512 KiB but not 2 MiB, with panels short enough
    for several to fit in 256 KiB, run in column groups of that size, rows
    outer inside each group. Other layers over 512 KiB loop over the panels
    outside the rows, and while a panel has at most 16 row tiles each of
    them prefetches its share of the next panel (`memref.prefetch` on the
    packed weights), so that the next panel arrives in cache while this one
    is computed. Rows and columns that do not fill a tile are handled by
    narrower tiles, not by a scalar path. Layers of 2 MiB or more become
    an `scf.forall` over column chunks for the threads: one panel each, or
    one wide tile each for a batch smaller than a row tile; so do layers of
    256 KiB to 2 MiB for a batch smaller than a row tile. Each such loop
    states a chunk's work at the call's batch (`mlp.task_flops`), which the
    runtime weighs against what a split costs. A softmax or
    log_softmax over the last axis of a dense layer whose rows fit in one
    tile (N <= tile-cols) is computed in the same epilogue, stably, before
    the store. So is a residual connection: `mlp.add` of a dense layer
    without activation (and no other user) and a tensor of the layer's own
    shape, with the activation that follows the add, if any. The epilogue
    adds the bias, then the residual's element, then applies the
    activation, which is what the separate ops compute, bit for bit.
  }];
  let options = [
    Option<"tileRows", "tile-rows", "int64_t", "6",
           "Output rows per register tile">,
    Option<"tileCols", "tile-cols", "int64_t", "32",
           "Output columns per register tile (f32 lanes)">,
    Option<"vectorWidth", "vector-width", "int64_t", "16",
           "f32 lanes of one vector register; tiles are built of vectors "
           "no wider than this">
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::bufferization::BufferizationDialect"];
}

def LowerToLinalg : Pass<"mlp-lower-to-linalg", "::mlir::func::FuncOp"> {
  let summary = "Lower the remaining mlp ops to linalg on tensors";
  let description = [{
    Lowers `mlp.matmul`, `mlp.add`, the activations and any `mlp.dense` that
    `mlp-lower-dense` did not take to `linalg.generic` on tensors, with
    numpy broadcasting expressed in the indexing maps. Run
    `mlp-stable-softmax` first: softmax ops are not handled here.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def ApproximateMath : Pass<"mlp-approximate-math"> {
  let summary = "Replace exp, log, tanh and erf by vectorizable polynomials";
  let description = [{
    Rewrites f32 `math.exp`, `math.log`, `math.tanh` and `math.erf`, scalar
    or vector, with upstream's polynomial approximations (range reduction
    plus minimax polynomials, exact handling of overflow to +inf, underflow
    to 0 and NaN), so that activations and softmax vectorize instead of
    calling libm once per lane. The end-to-end tests bound their error
    against a float64 reference (see docs/accuracy.md). It runs on any op,
    so the same approximations serve the CPU functions and the GPU kernels
    (where they replace libdevice calls).

    With `expand-fma`, for targets without an FMA instruction (baseline
    x86-64), every `math.fma` (the approximations' and mlpc's own exps')
    becomes `arith.mulf` + `arith.addf`: LLVM would otherwise keep the
    fused semantics by calling libm's `fmaf` once per lane, some 30 calls
    per softmax vector.

    Example: `mlpc-opt -mlp-approximate-math=expand-fma=1` turns
    `%y = math.fma %a, %b, %c : vector<4xf32>` into
    `%p = arith.mulf %a, %b : vector<4xf32>` and
    `%y = arith.addf %p, %c : vector<4xf32>`.
  }];
  let options = [
    Option<"expandFma", "expand-fma", "bool", /*default=*/"false",
           "Rewrite math.fma as mulf + addf (targets without FMA)">
  ];
  let dependentDialects = ["::mlir::math::MathDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::vector::VectorDialect"];
}

def EntryPoints : Pass<"mlp-entry-points", "::mlir::ModuleOp"> {
  let summary = "Turn public tensor functions into destination-passing kernels";
  let description = [{
    Rewrites every public `func.func @NAME` over tensors into a private
    `@__mlpc_NAME` taking memrefs for its arguments and then its results, so
    that bufferization writes results straight into the caller's buffers.
    The original shapes are kept in the `mlpc.entry` attribute for
    `mlp-emit-c-abi` and the header.
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect",
                           "::mlir::memref::MemRefDialect"];
}

def UnshareEmptyTensors : Pass<"mlp-unshare-empty-tensors"> {
  let summary = "Give each use of a tensor.empty its own, before bufferization";
  let description = [{
    CSE merges the `tensor.empty` destinations of kernels whose outputs have
    the same shape, such as two branches computed from one input. One-Shot
    Bufferize should then give the second kernel a buffer of its own while
    the first one's result is still to be read, but in MLIR 22 it misses the
    conflict when that result reaches its reader through an
    `scf.index_switch` (as the dense kernel's leftover rows do): both
    kernels wrote one buffer, and the model computed wrong results. With a
    `tensor.empty` per use, each kernel's destination is a fresh value and
    nothing is left for the analysis to miss.

    Example:

    ```mlir
    %e = tensor.empty(%n) : tensor<?x4xf32>
    %a = scf.for ... iter_args(%t = %e) ...
    %b = scf.for ... iter_args(%t = %e) ...
    ```

    becomes

    ```mlir
    %e = tensor.empty(%n) : tensor<?x4xf32>
    %e1 = tensor.empty(%n) : tensor<?x4xf32>
    %a = scf.for ... iter_args(%t = %e) ...
    %b = scf.for ... iter_args(%t = %e1) ...
    ```
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def PlanScratch : Pass<"mlp-plan-scratch", "::mlir::ModuleOp"> {
  let summary = "Place a kernel's intermediate buffers in one scratch buffer";
  let description = [{
    Runs after bufferization on the kernels made by `mlp-entry-points`.
    Every `memref.alloc` becomes a `memref.view` into a scratch buffer
    passed as a new last argument, at 64-byte aligned offsets, and a private
    function `@__mlpc_NAME_scratch_bytes` (same arguments) returns the
    buffer's size. The C wrapper allocates it once per call, on the stack
    when it is small, and reports a failed allocation as a status code.
    Kernels with allocations inside loops are left to buffer deallocation.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
}

def OutlineParallel : Pass<"mlp-outline-parallel", "::mlir::ModuleOp"> {
  let summary = "Outline scf.forall loops into tasks for the runtime's threads";
  let description = [{
    Runs after bufferization. Each one-dimensional `scf.forall` (as
    `mlp-lower-dense` makes for the column chunks of a large layer) becomes
    a private function `@NAME_parK(%begin, %end, live-ins...)` running an
    `scf.for` over tasks [begin, end) with the loop's body, and the loop is
    replaced by a call to the declaration `@NAME_parK_launch(%n, %flops,
    live-ins...)`, where `%flops` is the work per iteration that the loop
    states with `mlp.task_flops` (0 when it states none). Constants are
    cloned rather than passed. After lowering to LLVM, `mlp-emit-c-abi`
    gives each launch a body that packs the live-ins into a context and
    calls the runtime's `mlpc_parallel_for`.

    Example: `scf.forall (%c) in (43) { mlp.task_flops %f ... }` becomes
    `func.call @__mlpc_wide_par0_launch(%c43, %f, %x, %out, ...)`.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::scf::SCFDialect"];
}

def EmitCAbi : Pass<"mlp-emit-c-abi", "::mlir::ModuleOp"> {
  let summary = "Emit the C entry points: int32_t NAME(in..., out..., batch)";
  let description = [{
    Runs after lowering to the LLVM dialect. For each kernel marked by
    `mlp-entry-points` it adds the public function
    `int32_t NAME(const float *in..., float *out..., int64_t batch)` that
    checks its pointers, its batch and that no output shares memory with
    another buffer, returns a status code from `mlpc/runtime.h` on bad
    arguments, and otherwise calls the kernel with
    memref descriptors built from the pointers.
    It also gives each `_launch` declaration left by `mlp-outline-parallel`
    its body: the live-ins packed into a context, a task function that
    unpacks them, and a call to `mlpc_parallel_for`.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def LowerToGpu : Pass<"mlp-lower-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Lower mlp entry points to GPU kernels and a launch sequence";
  let description = [{
    The NVPTX target's first lowering (after `mlp-fuse-dense`). Each public
    `func.func @NAME` over tensors becomes kernels in one
    `gpu.module @__mlpc_kernels` and a private host function `@__mlpc_NAME`
    over memrefs (inputs, then outputs, then the batch as `index`) that
    launches them in order with `gpu.launch_func`:

    * each `mlp.dense` or `mlp.matmul`: a tiled matmul staging x and w in
      shared memory, with bias and activation applied to the accumulators
      before the one store of each output;
    * each `mlp.softmax` / `mlp.log_softmax`: a stable kernel, one warp per
      row, max and sum by warp shuffles;
    * each maximal chain of elementwise ops (`mlp.add`, activations) whose
      intermediates have a single use: one kernel.

    Weights become `memref.global` constants, intermediates `memref.alloc`s
    of the host function; results are written in the caller's buffers.

    Example: `mlp.dense %x, %w, %b {activation = "relu"}` becomes a
    `gpu.func @NAME_dense0(%x, %w, %b, %y, %batch) kernel` whose epilogue is
    `arith.addf` (bias) and `arith.maximumf` (relu) before `memref.store`,
    and `gpu.launch_func @__mlpc_kernels::@NAME_dense0 blocks in
    (ceil(batch / 64), ceil(N / 64), 1) threads in (16, 16, 1)`.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def ExpandGpuMath : Pass<"mlp-expand-gpu-math"> {
  let summary = "Lower the math ops left in GPU kernels without libdevice";
  let description = [{
    After `mlp-approximate-math`, GPU kernels still hold the `math.fma`,
    `math.absf` and `math.floor` of the polynomials, which
    `convert-gpu-to-nvvm` would turn into libdevice calls (and so need the
    CUDA toolkit's libdevice.bc when compiling). This pass rewrites them:
    `math.fma` to `llvm.intr.fma` (one `fma.rn.f32`), `math.absf` to
    clearing the sign bit, and `math.floor` to a truncating conversion
    corrected by one where it rounded up (exact for |x| < 2^23; larger
    values, infinities and NaN are already integral and pass through).

    Example: `%y = math.absf %x : f32` becomes `arith.bitcast` to i32,
    `arith.andi` with 0x7fffffff and `arith.bitcast` back.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

def EmitGpuHost : Pass<"mlp-emit-gpu-host", "::mlir::ModuleOp"> {
  let summary = "Emit the C entry points of the NVPTX target";
  let description = [{
    Runs after `gpu-module-to-binary` has turned `@__mlpc_kernels` into a
    `gpu.binary` (PTX, and optionally a cubin). Embeds the binary, the
    kernel names and the weights in one `mlpc_gpu_program` (see
    `mlpc/runtime.h`) and lowers each host function made by
    `mlp-lower-to-gpu` to the LLVM dialect, calling the runtime:
    `mlpc_gpu_load` (once-only module load and weight upload),
    `mlpc_gpu_alloc` / `mlpc_gpu_free` (stream-ordered intermediates) and
    `mlpc_gpu_launch`, with a status check after each. Public functions:
    `int32_t NAME(in..., out..., int64_t batch)` on host buffers and
    `int32_t NAME_device(in..., out..., int64_t batch, void *stream)` on
    device buffers, both checking pointers and batch first.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // MLPC_PASSES_TD
