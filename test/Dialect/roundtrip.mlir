// RUN: mlpc-opt %s | FileCheck %s
// RUN: mlpc-opt %s | mlpc-opt | FileCheck %s
// RUN: mlpc-opt -mlir-print-op-generic %s | mlpc-opt | FileCheck %s

// The generic form parses and means the same as the pretty form; default
// attribute values are elided when printed.

// CHECK-LABEL: func.func @generic_form
// CHECK-SAME: (%[[X:.*]]: tensor<?x784xf32>, %[[W:.*]]: tensor<128x784xf32>, %[[B:.*]]: tensor<128xf32>)
func.func @generic_form(%x: tensor<?x784xf32>, %w1: tensor<128x784xf32>, %b1: tensor<128xf32>) -> tensor<?x128xf32> {
  // CHECK: %[[H:.*]] = mlp.matmul %[[X]], %[[W]] {transpose_b = true} : tensor<?x784xf32>, tensor<128x784xf32> -> tensor<?x128xf32>
  %h = "mlp.matmul"(%x, %w1) {transpose_b = true} : (tensor<?x784xf32>, tensor<128x784xf32>) -> tensor<?x128xf32>
  // CHECK: %[[Z:.*]] = mlp.add %[[H]], %[[B]] : tensor<?x128xf32>, tensor<128xf32> -> tensor<?x128xf32>
  %z = "mlp.add"(%h, %b1) : (tensor<?x128xf32>, tensor<128xf32>) -> tensor<?x128xf32>
  // CHECK: %[[A:.*]] = mlp.relu %[[Z]] : tensor<?x128xf32> -> tensor<?x128xf32>
  %a = "mlp.relu"(%z) : (tensor<?x128xf32>) -> tensor<?x128xf32>
  // CHECK: return %[[A]]
  return %a : tensor<?x128xf32>
}

// CHECK-LABEL: func.func @all_ops
func.func @all_ops(%x: tensor<4x8xf32>, %w: tensor<8x3xf32>, %b: tensor<3xf32>) -> tensor<4x3xf32> {
  // CHECK: mlp.matmul %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<8x3xf32> -> tensor<4x3xf32>
  %m = mlp.matmul %x, %w : tensor<4x8xf32>, tensor<8x3xf32> -> tensor<4x3xf32>
  // CHECK: mlp.sigmoid
  %s = mlp.sigmoid %m : tensor<4x3xf32> -> tensor<4x3xf32>
  // CHECK: mlp.tanh
  %t = mlp.tanh %s : tensor<4x3xf32> -> tensor<4x3xf32>
  // CHECK: mlp.gelu %{{.*}} : tensor<4x3xf32>
  %g = "mlp.gelu"(%t) {approximate = "none"} : (tensor<4x3xf32>) -> tensor<4x3xf32>
  // CHECK: mlp.gelu %{{.*}} {approximate = "tanh"}
  %g2 = mlp.gelu %g {approximate = "tanh"} : tensor<4x3xf32> -> tensor<4x3xf32>
  // CHECK: mlp.leaky_relu %{{.*}} {alpha = 2.000000e-01 : f32}
  %l = "mlp.leaky_relu"(%g2) {alpha = 0.2 : f32} : (tensor<4x3xf32>) -> tensor<4x3xf32>
  // CHECK: mlp.softmax %{{.*}} {axis = 0 : i64}
  %p = "mlp.softmax"(%l) {axis = 0 : i64} : (tensor<4x3xf32>) -> tensor<4x3xf32>
  // CHECK: mlp.log_softmax %{{.*}} : tensor<4x3xf32>
  %q = mlp.log_softmax %p {axis = -1} : tensor<4x3xf32> -> tensor<4x3xf32>
  // CHECK: mlp.dense %{{.*}}, %{{.*}}, %{{.*}} {activation = "leaky_relu", alpha = 1.000000e-01 : f32}
  %d = "mlp.dense"(%x, %w, %b) {activation = "leaky_relu", alpha = 0.1 : f32} : (tensor<4x8xf32>, tensor<8x3xf32>, tensor<3xf32>) -> tensor<4x3xf32>
  // CHECK: mlp.add %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<4x3xf32> -> tensor<4x3xf32>
  %r = mlp.add %d, %q : tensor<4x3xf32>, tensor<4x3xf32> -> tensor<4x3xf32>
  return %r : tensor<4x3xf32>
}

// The work of a parallel loop's iteration, as mlp-lower-dense states it.
// CHECK-LABEL: func.func @task_flops
// CHECK-SAME: (%[[F:.*]]: index)
// CHECK: scf.forall
// CHECK-NEXT: mlp.task_flops %[[F]]
func.func @task_flops(%flops: index) {
  scf.forall (%i) in (2) {
    "mlp.task_flops"(%flops) : (index) -> ()
  }
  return
}
