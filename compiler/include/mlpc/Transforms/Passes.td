//===- Transforms/Passes.td - target-independent passes ----*- tablegen -*-===//
#ifndef MLPC_TRANSFORMS_PASSES_TD
#define MLPC_TRANSFORMS_PASSES_TD

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

def RaiseOps : Pass<"mlp-raise-ops", "::mlir::func::FuncOp"> {
  let summary = "Recognize ops that exporters spell out in primitives";
  let description = [{
    Rewrites the forms that ONNX exporters (torch.onnx.export before opset
    17 or 20) write for ops the mlp dialect has, so that they fuse and run
    as one op:

    - `x · sigmoid(x)` -> `mlp.silu x`, and `x · hard_sigmoid(x)` with
      PyTorch's alpha = 1/6, beta = 1/2 -> `mlp.hard_swish x`;
    - GELU's erf form, `x · (erf(x / √2) + 1) · 0.5` in either association
      -> `mlp.gelu x`;
    - LayerNorm decomposed: `d = x - mean(x)`, `d / sqrt(mean(d ^ 2) + eps)`
      (means over trailing axes, kept dimensions), optionally `· gamma +
      beta` with constant gamma and beta -> `mlp.layer_norm`.

    Each rewrite applies only where the intermediate values have no other
    users and the constants are the pattern's (√2 to f32 precision, 1, 0.5,
    2).

    Example: `%s = mlp.sigmoid %x` and `%y = mlp.mul %x, %s` become
    `%y = mlp.silu %x`.
  }];
  let dependentDialects = ["::mlir::mlp::MlpDialect",
                           "::mlir::arith::ArithDialect"];
}

def FoldAffine : Pass<"mlp-fold-affine", "::mlir::func::FuncOp"> {
  let summary = "Fold constant scales and shifts into the neighbouring matmul";
  let description = [{
    Folds constant affine maps into the weights at compile time, so that a
    model with a scaler, a batch normalization or Gemm's alpha and beta runs
    as the bare dense layers:

    - elementwise `add`, `sub`, `mul` and `div` of constants become one
      constant (Gemm's `beta · C`);
    - `batch_norm` of a matrix with constant statistics becomes `x · a + c`;
    - a constant per-column scale or shift after `matmul(x, w)` (Gemm's
      alpha, a BatchNormalization after a layer) goes into `w` and the bias;
    - a constant per-feature affine map before `matmul(x, w)` (a
      StandardScaler's `(x - mean) / std`, a BatchNormalization before a
      layer) goes into `w` plus a bias row.

    It rewrites a value only where the matmul (or the next map) is its only
    user, and it changes rounding (the products are formed in the weights
    once): results stay within the accuracy bounds of docs/accuracy.md.
  }];
  let dependentDialects = ["::mlir::mlp::MlpDialect",
                           "::mlir::arith::ArithDialect"];
}

def TraceEntries : Pass<"mlp-trace-entries", "::mlir::ModuleOp"> {
  let summary = "Add NAME_trace beside each entry NAME, returning every layer's z and a";
  let description = [{
    For each public entry point @NAME, adds @NAME_trace: NAME's results,
    computed by NAME's own ops (so they fuse and round exactly as in NAME),
    then the result of every mlp op in order, computed by a copy of the
    model in which each dense layer with an activation is split into the
    layer without it (its pre-activation z) and the activation as an op
    (its output a). The copy is what makes each a exactly act(z) and each z
    the layer applied to the previous a; the price is that NAME_trace does
    about twice NAME's work. NAME itself is left as it is.

    Each result gets `mlpc.trace_name` ("out0", ...: NAME's results; then
    "z1", "a1", ...: layer l's pre-activation and output, as in the seed
    texts' caches; an op that is not a dense layer gives "a<l>" only) and
    `mlpc.trace_layer` (the op, its activation and its source name, for
    the header); NAME_trace gets `mlpc.trace_of` = "NAME".
  }];
  let dependentDialects = ["::mlir::mlp::MlpDialect"];
}

def NarrowWeights : Pass<"mlp-narrow-weights", "::mlir::ModuleOp"> {
  let summary = "Convert dense layers' f32 weights to bf16, or to i8 with per-output scales";
  let description = [{
    What `mlpc --precision=bf16|int8` does to a model. Each `mlp.dense` and
    `mlp.matmul` with constant f32 weights and without `keep_f32` gets
    narrowed weights: bf16 rounded to nearest even, or i8 quantized
    symmetrically per output column with `w_scale` (a matmul becomes a
    dense layer with a zero bias). Inputs, outputs, biases and every other
    op stay f32. `keep-f32` names the layers that stay f32 in each entry:
    `first`, `last`, a 0-based index in the order of the function, or a
    layer's name (the name of its location, such as an ONNX node's); those
    get `keep_f32`. Weights that are not constants stay f32.

    Example (precision=int8): `mlp.dense %x, %w, %b` with `%w` a
    tensor<784x128xf32> constant becomes `mlp.dense %x, %wq, %b
    w_scale(%s : tensor<128xf32>)` with `%wq` a tensor<784x128xi8>.
  }];
  let options = [
    Option<"precision", "precision", "std::string", /*default=*/"\"bf16\"",
           "bf16 or int8">,
    ListOption<"keepF32", "keep-f32", "std::string",
               "layers that stay f32: first, last, an index or a name">,
  ];
  let dependentDialects = ["::mlir::mlp::MlpDialect",
                           "::mlir::arith::ArithDialect"];
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

    `mlp.cross_entropy` becomes `mlp.nll_loss` of the log_softmax of its
    logits, which is then decomposed as above.
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

#endif // MLPC_TRANSFORMS_PASSES_TD
