// RUN: mlpc-opt %s -mlp-trace-entries -split-input-file -verify-diagnostics | FileCheck %s

// NAME keeps its ops; NAME_trace returns NAME's results from NAME's own
// ops, then every layer of a copy in which the dense layer's activation is
// an op of its own, named as the seed texts' caches are (z1, a1, ...).
// CHECK-LABEL: func.func @mlp(
// CHECK-SAME: %[[X:.*]]: tensor<?x4xf32>) -> tensor<?x2xf32> {
// CHECK: %[[H:.*]] = mlp.dense %[[X]], %{{.*}}, %{{.*}} {activation = "relu"}
// CHECK: %[[L:.*]] = mlp.dense %[[H]]
// CHECK: %[[P:.*]] = mlp.softmax %[[L]]
// CHECK: return %[[P]]
// CHECK-LABEL: func.func @mlp_trace(
// CHECK-SAME: %[[TX:.*]]: tensor<?x4xf32>) -> (tensor<?x2xf32> {mlpc.trace_layer = "the result of mlp", mlpc.trace_name = "out0"},
// CHECK-SAME: tensor<?x3xf32> {mlpc.trace_layer = "dense relu 'fc1', pre-activation", mlpc.trace_name = "z1"},
// CHECK-SAME: tensor<?x3xf32> {mlpc.trace_layer = "dense relu 'fc1'", mlpc.trace_name = "a1"},
// CHECK-SAME: tensor<?x2xf32> {mlpc.trace_layer = "dense", mlpc.trace_name = "z2"},
// CHECK-SAME: tensor<?x2xf32> {mlpc.trace_layer = "softmax", mlpc.trace_name = "a2"})
// CHECK-SAME: attributes {mlpc.trace_of = "mlp"}
// CHECK: %[[TH:.*]] = mlp.dense %[[TX]], %[[W1:.*]], %[[B1:.*]] {activation = "relu"}
// CHECK: %[[TL:.*]] = mlp.dense %[[TH]]
// CHECK: %[[TP:.*]] = mlp.softmax %[[TL]]
// CHECK: %[[Z1:.*]] = mlp.dense %[[TX]], %[[W1]], %[[B1]] :
// CHECK: %[[A1:.*]] = mlp.relu %[[Z1]]
// CHECK: %[[Z2:.*]] = mlp.dense %[[A1]]
// CHECK: %[[A2:.*]] = mlp.softmax %[[Z2]]
// CHECK: return %[[TP]], %[[Z1]], %[[A1]], %[[Z2]], %[[A2]]
func.func @mlp(%x: tensor<?x4xf32>) -> tensor<?x2xf32> {
  %w1 = arith.constant dense<0.5> : tensor<4x3xf32>
  %b1 = arith.constant dense<0.1> : tensor<3xf32>
  %w2 = arith.constant dense<0.25> : tensor<3x2xf32>
  %b2 = arith.constant dense<0.0> : tensor<2xf32>
  %h = mlp.dense %x, %w1, %b1 {activation = "relu"} : tensor<?x4xf32>, tensor<4x3xf32>, tensor<3xf32> -> tensor<?x3xf32> loc("fc1")
  %l = mlp.dense %h, %w2, %b2 : tensor<?x3xf32>, tensor<3x2xf32>, tensor<2xf32> -> tensor<?x2xf32>
  %p = mlp.softmax %l : tensor<?x2xf32> -> tensor<?x2xf32>
  return %p : tensor<?x2xf32>
}

// -----

// Activations with parameters keep them; other ops are named after
// themselves and the last layer (a residual add after layer 1: add1).
// CHECK-LABEL: func.func @params_trace(
// CHECK-SAME: mlpc.trace_name = "z1"
// CHECK-SAME: mlpc.trace_name = "a1"
// CHECK-SAME: mlpc.trace_name = "add1"
// CHECK-SAME: mlpc.trace_name = "layer_norm1"
// CHECK: %[[Z:.*]] = mlp.dense %{{.*}} {transpose_w = true} :
// CHECK: %[[A:.*]] = mlp.leaky_relu %[[Z]] {alpha = 2.000000e-01 : f32}
// CHECK: %[[R:.*]] = mlp.add %[[A]], %[[X:.*]] :
// CHECK: mlp.layer_norm %[[R]]
func.func @params(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %w = arith.constant dense<0.5> : tensor<3x3xf32>
  %b = arith.constant dense<0.1> : tensor<3xf32>
  %h = mlp.dense %x, %w, %b {activation = "leaky_relu", alpha = 0.2 : f32, transpose_w = true} : tensor<?x3xf32>, tensor<3x3xf32>, tensor<3xf32> -> tensor<?x3xf32>
  %r = mlp.add %h, %x : tensor<?x3xf32>, tensor<?x3xf32> -> tensor<?x3xf32>
  %n = mlp.layer_norm %r, %b, %b : tensor<?x3xf32>, tensor<3xf32>, tensor<3xf32> -> tensor<?x3xf32>
  return %n : tensor<?x3xf32>
}

// -----

// The traced entry does NAME's work twice: the estimate that decides when
// the runtime splits its rows over threads doubles.
// CHECK-LABEL: func.func @split(
// CHECK-SAME: mlpc.row_parallel_flops = 100 : i64
// CHECK-LABEL: func.func @split_trace(
// CHECK-SAME: mlpc.row_parallel_flops = 200 : i64
func.func @split(%x: tensor<?x3xf32>) -> tensor<?x3xf32> attributes {mlpc.row_parallel_flops = 100 : i64} {
  %y = mlp.relu %x : tensor<?x3xf32> -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

// -----

// expected-error @+1 {{--trace adds an entry point @taken_trace, but the model already has one; rename it or compile without --trace}}
func.func @taken(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %y = mlp.relu %x : tensor<?x3xf32> -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}
func.func private @taken_trace(%x: tensor<?x3xf32>) -> tensor<?x3xf32>
