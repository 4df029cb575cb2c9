// RUN: mlpc-opt %s -mlp-fuse-dense -split-input-file | FileCheck %s

// matmul + bias + relu becomes one dense layer; the weight layout flag moves
// from transpose_b to transpose_w.
// CHECK-LABEL: func.func @mlp_layer
// CHECK-SAME: (%[[X:.*]]: tensor<?x784xf32>, %[[W:.*]]: tensor<128x784xf32>, %[[B:.*]]: tensor<128xf32>)
// CHECK-NEXT: %[[D:.*]] = mlp.dense %[[X]], %[[W]], %[[B]] {activation = "relu", transpose_w = true}
// CHECK-NEXT: return %[[D]]
func.func @mlp_layer(%x: tensor<?x784xf32>, %w: tensor<128x784xf32>, %b: tensor<128xf32>) -> tensor<?x128xf32> {
  %h = "mlp.matmul"(%x, %w) {transpose_b = true} : (tensor<?x784xf32>, tensor<128x784xf32>) -> tensor<?x128xf32>
  %z = "mlp.add"(%h, %b) : (tensor<?x128xf32>, tensor<128xf32>) -> tensor<?x128xf32>
  %a = "mlp.relu"(%z) : (tensor<?x128xf32>) -> tensor<?x128xf32>
  return %a : tensor<?x128xf32>
}

// -----

// Bias on the left, no activation; gelu with the tanh approximation and
// leaky_relu carry their parameters into the dense op.
// CHECK-LABEL: func.func @variants
// CHECK: %[[D0:.*]] = mlp.dense %{{.*}}, %{{.*}}, %{{.*}} :
// CHECK: %[[D1:.*]] = mlp.dense %[[D0]], %{{.*}}, %{{.*}} {activation = "gelu_tanh"}
// CHECK: %[[D2:.*]] = mlp.dense %[[D1]], %{{.*}}, %{{.*}} {activation = "leaky_relu", alpha = 2.000000e-01 : f32}
// CHECK: return %[[D2]]
func.func @variants(%x: tensor<2x4xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>) -> tensor<2x4xf32> {
  %h0 = mlp.matmul %x, %w : tensor<2x4xf32>, tensor<4x4xf32> -> tensor<2x4xf32>
  %z0 = mlp.add %b, %h0 : tensor<4xf32>, tensor<2x4xf32> -> tensor<2x4xf32>
  %h1 = mlp.matmul %z0, %w : tensor<2x4xf32>, tensor<4x4xf32> -> tensor<2x4xf32>
  %z1 = mlp.add %h1, %b : tensor<2x4xf32>, tensor<4xf32> -> tensor<2x4xf32>
  %a1 = mlp.gelu %z1 {approximate = "tanh"} : tensor<2x4xf32> -> tensor<2x4xf32>
  %h2 = mlp.matmul %a1, %w : tensor<2x4xf32>, tensor<4x4xf32> -> tensor<2x4xf32>
  %z2 = mlp.add %h2, %b : tensor<2x4xf32>, tensor<4xf32> -> tensor<2x4xf32>
  %a2 = mlp.leaky_relu %z2 {alpha = 0.2 : f32} : tensor<2x4xf32> -> tensor<2x4xf32>
  return %a2 : tensor<2x4xf32>
}

// -----

// Fan-out: the pre-activation value is also returned, so only matmul + add
// fuse and the relu stays separate.
// CHECK-LABEL: func.func @fan_out
// CHECK: %[[D:.*]] = mlp.dense
// CHECK-SAME: -> tensor<2x4xf32>
// CHECK-NEXT: %[[R:.*]] = mlp.relu %[[D]]
// CHECK-NEXT: return %[[R]], %[[D]]
func.func @fan_out(%x: tensor<2x4xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %h = mlp.matmul %x, %w : tensor<2x4xf32>, tensor<4x4xf32> -> tensor<2x4xf32>
  %z = mlp.add %h, %b : tensor<2x4xf32>, tensor<4xf32> -> tensor<2x4xf32>
  %a = mlp.relu %z : tensor<2x4xf32> -> tensor<2x4xf32>
  return %a, %z : tensor<2x4xf32>, tensor<2x4xf32>
}

// -----

// The product itself has a second user: nothing fuses.
// CHECK-LABEL: func.func @product_reused
// CHECK: %[[H:.*]] = mlp.matmul
// CHECK-NEXT: %[[Z:.*]] = mlp.add %[[H]]
// CHECK-NEXT: %[[R:.*]] = mlp.relu %[[Z]]
// CHECK-NEXT: return %[[R]], %[[H]]
// CHECK-NOT: mlp.dense
func.func @product_reused(%x: tensor<2x4xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %h = mlp.matmul %x, %w : tensor<2x4xf32>, tensor<4x4xf32> -> tensor<2x4xf32>
  %z = mlp.add %h, %b : tensor<2x4xf32>, tensor<4xf32> -> tensor<2x4xf32>
  %a = mlp.relu %z : tensor<2x4xf32> -> tensor<2x4xf32>
  return %a, %h : tensor<2x4xf32>, tensor<2x4xf32>
}

// -----

// A residual add of two [M,N] values is not a bias: the first layer fuses,
// the residual add and its relu stay.
// CHECK-LABEL: func.func @residual
// CHECK: %[[D:.*]] = mlp.dense %[[X:.*]], %{{.*}}, %{{.*}} :
// CHECK-NEXT: %[[H:.*]] = mlp.matmul %[[D]]
// CHECK-NEXT: %[[S:.*]] = mlp.add %[[H]], %[[X]] : tensor<2x4xf32>, tensor<2x4xf32>
// CHECK-NEXT: mlp.relu %[[S]]
func.func @residual(%x: tensor<2x4xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>) -> tensor<2x4xf32> {
  %h = mlp.matmul %x, %w : tensor<2x4xf32>, tensor<4x4xf32> -> tensor<2x4xf32>
  %z = mlp.add %h, %b : tensor<2x4xf32>, tensor<4xf32> -> tensor<2x4xf32>
  %h2 = mlp.matmul %z, %w : tensor<2x4xf32>, tensor<4x4xf32> -> tensor<2x4xf32>
  %s = mlp.add %h2, %x : tensor<2x4xf32>, tensor<2x4xf32> -> tensor<2x4xf32>
  %a = mlp.relu %s : tensor<2x4xf32> -> tensor<2x4xf32>
  return %a : tensor<2x4xf32>
}

// -----

// A [1,N] bias broadcasts too, but is not the rank-1 row bias dense takes.
// CHECK-LABEL: func.func @rank2_bias
// CHECK-NOT: mlp.dense
func.func @rank2_bias(%x: tensor<2x4xf32>, %w: tensor<4x4xf32>, %b: tensor<1x4xf32>) -> tensor<2x4xf32> {
  %h = mlp.matmul %x, %w : tensor<2x4xf32>, tensor<4x4xf32> -> tensor<2x4xf32>
  %z = mlp.add %h, %b : tensor<2x4xf32>, tensor<1x4xf32> -> tensor<2x4xf32>
  return %z : tensor<2x4xf32>
}
