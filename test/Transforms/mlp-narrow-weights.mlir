// RUN: mlpc-opt %s -mlp-narrow-weights=precision=int8 -split-input-file | FileCheck %s --check-prefix=INT8
// RUN: mlpc-opt %s -mlp-narrow-weights=precision=bf16 -split-input-file | FileCheck %s --check-prefix=BF16
// RUN: mlpc-opt %s -mlp-narrow-weights="precision=int8 keep-f32=last" -split-input-file | FileCheck %s --check-prefix=KEEP
// RUN: mlpc-opt %s -mlp-narrow-weights="precision=int8 keep-f32=fc1" -split-input-file | FileCheck %s --check-prefix=NAMED
// RUN: not mlpc-opt %s -mlp-narrow-weights="precision=int8 keep-f32=fc9" -split-input-file 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not mlpc-opt %s -mlp-narrow-weights=precision=fp16 2>&1 | FileCheck %s --check-prefix=BAD

// Each column gets its own scale, max |w| / 127; values round half to even
// (-63.5 -> -64). The layer's other operands and attributes stay.
// INT8-LABEL: func.func @dense
// INT8-SAME: (%[[X:.*]]: tensor<?x2xf32>)
// INT8-DAG: %[[B:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// INT8-DAG: %[[Q:.*]] = arith.constant dense<{{\[\[}}127, -127], [-64, 64]]> : tensor<2x2xi8>
// INT8-DAG: %[[S:.*]] = arith.constant dense<[0.0157480314, 0.00393700786]> : tensor<2xf32>
// INT8: %[[Y:.*]] = mlp.dense %[[X]], %[[Q]], %[[B]] w_scale(%[[S]] : tensor<2xf32>) {activation = "relu"}
// INT8-SAME: tensor<2x2xi8>
// INT8: return %[[Y]]

// bf16 rounds each weight to nearest even; no scale.
// BF16-LABEL: func.func @dense
// BF16: %[[W:.*]] = arith.constant dense<{{\[\[}}2.000000e+00, -5.000000e-01], [-1.000000e+00, 2.500000e-01]]> : tensor<2x2xbf16>
// BF16: mlp.dense %{{.*}}, %[[W]], %{{.*}} {activation = "relu"}
// BF16-NOT: w_scale

// NAMED-LABEL: func.func @dense
// NAMED: mlp.dense {{.*}} {activation = "relu", keep_f32} : tensor<?x2xf32>, tensor<2x2xf32>
// MISSING: error: --keep-f32 entry 'fc9' names no layer; the 1 layers are 0..0, named fc1
// BAD: error: mlp-narrow-weights: precision 'fp16' is not one; use f32, bf16 or int8
func.func @dense(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %w = arith.constant dense<[[2.0, -0.5], [-1.0, 0.25]]> : tensor<2x2xf32>
  %b = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %y = mlp.dense %x, %w, %b {activation = "relu"} : tensor<?x2xf32>, tensor<2x2xf32>, tensor<2xf32> -> tensor<?x2xf32> loc("fc1")
  return %y : tensor<?x2xf32>
}

// -----

// A matmul (as at -O0, before fusion) becomes a dense layer with a zero
// bias; keep_f32 (given in the model, or by keep-f32=last) leaves a layer
// as it is, and weights that are not constants stay f32.
// INT8-LABEL: func.func @layers
// INT8-SAME: (%[[X:.*]]: tensor<?x2xf32>, %[[WA:.*]]: tensor<2x2xf32>)
// INT8-DAG: %[[Z:.*]] = arith.constant dense<0.000000e+00> : tensor<2xf32>
// INT8: %[[H:.*]] = mlp.dense %[[X]], %{{.*}}, %[[Z]] w_scale(%{{.*}} : tensor<2xf32>) : tensor<?x2xf32>, tensor<2x2xi8>
// INT8: %[[K:.*]] = mlp.matmul %[[H]], %{{.*}} {keep_f32} : tensor<?x2xf32>, tensor<2x2xf32>
// INT8: mlp.matmul %[[K]], %[[WA]] : tensor<?x2xf32>, tensor<2x2xf32>

// NAMED-LABEL: func.func @layers
// NAMED: mlp.matmul {{.*}} {keep_f32}
// NAMED: mlp.matmul {{.*}} {keep_f32}
// NAMED: mlp.matmul {{.*}} : tensor

// KEEP-LABEL: func.func @layers
// KEEP: mlp.dense {{.*}} tensor<2x2xi8>
// KEEP: mlp.matmul {{.*}} {keep_f32}
// KEEP: mlp.matmul {{.*}} {keep_f32}
func.func @layers(%x: tensor<?x2xf32>, %wa: tensor<2x2xf32>) -> tensor<?x2xf32> {
  %w = arith.constant dense<[[2.0, -0.5], [-1.0, 0.25]]> : tensor<2x2xf32>
  %h = mlp.matmul %x, %w : tensor<?x2xf32>, tensor<2x2xf32> -> tensor<?x2xf32> loc("fc1")
  %k = mlp.matmul %h, %w {keep_f32} : tensor<?x2xf32>, tensor<2x2xf32> -> tensor<?x2xf32>
  %y = mlp.matmul %k, %wa : tensor<?x2xf32>, tensor<2x2xf32> -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}
