// RUN: mlpc-opt %s -mlp-mark-row-parallel | FileCheck %s

// Rows independent: a dense layer (2*4*3 FLOPs per row), a bias and a
// residual add (3 elements at 8 each), softmax along the last axis (3 at
// 40): 24 + 24 + 24 + 120. Its one weight matrix has 48 bytes.
// CHECK-LABEL: func.func @mlp
// CHECK-SAME: attributes {mlpc.row_parallel_flops = 192 : i64, mlpc.row_parallel_weight_bytes = 48 : i64}
func.func @mlp(%x: tensor<?x4xf32>) -> tensor<?x3xf32> {
  %w = arith.constant dense<1.0> : tensor<3x4xf32>
  %b = arith.constant dense<0.5> : tensor<3xf32>
  %h = mlp.matmul %x, %w {transpose_b = true} : tensor<?x4xf32>, tensor<3x4xf32> -> tensor<?x3xf32>
  %z = mlp.add %h, %b : tensor<?x3xf32>, tensor<3xf32> -> tensor<?x3xf32>
  %r = mlp.add %z, %h : tensor<?x3xf32>, tensor<?x3xf32> -> tensor<?x3xf32>
  %p = mlp.softmax %r : tensor<?x3xf32> -> tensor<?x3xf32>
  return %p : tensor<?x3xf32>
}

// Softmax over the batch axis mixes rows.
// CHECK-LABEL: func.func @softmax_over_batch
// CHECK-NOT: mlpc.row_parallel_flops
func.func @softmax_over_batch(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %p = mlp.softmax %x {axis = 0} : tensor<?x4xf32> -> tensor<?x4xf32>
  return %p : tensor<?x4xf32>
}

// A loss per row reads its own row of logits and targets; its mean over
// the batch mixes rows.
// CHECK-LABEL: func.func @loss_per_row
// CHECK-SAME: mlpc.row_parallel_flops
// CHECK-LABEL: func.func @loss_mean
// CHECK-NOT: mlpc.row_parallel_flops
func.func @loss_per_row(%x: tensor<?x4xf32>, %t: tensor<?xi32>) -> tensor<?xf32> {
  %l = mlp.cross_entropy %x, %t : tensor<?x4xf32>, tensor<?xi32> -> tensor<?xf32>
  return %l : tensor<?xf32>
}
func.func @loss_mean(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<1xf32> {
  %l = mlp.mse_loss %x, %y {reduction = "mean"} : tensor<?x4xf32>, tensor<?x4xf32> -> tensor<1xf32>
  return %l : tensor<1xf32>
}

// A product of two batched values mixes rows.
// CHECK-LABEL: func.func @batched_weights
// CHECK-NOT: mlpc.row_parallel_flops
func.func @batched_weights(%x: tensor<?x4xf32>, %w: tensor<?x4xf32>) -> tensor<?x?xf32> {
  %h = mlp.matmul %x, %w {transpose_b = true} : tensor<?x4xf32>, tensor<?x4xf32> -> tensor<?x?xf32>
  return %h : tensor<?x?xf32>
}

// A static entry has no batch to split.
// CHECK-LABEL: func.func @static_entry
// CHECK-NOT: mlpc.row_parallel_flops
func.func @static_entry(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %r = mlp.relu %x : tensor<4x4xf32> -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}

// An argument without a batch dimension (a bias given at run time) cannot
// be split with the rows.
// CHECK-LABEL: func.func @unbatched_argument
// CHECK-NOT: mlpc.row_parallel_flops
func.func @unbatched_argument(%x: tensor<?x4xf32>, %b: tensor<4xf32>) -> tensor<?x4xf32> {
  %z = mlp.add %x, %b : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  return %z : tensor<?x4xf32>
}

// No dense layer: the work is the elementwise ops' and softmax's, per
// element of a [?, 2, 500] row: 1000 * (88 + 40), and 1000 * (54 + 40)
// with gelu's tanh form.
// CHECK-LABEL: func.func @gelu_softmax
// CHECK-SAME: attributes {mlpc.row_parallel_flops = 128000 : i64, mlpc.row_parallel_weight_bytes = 0 : i64}
func.func @gelu_softmax(%x: tensor<?x2x500xf32>) -> tensor<?x2x500xf32> {
  %g = mlp.gelu %x : tensor<?x2x500xf32> -> tensor<?x2x500xf32>
  %p = mlp.softmax %g : tensor<?x2x500xf32> -> tensor<?x2x500xf32>
  return %p : tensor<?x2x500xf32>
}
// CHECK-LABEL: func.func @gelu_tanh_softmax
// CHECK-SAME: attributes {mlpc.row_parallel_flops = 94000 : i64
func.func @gelu_tanh_softmax(%x: tensor<?x2x500xf32>) -> tensor<?x2x500xf32> {
  %g = mlp.gelu %x {approximate = "tanh"} : tensor<?x2x500xf32> -> tensor<?x2x500xf32>
  %p = mlp.softmax %g : tensor<?x2x500xf32> -> tensor<?x2x500xf32>
  return %p : tensor<?x2x500xf32>
}

// Two layers (2 * (32*64 + 64*2) FLOPs per row): the larger weight matrix
// is recorded (64x32 floats, 8192
// bytes), which mlp-emit-c-abi weighs when it cuts row ranges into chunks.
// CHECK-LABEL: func.func @two_layers
// CHECK-SAME: attributes {mlpc.row_parallel_flops = 4352 : i64, mlpc.row_parallel_weight_bytes = 8192 : i64}
func.func @two_layers(%x: tensor<?x32xf32>) -> tensor<?x2xf32> {
  %w0 = arith.constant dense<1.0> : tensor<64x32xf32>
  %b0 = arith.constant dense<0.5> : tensor<64xf32>
  %w1 = arith.constant dense<1.0> : tensor<2x64xf32>
  %b1 = arith.constant dense<0.5> : tensor<2xf32>
  %h = mlp.dense %x, %w0, %b0 {transpose_w = true} : tensor<?x32xf32>, tensor<64x32xf32>, tensor<64xf32> -> tensor<?x64xf32>
  %y = mlp.dense %h, %w1, %b1 {transpose_w = true} : tensor<?x64xf32>, tensor<2x64xf32>, tensor<2xf32> -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// The imported ops keep rows apart: a flatten that keeps the batch rows, a
// layer_norm over the features, a binary op with a constant.
// CHECK-LABEL: func.func @imported
// CHECK-SAME: mlpc.row_parallel_flops
func.func @imported(%x: tensor<?x2x3xf32>) -> tensor<?x6xf32> {
  %g = arith.constant dense<2.0> : tensor<6xf32>
  %f = mlp.reshape %x : tensor<?x2x3xf32> -> tensor<?x6xf32>
  %n = mlp.layer_norm %f, %g, %g : tensor<?x6xf32>, tensor<6xf32>, tensor<6xf32> -> tensor<?x6xf32>
  %y = mlp.mul %n, %g : tensor<?x6xf32>, tensor<6xf32> -> tensor<?x6xf32>
  return %y : tensor<?x6xf32>
}

// A reshape that folds the batch into rows mixes them: serial.
// CHECK-LABEL: func.func @folded
// CHECK-NOT: mlpc.row_parallel_flops
func.func @folded(%x: tensor<?x12xf32>) -> tensor<?x12xf32> {
  %0 = mlp.reshape %x : tensor<?x12xf32> -> tensor<?x4xf32>
  %1 = mlp.softmax %0 : tensor<?x4xf32> -> tensor<?x4xf32>
  %2 = mlp.reshape %1 : tensor<?x4xf32> -> tensor<?x12xf32>
  return %2 : tensor<?x12xf32>
}
