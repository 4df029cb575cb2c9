// RUN: mlpc-opt %s -mlp-raise-ops -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @silu
// CHECK-SAME: (%[[X:.*]]: tensor<?x3xf32>)
// CHECK-NEXT: %[[Y:.*]] = mlp.silu %[[X]]
// CHECK-NEXT: return %[[Y]]
func.func @silu(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %s = mlp.sigmoid %x : tensor<?x3xf32> -> tensor<?x3xf32>
  %y = mlp.mul %s, %x : tensor<?x3xf32>, tensor<?x3xf32> -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

// -----

// torch.onnx.export's GELU before opset 20.
// CHECK-LABEL: func.func @gelu_erf
// CHECK-SAME: (%[[X:.*]]: tensor<?x3xf32>)
// CHECK: %[[Y:.*]] = mlp.gelu %[[X]] :
// CHECK-NEXT: return %[[Y]]
func.func @gelu_erf(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %r2 = arith.constant dense<1.41421354> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %half = arith.constant dense<0.5> : tensor<f32>
  %0 = mlp.div %x, %r2 : tensor<?x3xf32>, tensor<f32> -> tensor<?x3xf32>
  %1 = mlp.erf %0 : tensor<?x3xf32> -> tensor<?x3xf32>
  %2 = mlp.add %1, %one : tensor<?x3xf32>, tensor<f32> -> tensor<?x3xf32>
  %3 = mlp.mul %x, %2 : tensor<?x3xf32>, tensor<?x3xf32> -> tensor<?x3xf32>
  %4 = mlp.mul %3, %half : tensor<?x3xf32>, tensor<f32> -> tensor<?x3xf32>
  return %4 : tensor<?x3xf32>
}

// -----

// The same constants but 0.6: not GELU.
// CHECK-LABEL: func.func @not_gelu
// CHECK-NOT: mlp.gelu
// CHECK: mlp.erf
func.func @not_gelu(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %r2 = arith.constant dense<1.41421354> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %half = arith.constant dense<0.6> : tensor<f32>
  %0 = mlp.div %x, %r2 : tensor<?x3xf32>, tensor<f32> -> tensor<?x3xf32>
  %1 = mlp.erf %0 : tensor<?x3xf32> -> tensor<?x3xf32>
  %2 = mlp.add %1, %one : tensor<?x3xf32>, tensor<f32> -> tensor<?x3xf32>
  %3 = mlp.mul %x, %2 : tensor<?x3xf32>, tensor<?x3xf32> -> tensor<?x3xf32>
  %4 = mlp.mul %3, %half : tensor<?x3xf32>, tensor<f32> -> tensor<?x3xf32>
  return %4 : tensor<?x3xf32>
}

// -----

// torch.onnx.export's LayerNorm before opset 17, with its scale and shift.
// CHECK-LABEL: func.func @layer_norm
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>)
// CHECK-DAG: %[[G:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<[1.000000e-01, 2.000000e-01, 3.000000e-01, 4.000000e-01]>
// CHECK: %[[Y:.*]] = mlp.layer_norm %[[X]], %[[G]], %[[B]] {axis = 1 : i64, epsilon = 1.000000e-03 : f32}
// CHECK-NEXT: return %[[Y]]
func.func @layer_norm(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %two = arith.constant dense<2.0> : tensor<f32>
  %eps = arith.constant dense<1.0e-3> : tensor<f32>
  %g = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %b = arith.constant dense<[0.1, 0.2, 0.3, 0.4]> : tensor<4xf32>
  %m = mlp.reduce_mean %x {axes = array<i64: -1>} : tensor<?x4xf32> -> tensor<?x1xf32>
  %d = mlp.sub %x, %m : tensor<?x4xf32>, tensor<?x1xf32> -> tensor<?x4xf32>
  %p = mlp.pow %d, %two : tensor<?x4xf32>, tensor<f32> -> tensor<?x4xf32>
  %v = mlp.reduce_mean %p {axes = array<i64: -1>} : tensor<?x4xf32> -> tensor<?x1xf32>
  %a = mlp.add %v, %eps : tensor<?x1xf32>, tensor<f32> -> tensor<?x1xf32>
  %s = mlp.sqrt %a : tensor<?x1xf32> -> tensor<?x1xf32>
  %n = mlp.div %d, %s : tensor<?x4xf32>, tensor<?x1xf32> -> tensor<?x4xf32>
  %y = mlp.mul %n, %g : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  %z = mlp.add %y, %b : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  return %z : tensor<?x4xf32>
}

// -----

// Without scale and shift; the mean is another output too, so nothing is
// raised (the op would have to compute it anyway).
// CHECK-LABEL: func.func @layer_norm_mean_used
// CHECK-NOT: mlp.layer_norm
func.func @layer_norm_mean_used(%x: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<?x1xf32>) {
  %two = arith.constant dense<2.0> : tensor<f32>
  %eps = arith.constant dense<1.0e-3> : tensor<f32>
  %m = mlp.reduce_mean %x {axes = array<i64: -1>} : tensor<?x4xf32> -> tensor<?x1xf32>
  %d = mlp.sub %x, %m : tensor<?x4xf32>, tensor<?x1xf32> -> tensor<?x4xf32>
  %p = mlp.pow %d, %two : tensor<?x4xf32>, tensor<f32> -> tensor<?x4xf32>
  %v = mlp.reduce_mean %p {axes = array<i64: -1>} : tensor<?x4xf32> -> tensor<?x1xf32>
  %a = mlp.add %v, %eps : tensor<?x1xf32>, tensor<f32> -> tensor<?x1xf32>
  %s = mlp.sqrt %a : tensor<?x1xf32> -> tensor<?x1xf32>
  %n = mlp.div %d, %s : tensor<?x4xf32>, tensor<?x1xf32> -> tensor<?x4xf32>
  return %n, %m : tensor<?x4xf32>, tensor<?x1xf32>
}

// -----

// torch.onnx.export's Hardswish before opset 14.
// CHECK-LABEL: func.func @hard_swish
// CHECK-SAME: (%[[X:.*]]: tensor<?x3xf32>)
// CHECK-NEXT: %[[Y:.*]] = mlp.hard_swish %[[X]]
// CHECK-NEXT: return %[[Y]]
func.func @hard_swish(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %s = mlp.hard_sigmoid %x {alpha = 0.166666672 : f32} : tensor<?x3xf32> -> tensor<?x3xf32>
  %y = mlp.mul %x, %s : tensor<?x3xf32>, tensor<?x3xf32> -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}
