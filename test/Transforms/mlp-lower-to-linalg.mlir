// RUN: mlpc-opt %s -mlp-lower-to-linalg -split-input-file | FileCheck %s

// CHECK-DAG: #[[MK:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[NK:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[MN:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @matmul_transposed
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>, %[[W:.*]]: tensor<3x4xf32>)
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[DIM:.*]] = tensor.dim %[[X]], %[[C0]]
// CHECK: %[[E:.*]] = tensor.empty(%[[DIM]]) : tensor<?x3xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<?x3xf32>)
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[MK]], #[[NK]], #[[MN]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]], %[[W]] : {{.*}}) outs(%[[F]] : tensor<?x3xf32>)
// CHECK: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[A]], %[[B]]
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[ACC]], %[[P]]
// CHECK-NEXT: linalg.yield %[[S]]
// CHECK: return %[[R]]
func.func @matmul_transposed(%x: tensor<?x4xf32>, %w: tensor<3x4xf32>) -> tensor<?x3xf32> {
  %h = mlp.matmul %x, %w {transpose_b = true} : tensor<?x4xf32>, tensor<3x4xf32> -> tensor<?x3xf32>
  return %h : tensor<?x3xf32>
}

// -----

// numpy broadcasting: a [3] bias and a [?,1] column over [?,3].
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[STRETCH:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func.func @broadcast_add
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[COL]], #[[ID]]]
// CHECK: arith.addf
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[STRETCH]], #[[ID]]]
func.func @broadcast_add(%a: tensor<?x3xf32>, %b: tensor<3xf32>, %c: tensor<?x1xf32>) -> tensor<?x3xf32> {
  %s = mlp.add %a, %b : tensor<?x3xf32>, tensor<3xf32> -> tensor<?x3xf32>
  %t = mlp.add %s, %c : tensor<?x3xf32>, tensor<?x1xf32> -> tensor<?x3xf32>
  return %t : tensor<?x3xf32>
}

// -----

// Activations are elementwise generics with the shared scalar bodies.
// CHECK-LABEL: func.func @activations
// CHECK: linalg.generic
// CHECK: arith.maximumf
// sigmoid from e = exp(-|x|) <= 1: e / (1 + e) below 0, 1 / (1 + e) above.
// CHECK: linalg.generic
// CHECK: %[[SA:.*]] = math.absf %[[SIN:.*]] : f32
// CHECK-NEXT: %[[SN:.*]] = arith.negf %[[SA]]
// CHECK: arith.maximumf %[[SN]]
// CHECK: arith.shli
// CHECK: %[[SE:.*]] = arith.mulf
// CHECK: %[[SNEG:.*]] = arith.cmpf olt, %[[SIN]]
// CHECK: %[[STOP:.*]] = arith.select %[[SNEG]]
// CHECK: %[[SDEN:.*]] = arith.addf %{{.*}}, %[[SE]]
// CHECK: arith.divf %[[STOP]], %[[SDEN]]
// CHECK: linalg.generic
// CHECK: math.tanh
// gelu is x * Phi(x) from q = Phi(-|x|), with 2^y built in place (no
// math.exp or math.erfc left for the approximation pass).
// CHECK: linalg.generic
// CHECK: %[[A:.*]] = math.absf %[[IN:.*]] : f32
// CHECK: %[[U:.*]] = arith.divf
// CHECK-NOT: math.exp
// CHECK-NOT: math.erfc
// CHECK: arith.shli
// CHECK: %[[Q:.*]] = arith.mulf %[[U]], %{{.*}} : f32
// CHECK: %[[NEG:.*]] = arith.cmpf olt, %[[IN]], %{{.*}} : f32
// CHECK: %[[UPPER:.*]] = arith.subf %{{.*}}, %[[Q]] : f32
// CHECK: %[[PHI:.*]] = arith.select %[[NEG]], %[[Q]], %[[UPPER]] : f32
// CHECK: arith.mulf %[[IN]], %[[PHI]] : f32
// CHECK: linalg.generic
// CHECK: arith.cmpf ogt
// CHECK-NEXT: arith.select
func.func @activations(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %a = mlp.relu %x : tensor<2x3xf32> -> tensor<2x3xf32>
  %b = mlp.sigmoid %a : tensor<2x3xf32> -> tensor<2x3xf32>
  %c = mlp.tanh %b : tensor<2x3xf32> -> tensor<2x3xf32>
  %d = mlp.gelu %c : tensor<2x3xf32> -> tensor<2x3xf32>
  %e = mlp.leaky_relu %d : tensor<2x3xf32> -> tensor<2x3xf32>
  return %e : tensor<2x3xf32>
}

// -----

// A dense layer the kernel pass did not take (dynamic K here) lowers to a
// contraction plus one epilogue generic.
// CHECK-LABEL: func.func @dense_generic
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: %[[EPI:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: arith.addf
// CHECK-NEXT: math.tanh
// CHECK: return %[[EPI]]
func.func @dense_generic(%x: tensor<2x?xf32>, %w: tensor<?x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %y = mlp.dense %x, %w, %b {activation = "tanh"} : tensor<2x?xf32>, tensor<?x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
