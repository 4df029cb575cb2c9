//===- MlpOps.td - mlp dialect operations ------------------*- tablegen -*-===//
//
// Every op verifies its operand and result shapes itself; the messages name
// the problem and what to change, because they are what a model author sees.
//
//===----------------------------------------------------------------------===//

#ifndef MLP_OPS_TD
#define MLP_OPS_TD

include "mlp/MlpDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/IR/CommonAttrConstraints.td"

// Any tensor: element type and rank are checked by the verifiers so that the
// diagnostics can say what is wrong and how to fix it.
def Mlp_Tensor : AnyTypeOf<[AnyTensor]>;

//===----------------------------------------------------------------------===//
// Contractions and broadcasts
//===----------------------------------------------------------------------===//

def Mlp_MatmulOp : Mlp_Op<"matmul", [Pure]> {
  let summary = "2-D matrix product a·b, optionally with b transposed";
  let description = [{
    Multiplies `a` [M,K] by `b` [K,N] giving [M,N]. With `transpose_b`, `b`
    is given as [N,K], the layout of a PyTorch `nn.Linear` weight.

    Example:

    ```mlir
    %h = mlp.matmul %x, %w {transpose_b = true}
        : tensor<?x784xf32>, tensor<128x784xf32> -> tensor<?x128xf32>
    ```
  }];
  let arguments = (ins Mlp_Tensor:$a, Mlp_Tensor:$b,
                   DefaultValuedAttr<BoolAttr, "false">:$transpose_b,
                   UnitAttr:$keep_f32);
  let results = (outs Mlp_Tensor:$result);
  let assemblyFormat = [{
    $a `,` $b attr-dict `:` type($a) `,` type($b) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Mlp_AddOp : Mlp_Op<"add", [Pure]> {
  let summary = "elementwise sum with numpy broadcasting";
  let description = [{
    Adds `a` and `b` after numpy-style broadcasting: trailing dimensions are
    aligned and a dimension of size 1 (or a missing leading one) stretches.
    The usual uses are a bias [N] over activations [M,N] and a residual
    connection of two equal shapes.

    Example:

    ```mlir
    %z = mlp.add %h, %b1 : tensor<?x128xf32>, tensor<128xf32> -> tensor<?x128xf32>
    ```
  }];
  let arguments = (ins Mlp_Tensor:$a, Mlp_Tensor:$b);
  let results = (outs Mlp_Tensor:$result);
  let assemblyFormat = [{
    $a `,` $b attr-dict `:` type($a) `,` type($b) `->` type($result)
  }];
  let hasVerifier = 1;
}

// The other elementwise binary ops: the broadcasting of mlp.add.
class Mlp_BinaryOp<string mnemonic, string formula>
    : Mlp_Op<mnemonic, [Pure]> {
  let arguments = (ins Mlp_Tensor:$a, Mlp_Tensor:$b);
  let results = (outs Mlp_Tensor:$result);
  let assemblyFormat = [{
    $a `,` $b attr-dict `:` type($a) `,` type($b) `->` type($result)
  }];
  let hasVerifier = 1;
  let summary = "elementwise " # mnemonic # " with numpy broadcasting: " # formula;
  let description = [{
    Computes the function of `a` and `b` elementwise after numpy-style
    broadcasting, as `mlp.add` does: trailing dimensions are aligned and a
    dimension of size 1 (or a missing leading one) stretches.

    Example:

    ```mlir
    %y = mlp.}] # mnemonic # [{ %x, %c : tensor<?x16xf32>, tensor<16xf32> -> tensor<?x16xf32>
    ```
  }];
}

def Mlp_SubOp : Mlp_BinaryOp<"sub", "a - b">;
def Mlp_MulOp : Mlp_BinaryOp<"mul", "a · b">;
def Mlp_DivOp : Mlp_BinaryOp<"div", "a / b">;
def Mlp_PowOp : Mlp_BinaryOp<"pow", "a ^ b (C's powf)">;
def Mlp_PReluOp : Mlp_BinaryOp<"prelu", "a if a >= 0 else b · a (b the slope)">;

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

class Mlp_UnaryOp<string mnemonic, string formula, list<Trait> traits = []>
    : Mlp_Op<mnemonic, !listconcat(traits, [Pure])> {
  let arguments = (ins Mlp_Tensor:$x);
  let results = (outs Mlp_Tensor:$result);
  let assemblyFormat = [{
    $x attr-dict `:` type($x) `->` type($result)
  }];
  let hasVerifier = 1;
  let summary = "elementwise " # mnemonic # ": " # formula;
  let description = [{
    Applies the function elementwise to a tensor of any rank; the result has
    the operand's type.

    Example:

    ```mlir
    %a = mlp.}] # mnemonic # [{ %z : tensor<?x128xf32> -> tensor<?x128xf32>
    ```
  }];
}

def Mlp_ReluOp : Mlp_UnaryOp<"relu", "max(x, 0)">;
def Mlp_SigmoidOp : Mlp_UnaryOp<"sigmoid", "1 / (1 + exp(-x))">;
def Mlp_TanhOp : Mlp_UnaryOp<"tanh", "tanh(x)">;

def Mlp_GeluOp : Mlp_UnaryOp<"gelu",
    "x·Φ(x), exact (erf) or with the tanh approximation"> {
  let arguments = (ins Mlp_Tensor:$x,
                   DefaultValuedAttr<StrAttr, "\"none\"">:$approximate);
  let description = [{
    Gaussian error linear unit, elementwise. `approximate = "none"` computes
    0.5·x·(1 + erf(x/√2)); `approximate = "tanh"` computes
    0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), as PyTorch does.

    Example:

    ```mlir
    %a = mlp.gelu %z {approximate = "tanh"} : tensor<?x64xf32> -> tensor<?x64xf32>
    ```
  }];
}

def Mlp_LeakyReluOp : Mlp_UnaryOp<"leaky_relu", "x if x > 0 else alpha·x"> {
  let arguments = (ins Mlp_Tensor:$x,
                   DefaultValuedAttr<F32Attr, "0.01f">:$alpha);
  let description = [{
    Leaky rectified linear unit, elementwise, with slope `alpha` (default
    0.01) for negative inputs.

    Example:

    ```mlir
    %a = mlp.leaky_relu %z {alpha = 0.2 : f32} : tensor<?x64xf32> -> tensor<?x64xf32>
    ```
  }];
}

def Mlp_EluOp : Mlp_UnaryOp<"elu", "x if x > 0 else alpha·(exp(x) - 1)"> {
  let arguments = (ins Mlp_Tensor:$x,
                   DefaultValuedAttr<F32Attr, "1.0f">:$alpha);
  let description = [{
    Exponential linear unit, elementwise, with scale `alpha` (default 1)
    for negative inputs.

    Example:

    ```mlir
    %a = mlp.elu %z {alpha = 1.0 : f32} : tensor<?x64xf32> -> tensor<?x64xf32>
    ```
  }];
}

def Mlp_SeluOp : Mlp_UnaryOp<"selu",
    "gamma·x if x > 0 else gamma·alpha·(exp(x) - 1)"> {
  let arguments = (ins Mlp_Tensor:$x,
                   DefaultValuedAttr<F32Attr, "1.67326319217681884765625f">:$alpha,
                   DefaultValuedAttr<F32Attr, "1.05070102214813232421875f">:$gamma);
  let description = [{
    Scaled exponential linear unit, elementwise; the defaults of `alpha` and
    `gamma` are ONNX's and PyTorch's.

    Example:

    ```mlir
    %a = mlp.selu %z : tensor<?x64xf32> -> tensor<?x64xf32>
    ```
  }];
}

def Mlp_SoftplusOp : Mlp_UnaryOp<"softplus", "log(1 + exp(x))">;
def Mlp_SiluOp : Mlp_UnaryOp<"silu", "x · sigmoid(x)">;
def Mlp_HardSwishOp : Mlp_UnaryOp<"hard_swish", "x · max(0, min(1, x/6 + 1/2))">;

def Mlp_HardSigmoidOp : Mlp_UnaryOp<"hard_sigmoid",
    "max(0, min(1, alpha·x + beta))"> {
  let arguments = (ins Mlp_Tensor:$x,
                   DefaultValuedAttr<F32Attr, "0.2f">:$alpha,
                   DefaultValuedAttr<F32Attr, "0.5f">:$beta);
  let description = [{
    Piecewise linear sigmoid, elementwise; the defaults are ONNX's (PyTorch's
    `nn.Hardsigmoid` is alpha = 1/6).

    Example:

    ```mlir
    %a = mlp.hard_sigmoid %z {alpha = 0.166666672 : f32} : tensor<?x64xf32> -> tensor<?x64xf32>
    ```
  }];
}

def Mlp_ClipOp : Mlp_UnaryOp<"clip", "min(max(x, min), max)"> {
  let arguments = (ins Mlp_Tensor:$x,
                   DefaultValuedAttr<F32Attr, "-3.40282347e+38f">:$min,
                   DefaultValuedAttr<F32Attr, "3.40282347e+38f">:$max);
  let description = [{
    Clamps each element into [`min`, `max`] (defaults: the f32 range);
    ReLU6 is `{min = 0.0, max = 6.0}`. NaN stays NaN.

    Example:

    ```mlir
    %a = mlp.clip %z {min = 0.0 : f32, max = 6.0 : f32} : tensor<?x64xf32> -> tensor<?x64xf32>
    ```
  }];
}

def Mlp_ErfOp : Mlp_UnaryOp<"erf", "the error function">;
def Mlp_ExpOp : Mlp_UnaryOp<"exp", "e^x">;
def Mlp_LogOp : Mlp_UnaryOp<"log", "the natural logarithm">;
def Mlp_NegOp : Mlp_UnaryOp<"neg", "-x">;
def Mlp_SqrtOp : Mlp_UnaryOp<"sqrt", "the square root">;

class Mlp_SoftmaxLikeOp<string mnemonic, string formula>
    : Mlp_Op<mnemonic, [Pure]> {
  let arguments = (ins Mlp_Tensor:$x,
                   DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Mlp_Tensor:$result);
  let assemblyFormat = [{
    $x attr-dict `:` type($x) `->` type($result)
  }];
  let hasVerifier = 1;
  let summary = mnemonic # " along one axis: " # formula;
  let description = [{
    Normalizes along `axis` (default -1, the last; negative values count from
    the end). The pass `mlp-stable-softmax` rewrites it into max-subtract,
    exp, sum and normalize so that it neither overflows nor underflows.

    Example:

    ```mlir
    %p = mlp.}] # mnemonic # [{ %logits {axis = 1} : tensor<?x10xf32> -> tensor<?x10xf32>
    ```
  }];
}

def Mlp_SoftmaxOp : Mlp_SoftmaxLikeOp<"softmax", "exp(x) / sum(exp(x))">;
def Mlp_LogSoftmaxOp : Mlp_SoftmaxLikeOp<"log_softmax",
    "x - log(sum(exp(x)))">;

//===----------------------------------------------------------------------===//
// Normalization and reduction
//===----------------------------------------------------------------------===//

def Mlp_LayerNormOp : Mlp_Op<"layer_norm", [Pure]> {
  let summary = "layer normalization over the trailing dimensions";
  let description = [{
    Normalizes `x` over its dimensions `axis`..rank-1 (default -1: the last
    one) to zero mean and unit variance, with `epsilon` added to the
    variance, then multiplies by `scale` and adds `bias`. `scale` and `bias`
    broadcast against those trailing dimensions (usually their exact
    shape, as in PyTorch's `nn.LayerNorm`).

    Example:

    ```mlir
    %y = mlp.layer_norm %x, %gamma, %beta {epsilon = 1.0e-05 : f32}
        : tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32> -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins Mlp_Tensor:$x, Mlp_Tensor:$scale, Mlp_Tensor:$bias,
                   DefaultValuedAttr<I64Attr, "-1">:$axis,
                   DefaultValuedAttr<F32Attr, "1.0e-5f">:$epsilon);
  let results = (outs Mlp_Tensor:$result);
  let assemblyFormat = [{
    $x `,` $scale `,` $bias attr-dict `:` type($x) `,` type($scale) `,`
    type($bias) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Mlp_BatchNormOp : Mlp_Op<"batch_norm", [Pure]> {
  let summary = "batch normalization with stored statistics (inference)";
  let description = [{
    Computes `(x - mean) / sqrt(var + epsilon) * scale + bias` per channel,
    the channel being dimension 1 of `x` (rank 2 or more); `scale`, `bias`,
    `mean` and `var` have one value per channel. This is the inference form
    of ONNX's BatchNormalization and PyTorch's `nn.BatchNorm1d`.

    Example:

    ```mlir
    %y = mlp.batch_norm %x, %s, %b, %m, %v {epsilon = 1.0e-05 : f32}
        : tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>,
          tensor<64xf32> -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins Mlp_Tensor:$x, Mlp_Tensor:$scale, Mlp_Tensor:$bias,
                   Mlp_Tensor:$mean, Mlp_Tensor:$var,
                   DefaultValuedAttr<F32Attr, "1.0e-5f">:$epsilon);
  let results = (outs Mlp_Tensor:$result);
  let assemblyFormat = [{
    $x `,` $scale `,` $bias `,` $mean `,` $var attr-dict `:` type($x) `,`
    type($scale) `,` type($bias) `,` type($mean) `,` type($var) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

def Mlp_ReduceMeanOp : Mlp_Op<"reduce_mean", [Pure]> {
  let summary = "mean over some dimensions";
  let description = [{
    Averages `x` over the dimensions in `axes` (negative values count from
    the end; empty means all of them). With `keep_dims` (the default) the
    reduced dimensions stay as size 1, else they are dropped.

    Example:

    ```mlir
    %m = mlp.reduce_mean %x {axes = array<i64: 1>}
        : tensor<?x64xf32> -> tensor<?x1xf32>
    ```
  }];
  let arguments = (ins Mlp_Tensor:$x, DenseI64ArrayAttr:$axes,
                   DefaultValuedAttr<BoolAttr, "true">:$keep_dims);
  let results = (outs Mlp_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

// A loss of `input` [B, C] against `target`: one value per batch row, or
// their mean or sum over the batch as a tensor<1xf32>.
class Mlp_LossOp<string mnemonic, string formula, string targets,
                 string example>
    : Mlp_Op<mnemonic, [Pure]> {
  let summary = "loss per batch row: " # formula;
  let description = [{
    The loss of each batch row of `input` [B, C]: }] # formula # [{.
    }] # targets # [{

    `reduction` is "none" (a tensor<Bxf32>, one loss per row), "mean" or
    "sum" (a tensor<1xf32>: the mean or sum of the rows' losses).

    Example:

    ```mlir
    }] # example # [{
    ```
  }];
  let arguments = (ins Mlp_Tensor:$input, Mlp_Tensor:$target,
                   DefaultValuedAttr<StrAttr, "\"none\"">:$reduction);
  let results = (outs Mlp_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $target attr-dict `:` type($input) `,` type($target) `->`
    type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Whether the targets are class indices (an i32 [B] tensor).
    bool hasClassTargets() {
      return ::llvm::cast<::mlir::ShapedType>(getTarget().getType())
          .getElementType().isInteger(32);
    }
  }];
}

def Mlp_CrossEntropyOp : Mlp_LossOp<"cross_entropy",
    "-sum_c p[c] * log_softmax(input)[c], computed as logsumexp(input) - input[t] for a class t",
    [{`input` holds logits. `target` is an i32 [B] tensor of class indices
    in [0, C) (p one-hot; an entry point reports an index outside as
    MLPC_ERR_BAD_INDEX), or an f32 [B, C] tensor of class probabilities.
    The log-softmax is taken stably (max-subtracted). A class or
    term whose target weight is 0 adds 0, even against a logit of -inf;
    logits of ±1e4 neither overflow nor lose precision.}],
    [{%l = mlp.cross_entropy %logits, %labels {reduction = "mean"}
        : tensor<?x10xf32>, tensor<?xi32> -> tensor<1xf32>}]>;

def Mlp_NllLossOp : Mlp_LossOp<"nll_loss",
    "-sum_c p[c] * input[c], i.e. -input[t] for a class t",
    [{`input` holds log-probabilities (a log_softmax's result). `target` is
    an i32 [B] tensor of class indices in [0, C), or an f32 [B, C] tensor
    of class probabilities. A class whose probability is 0 adds 0, even
    where `input` is -inf.}],
    [{%l = mlp.nll_loss %logp, %labels
        : tensor<?x10xf32>, tensor<?xi32> -> tensor<?xf32>}]>;

def Mlp_BceWithLogitsOp : Mlp_LossOp<"bce_with_logits",
    "the mean over c of y * softplus(-x) + (1 - y) * softplus(x)",
    [{`input` x holds logits and `target` y, of the same shape, the
    probabilities of the positive class. This is binary cross-entropy of
    sigmoid(x) without forming it: max(x, 0) - x * y + log(1 + exp(-|x|)). A class or
    term whose target weight is 0 adds 0, even against a logit of -inf;
    logits of ±1e4 neither overflow nor lose precision.}],
    [{%l = mlp.bce_with_logits %logits, %y {reduction = "mean"}
        : tensor<?x1xf32>, tensor<?x1xf32> -> tensor<1xf32>}]>;

def Mlp_MseLossOp : Mlp_LossOp<"mse_loss",
    "the mean over c of (input[c] - target[c])^2",
    [{`target` has the shape of `input`.}],
    [{%l = mlp.mse_loss %pred, %y : tensor<?x3xf32>, tensor<?x3xf32> -> tensor<?xf32>}]>;

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def Mlp_ReshapeOp : Mlp_Op<"reshape", [Pure]> {
  let summary = "the same elements, in row-major order, in another shape";
  let description = [{
    Gives `x`'s elements, read in row-major order, the result type's shape.
    Both have the same number of elements. A dynamic (batch) dimension may
    be folded into another one: operand and result then have exactly one
    dynamic dimension each, and the result's is the operand's element count
    divided by the result's static sizes, computed at run time (the model
    must make it a whole number, as a model that folds a batch into rows
    and back does).

    Example:

    ```mlir
    %f = mlp.reshape %img : tensor<?x1x28x28xf32> -> tensor<?x784xf32>
    %g = mlp.reshape %h : tensor<?x12xf32> -> tensor<?x4xf32>   // [N,12] -> [3N,4]
    ```
  }];
  let arguments = (ins Mlp_Tensor:$x);
  let results = (outs Mlp_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
  let hasVerifier = 1;
}

def Mlp_TransposeOp : Mlp_Op<"transpose", [Pure]> {
  let summary = "permutes the dimensions";
  let description = [{
    Result dimension i is operand dimension `permutation[i]`.

    Example:

    ```mlir
    %t = mlp.transpose %x {permutation = array<i64: 1, 0>}
        : tensor<3x4xf32> -> tensor<4x3xf32>
    ```
  }];
  let arguments = (ins Mlp_Tensor:$x, DenseI64ArrayAttr:$permutation);
  let results = (outs Mlp_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
  let hasVerifier = 1;
}

def Mlp_ConcatOp : Mlp_Op<"concat", [Pure]> {
  let summary = "joins tensors along one dimension";
  let description = [{
    Places the operands one after the other along `axis` (negative values
    count from the end); all other dimensions agree.

    Example:

    ```mlir
    %c = mlp.concat %a, %b {axis = 1}
        : tensor<?x16xf32>, tensor<?x8xf32> -> tensor<?x24xf32>
    ```
  }];
  let arguments = (ins Variadic<Mlp_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Mlp_Tensor:$result);
  let assemblyFormat = [{
    $inputs attr-dict `:` type($inputs) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Fused dense layer
//===----------------------------------------------------------------------===//

def Mlp_DenseOp : Mlp_Op<"dense", [Pure]> {
  let summary = "fused dense layer: act(x·w + b)";
  let description = [{
    A fully connected layer: `x` [M,K] times `w` ([K,N], or [N,K] with
    `transpose_w`), plus the bias `b` [N] on every row, then the activation.
    `activation` is "none" or the name of an elementwise op that takes no
    tensor but `x`: "relu", "sigmoid", "tanh", "gelu", "gelu_tanh" (gelu with
    approximate = "tanh"), "leaky_relu" (slope `alpha`), "elu" (`alpha`),
    "selu" (`alpha`, gamma as `beta`), "softplus", "silu", "hard_swish",
    "hard_sigmoid" (`alpha`, `beta`), "clip" (min as `alpha`, max as `beta`),
    "erf", "exp", "log", "neg" and "sqrt".
    `mlp-fuse-dense` forms it from matmul, add and activation; the lowering
    applies bias and activation to each register tile of the product before
    it is stored.

    The weights may be narrower than f32 (`mlpc --precision` converts them;
    a model may also carry them):
    - bf16: each product is x * extf(w) in f32, as in an f32 layer whose
      weights were rounded to bf16.
    - i8, with `w_scale` [N], one f32 scale per output: w[k, n] stands for
      w[k, n] * w_scale[n]. Each row of `x` is quantized when the layer
      runs: s = max|x[m, :]| / 127, q = clamp(roundeven(x * (127 / max)),
      -127, 127); the products are summed exactly in i32 and the sum is
      scaled, sitofp(sum) * (s * w_scale[n]), before bias and activation
      (which stay f32). A row of zeros has s = 0; a row that holds a NaN
      or an infinity gives NaN outputs.
    `keep_f32` tells `mlp-narrow-weights` to leave the layer in f32; it
    needs f32 weights.

    Example:

    ```mlir
    %y = mlp.dense %x, %w, %b {activation = "relu", transpose_w = true}
        : tensor<?x784xf32>, tensor<128x784xf32>, tensor<128xf32> -> tensor<?x128xf32>
    %q = mlp.dense %x, %wq, %b w_scale(%s : tensor<128xf32>) {transpose_w = true}
        : tensor<?x784xf32>, tensor<128x784xi8>, tensor<128xf32> -> tensor<?x128xf32>
    ```
  }];
  let arguments = (ins Mlp_Tensor:$x, Mlp_Tensor:$w, Mlp_Tensor:$b,
                   Optional<Mlp_Tensor>:$w_scale,
                   DefaultValuedAttr<StrAttr, "\"none\"">:$activation,
                   DefaultValuedAttr<F32Attr, "0.01f">:$alpha,
                   DefaultValuedAttr<F32Attr, "0.0f">:$beta,
                   DefaultValuedAttr<BoolAttr, "false">:$transpose_w,
                   UnitAttr:$keep_f32);
  let results = (outs Mlp_Tensor:$result);
  let assemblyFormat = [{
    $x `,` $w `,` $b (`w_scale` `(` $w_scale^ `:` type($w_scale) `)`)? attr-dict
    `:` type($x) `,` type($w) `,` type($b) `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The element type of the weights (f32, bf16 or i8).
    ::mlir::Type getWeightType() {
      return ::llvm::cast<::mlir::RankedTensorType>(getW().getType())
          .getElementType();
    }
    /// The checks of narrow weights, their scale and keep_f32.
    ::llvm::LogicalResult verifyWeightPrecision(::llvm::ArrayRef<int64_t> shape);
  }];
}

//===----------------------------------------------------------------------===//
// Target instructions inside the CPU kernels
//===----------------------------------------------------------------------===//

def Mlp_IntrinsicOp : Mlp_Op<"intrinsic", [Pure]> {
  let summary = "an LLVM target intrinsic on vectors, free of side effects";
  let description = [{
    Calls the LLVM intrinsic `name` (such as `llvm.x86.avx512.vpdpbusd.512`)
    on vector operands. The dense kernel's narrow products use it, before
    bufferization, where `llvm.call_intrinsic` would count as an op with
    unknown memory effects; `mlp-lower-intrinsics` turns it into that call
    once the kernel is in loops. Only for intrinsics that read no memory.
    Not part of the model language: it appears only inside the compiler's
    pipeline.

    Example:

    ```mlir
    %acc2 = mlp.intrinsic "llvm.x86.avx512.vpdpbusd.512"(%acc, %x, %w)
        : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
    ```
  }];
  let arguments = (ins StrAttr:$name, Variadic<AnyVectorOfAnyRank>:$args);
  let results = (outs AnyVectorOfAnyRank:$result);
  let assemblyFormat = [{
    $name `(` $args `)` attr-dict `:` functional-type($args, $result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Work estimates for the runtime's thread pool
//===----------------------------------------------------------------------===//

// A write effect keeps it alive (it has no result) and tells the buffer
// passes what it does: nothing to any buffer they track.
def Mlp_TaskFlopsOp : Mlp_Op<"task_flops", [MemoryEffects<[MemWrite]>]> {
  let summary = "the work of one iteration of the enclosing scf.forall";
  let description = [{
    States how many floating-point operations one iteration of the
    enclosing `scf.forall` performs, at this call's batch. `mlp-lower-dense`
    puts one at the start of each parallel loop over a layer's column
    chunks; `mlp-outline-parallel` removes it and hands the value to the
    runtime, which splits the loop over threads only when the work pays for
    handing it to another thread. The value is computed before the loop,
    since the runtime needs it before any iteration runs. Not part of the
    model language: it appears only inside the compiler's pipeline.

    Example:

    ```mlir
    %flops = arith.muli %rows, %c100352 : index
    scf.forall (%c) in (2) {
      mlp.task_flops %flops
      ...
    }
    ```
  }];
  let arguments = (ins Index:$flops);
  let assemblyFormat = "$flops attr-dict";
  let hasVerifier = 1;
}

#endif // MLP_OPS_TD
