// RUN: mlpc-opt %s -mlp-fold-affine -split-input-file | FileCheck %s

// A StandardScaler's (x - mean) / std before a layer: w's rows divided by
// std, and the bias less (mean / std) · w.
// CHECK-LABEL: func.func @scaler
// CHECK-SAME: (%[[X:.*]]: tensor<?x3xf32>)
// CHECK-DAG: %[[B:.*]] = arith.constant dense<[-3.150000e+01, -3.950000e+01]> : tensor<2xf32>
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[\[}}5.000000e-01, 1.000000e+00], [7.500000e-01, 1.000000e+00], [1.000000e+01, 1.200000e+01]]> : tensor<3x2xf32>
// CHECK: %[[P:.*]] = mlp.matmul %[[X]], %[[W]]
// CHECK: %[[R:.*]] = mlp.add %[[P]], %[[B]]
// CHECK: return %[[R]]
func.func @scaler(%x: tensor<?x3xf32>) -> tensor<?x2xf32> {
  %mean = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %std = arith.constant dense<[2.0, 4.0, 0.5]> : tensor<3xf32>
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>
  %b = arith.constant dense<[0.5, -0.5]> : tensor<2xf32>
  %0 = mlp.sub %x, %mean : tensor<?x3xf32>, tensor<3xf32> -> tensor<?x3xf32>
  %1 = mlp.div %0, %std : tensor<?x3xf32>, tensor<3xf32> -> tensor<?x3xf32>
  %2 = mlp.matmul %1, %w : tensor<?x3xf32>, tensor<3x2xf32> -> tensor<?x2xf32>
  %3 = mlp.add %2, %b : tensor<?x2xf32>, tensor<2xf32> -> tensor<?x2xf32>
  return %3 : tensor<?x2xf32>
}

// -----

// Gemm's alpha scales w; beta · C folds into one constant. With w stored
// [N, K] (transpose_b), output j is w's row j.
// CHECK-LABEL: func.func @gemm_alpha_beta
// CHECK-SAME: (%[[X:.*]]: tensor<?x3xf32>)
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[\[}}5.000000e-01, 1.000000e+00, 1.500000e+00], [6.000000e+00, 7.500000e+00, 9.000000e+00]]> : tensor<2x3xf32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<[1.000000e+00, -1.000000e+00]> : tensor<2xf32>
// CHECK: %[[P:.*]] = mlp.matmul %[[X]], %[[W]] {transpose_b = true}
// CHECK: %[[R:.*]] = mlp.add %[[P]], %[[B]]
// CHECK: return %[[R]]
func.func @gemm_alpha_beta(%x: tensor<?x3xf32>) -> tensor<?x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %b = arith.constant dense<[0.5, -0.5]> : tensor<2xf32>
  %alpha = arith.constant dense<[0.5, 1.5]> : tensor<2xf32>
  %beta = arith.constant dense<2.0> : tensor<f32>
  %0 = mlp.matmul %x, %w {transpose_b = true} : tensor<?x3xf32>, tensor<2x3xf32> -> tensor<?x2xf32>
  %1 = mlp.mul %0, %alpha : tensor<?x2xf32>, tensor<2xf32> -> tensor<?x2xf32>
  %2 = mlp.mul %b, %beta : tensor<2xf32>, tensor<f32> -> tensor<2xf32>
  %3 = mlp.add %1, %2 : tensor<?x2xf32>, tensor<2xf32> -> tensor<?x2xf32>
  return %3 : tensor<?x2xf32>
}

// -----

// A BatchNormalization after a layer: a = scale / sqrt(var + eps) = [1, 1]
// here, and the bias becomes b · a + (beta - mean · a).
// CHECK-LABEL: func.func @batch_norm_after
// CHECK-DAG: %[[B:.*]] = arith.constant dense<[0.000000e+00, -2.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00], [5.000000e+00, 6.000000e+00]]>
// CHECK: %[[P:.*]] = mlp.matmul %{{.*}}, %[[W]]
// CHECK: %[[Z:.*]] = mlp.add %[[P]], %[[B]]
// CHECK: mlp.relu %[[Z]]
// CHECK-NOT: mlp.batch_norm
func.func @batch_norm_after(%x: tensor<?x3xf32>) -> tensor<?x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>
  %b = arith.constant dense<[0.5, -0.5]> : tensor<2xf32>
  %s = arith.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %m = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %v = arith.constant dense<[4.0, 9.0]> : tensor<2xf32>
  %0 = mlp.matmul %x, %w : tensor<?x3xf32>, tensor<3x2xf32> -> tensor<?x2xf32>
  %1 = mlp.add %0, %b : tensor<?x2xf32>, tensor<2xf32> -> tensor<?x2xf32>
  %2 = mlp.batch_norm %1, %s, %b, %m, %v {epsilon = 0.0 : f32} : tensor<?x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32> -> tensor<?x2xf32>
  %3 = mlp.relu %2 : tensor<?x2xf32> -> tensor<?x2xf32>
  return %3 : tensor<?x2xf32>
}

// -----

// The scaled value has another user: folding would compute the product
// twice, so nothing changes.
// CHECK-LABEL: func.func @shared_scale
// CHECK: %[[S:.*]] = mlp.mul
// CHECK: mlp.matmul %[[S]]
// CHECK: return
func.func @shared_scale(%x: tensor<?x3xf32>) -> (tensor<?x2xf32>, tensor<?x3xf32>) {
  %s = arith.constant dense<[2.0, 4.0, 0.5]> : tensor<3xf32>
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>
  %0 = mlp.mul %x, %s : tensor<?x3xf32>, tensor<3xf32> -> tensor<?x3xf32>
  %1 = mlp.matmul %0, %w : tensor<?x3xf32>, tensor<3x2xf32> -> tensor<?x2xf32>
  return %1, %0 : tensor<?x2xf32>, tensor<?x3xf32>
}

// -----

// A scale that differs per row is no change of the weights.
// CHECK-LABEL: func.func @per_row_scale
// CHECK: %[[P:.*]] = mlp.matmul
// CHECK: mlp.mul %[[P]]
func.func @per_row_scale(%x: tensor<2x3xf32>) -> tensor<2x2xf32> {
  %s = arith.constant dense<[[2.0], [3.0]]> : tensor<2x1xf32>
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>
  %0 = mlp.matmul %x, %w : tensor<2x3xf32>, tensor<3x2xf32> -> tensor<2x2xf32>
  %1 = mlp.mul %0, %s : tensor<2x2xf32>, tensor<2x1xf32> -> tensor<2x2xf32>
  return %1 : tensor<2x2xf32>
}
