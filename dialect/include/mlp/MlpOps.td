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
                   DefaultValuedAttr<BoolAttr, "false">:$transpose_b);
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
// Fused dense layer
//===----------------------------------------------------------------------===//

def Mlp_DenseOp : Mlp_Op<"dense", [Pure]> {
  let summary = "fused dense layer: act(x·w + b)";
  let description = [{
    A fully connected layer: `x` [M,K] times `w` ([K,N], or [N,K] with
    `transpose_w`), plus the bias `b` [N] on every row, then the activation.
    `activation` is one of "none", "relu", "sigmoid", "tanh", "gelu",
    "gelu_tanh" and "leaky_relu" (whose slope is `alpha`, default 0.01).
    `mlp-fuse-dense` forms it from matmul, add and activation; the lowering
    applies bias and activation to each register tile of the product before
    it is stored.

    Example:

    ```mlir
    %y = mlp.dense %x, %w, %b {activation = "relu", transpose_w = true}
        : tensor<?x784xf32>, tensor<128x784xf32>, tensor<128xf32> -> tensor<?x128xf32>
    ```
  }];
  let arguments = (ins Mlp_Tensor:$x, Mlp_Tensor:$w, Mlp_Tensor:$b,
                   DefaultValuedAttr<StrAttr, "\"none\"">:$activation,
                   DefaultValuedAttr<F32Attr, "0.01f">:$alpha,
                   DefaultValuedAttr<BoolAttr, "false">:$transpose_w);
  let results = (outs Mlp_Tensor:$result);
  let assemblyFormat = [{
    $x `,` $w `,` $b attr-dict `:` type($x) `,` type($w) `,` type($b) `->` type($result)
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
