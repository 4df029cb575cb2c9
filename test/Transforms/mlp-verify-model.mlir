// RUN: mlpc-opt %s -mlp-verify-model -split-input-file -verify-diagnostics

// A valid model passes unchanged.
func.func @ok(%x: tensor<?x2xf32>) -> tensor<?x1xf32> {
  %w = arith.constant dense_resource<w> : tensor<1x2xf32>
  %h = mlp.matmul %x, %w {transpose_b = true} : tensor<?x2xf32>, tensor<1x2xf32> -> tensor<?x1xf32>
  return %h : tensor<?x1xf32>
}
{-#
  dialect_resources: { builtin: { w: "0x040000000000803F00000040" } }
#-}

// -----

// expected-error @+1 {{entry point @bad_arg: argument #0 has type 'tensor<?x?xf32>'; only the leading (batch) dimension may be dynamic, make dimension 1 static}}
func.func @bad_arg(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  return %x : tensor<?x?xf32>
}

// -----

// expected-error @+1 {{entry point @scalar: result #0 has type 'tensor<f32>'; give it rank 1 or more}}
func.func @scalar(%x: tensor<2xf32>) -> tensor<f32> {
  %c = arith.constant dense<1.0> : tensor<f32>
  return %c : tensor<f32>
}

// -----

// expected-error @+1 {{entry point @f64: argument #0 has type 'tensor<2xf64>'; arguments are f32, or i32 class indices for a loss, convert it to one of these}}
func.func @f64(%x: tensor<2xf64>) -> tensor<2xf64> {
  return %x : tensor<2xf64>
}

// -----

// Class indices (i32) are arguments of one value per row that losses read.
func.func @indices_ok(%x: tensor<?x3xf32>, %t: tensor<?xi32>) -> tensor<1xf32> {
  %l = mlp.cross_entropy %x, %t {reduction = "mean"} : tensor<?x3xf32>, tensor<?xi32> -> tensor<1xf32>
  return %l : tensor<1xf32>
}

// -----

// expected-error @+1 {{entry point @indices_read: argument #1 has type 'tensor<?xi32>'; an i32 argument may only be the class-index target of mlp.cross_entropy or mlp.nll_loss, but 'func.return' reads it}}
func.func @indices_read(%x: tensor<?x3xf32>, %t: tensor<?xi32>) -> (tensor<?xf32>, tensor<?xi32>) {
  %l = mlp.cross_entropy %x, %t : tensor<?x3xf32>, tensor<?xi32> -> tensor<?xf32>
  return %l, %t : tensor<?xf32>, tensor<?xi32>
}

// -----

// expected-error @+1 {{entry point @indices_rank: argument #1 has type 'tensor<?x1xi32>'; i32 arguments are class indices, one per batch row: give it shape [B], e.g. tensor<?xi32>}}
func.func @indices_rank(%x: tensor<?x3xf32>, %t: tensor<?x1xi32>) -> tensor<?x3xf32> {
  return %x : tensor<?x3xf32>
}

// -----

// expected-error @+1 {{entry point @int_result: result #0 has type 'tensor<2xi32>'; results are f32, convert it to f32}}
func.func @int_result(%x: tensor<?x3xf32>) -> tensor<2xi32> {
  %c = arith.constant dense<1> : tensor<2xi32>
  return %c : tensor<2xi32>
}

// -----

// expected-error @+1 {{entry point @nothing returns nothing; return its output tensors}}
func.func @nothing(%x: tensor<2xf32>) {
  return
}

// -----

func.func @missing_blob(%x: tensor<?x2xf32>) -> tensor<?x1xf32> {
  // expected-error @+1 {{dense_resource<w_missing> has no data: add it to the file's {-# dialect_resources: { builtin: { w_missing: "0x..." } } #-} section}}
  %w = arith.constant dense_resource<w_missing> : tensor<1x2xf32>
  %h = mlp.matmul %x, %w {transpose_b = true} : tensor<?x2xf32>, tensor<1x2xf32> -> tensor<?x1xf32>
  return %h : tensor<?x1xf32>
}

// -----

func.func @short_blob(%x: tensor<?x2xf32>) -> tensor<?x1xf32> {
  // expected-error @+1 {{dense_resource<w> holds 4 bytes but 'tensor<1x2xf32>' needs 8; re-export the weights with this shape}}
  %w = arith.constant dense_resource<w> : tensor<1x2xf32>
  %h = mlp.matmul %x, %w {transpose_b = true} : tensor<?x2xf32>, tensor<1x2xf32> -> tensor<?x1xf32>
  return %h : tensor<?x1xf32>
}
{-#
  dialect_resources: { builtin: { w: "0x040000000000803F" } }
#-}

// -----

// expected-error @+1 {{the module has no public func.func entry point; a model needs at least one}}
module {
  func.func private @helper(%x: tensor<2xf32>) -> tensor<2xf32> {
    return %x : tensor<2xf32>
  }
}

// -----

func.func @huge_weight(%x: tensor<?x100000xf32>) -> tensor<?x100000xf32> {
  // expected-error @+1 {{constant 'tensor<100000x100000xf32>' is larger than mlpc's limit of 2 GiB per weight tensor; split the layer}}
  %w = arith.constant dense<1.0> : tensor<100000x100000xf32>
  %y = mlp.matmul %x, %w : tensor<?x100000xf32>, tensor<100000x100000xf32> -> tensor<?x100000xf32>
  return %y : tensor<?x100000xf32>
}

// -----

// Calls are inlined before this pass (mlpc::addInlineCalls); those left are
// errors that say why.
func.func private @external(%x: tensor<?x4xf32>) -> tensor<?x4xf32>
func.func @calls_external(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{calls @external, which has no body; define it in the model (mlpc inlines every call)}}
  %y = func.call @external(%x) : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// -----

func.func private @ping(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{calls @pong, which calls itself (directly or through other functions); mlpc inlines every call, so a model cannot recurse: unroll it}}
  %y = func.call @pong(%x) : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
func.func private @pong(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %r = mlp.relu %x : tensor<?x4xf32> -> tensor<?x4xf32>
  // expected-error @+1 {{calls @ping, which calls itself (directly or through other functions)}}
  %y = func.call @ping(%r) : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
func.func @recurses(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{calls @ping, which calls itself (directly or through other functions)}}
  %y = func.call @ping(%x) : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// -----

func.func private @block(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %r = mlp.relu %x : tensor<?x4xf32> -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}
func.func @not_inlined(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{calls @block, which was not inlined; run the inliner first (as mlpc does)}}
  %y = func.call @block(%x) : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// -----

// Ops of other dialects: one error per kind, at its first use.
func.func @other_dialects(%x: tensor<?x4xf32>) -> tensor<1x2xf32> {
  // expected-error @+1 {{'arith.mulf' is not an op of mlp models; write the model with mlp ops (mlp.matmul, mlp.add, mlp.relu, ...), arith.constant weights and func.call}}
  %y = arith.mulf %x, %x : tensor<?x4xf32>
  %z = arith.mulf %y, %x : tensor<?x4xf32>
  // expected-error @+1 {{'tensor.extract_slice' is not an op of mlp models}}
  %s = tensor.extract_slice %z[0, 0] [1, 2] [1, 1] : tensor<?x4xf32> to tensor<1x2xf32>
  return %s : tensor<1x2xf32>
}

// -----

// An entry point becomes a C function of its name, declared in a header
// that C and C++ include: keywords, the C library's and the runtime's names
// and reserved identifiers are refused.
// expected-error @+1 {{entry point @default is a C or C++ keyword; rename it (it becomes a C function of that name), e.g. @model_default}}
func.func @default(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  return %x : tensor<?x3xf32>
}
// expected-error @+1 {{entry point @malloc is the C library's malloc(), which the program and the model's own code call}}
func.func @malloc(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  return %x : tensor<?x3xf32>
}
// expected-error @+1 {{entry point @main is the program's main()}}
func.func @main(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  return %x : tensor<?x3xf32>
}
// expected-error @+1 {{entry point @mlpc_forward is in the mlpc_ namespace of mlpc's runtime}}
func.func @mlpc_forward(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  return %x : tensor<?x3xf32>
}
// expected-error @+1 {{entry point @__forward is reserved for the C implementation (a leading _ and a capital or a second _); rename it (it becomes a C function of that name), e.g. @model_forward}}
func.func @__forward(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  return %x : tensor<?x3xf32>
}
// A leading _ and a small letter is fine.
func.func @_forward(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  return %x : tensor<?x3xf32>
}

// -----

// The entry point's name becomes a C function's.
// expected-error @+1 {{entry point @my-model is not a valid C identifier; rename it using letters, digits and '_' only}}
func.func @"my-model"(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}

// -----

// expected-error @+1 {{entry point @unranked: argument #0 has type 'tensor<*xf32>'; entry points take and return ranked tensors such as tensor<?x784xf32>}}
func.func @unranked(%x: tensor<*xf32>) -> tensor<*xf32> {
  return %x : tensor<*xf32>
}

// -----

// A reshape may fold the batch into rows, but a result must come back to
// the batch's rows: the C entry sizes each result buffer by the batch.
func.func @rows_not_restored(%x: tensor<?x12xf32>) -> tensor<?x4xf32> {
  %0 = mlp.reshape %x : tensor<?x12xf32> -> tensor<?x4xf32>
  // expected-error @+1 {{result #0 has 3 times the batch rows, but the C entry point sizes each result by the batch; reshape it back to the batch's rows}}
  return %0 : tensor<?x4xf32>
}

// -----

// Two dynamic operands of different row counts would read past one of them.
func.func @rows_mixed(%x: tensor<?x12xf32>, %y: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = mlp.reshape %x : tensor<?x12xf32> -> tensor<?x4xf32>
  // expected-error @+1 {{combines operands whose dynamic dimensions are 3 and 1 times the batch; reshape them to the same rows first}}
  %1 = mlp.add %0, %y : tensor<?x4xf32>, tensor<?x4xf32> -> tensor<?x4xf32>
  return %1 : tensor<?x4xf32>
}

// -----

// Folded and restored: fine.
func.func @rows_restored(%x: tensor<?x12xf32>) -> tensor<?x12xf32> {
  %0 = mlp.reshape %x : tensor<?x12xf32> -> tensor<?x4xf32>
  %1 = mlp.softmax %0 : tensor<?x4xf32> -> tensor<?x4xf32>
  %2 = mlp.reshape %1 : tensor<?x4xf32> -> tensor<?x12xf32>
  return %2 : tensor<?x12xf32>
}
