// RUN: mlpc-opt %s -mlp-stable-softmax -split-input-file | FileCheck %s

// softmax = exp(x - max) / sum(exp(x - max)) along the last axis.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @softmax_last
// CHECK-SAME: (%[[X:.*]]: tensor<?x10xf32>)
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[MAXINIT:.*]] = linalg.fill ins(%[[NEGINF]] : f32)
// CHECK: %[[MAX:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]] : tensor<?x10xf32>) outs(%[[MAXINIT]] : tensor<?xf32>)
// CHECK: arith.maximumf
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]], %[[MAX]] : tensor<?x10xf32>, tensor<?xf32>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %[[M:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[SH:.*]] = arith.subf %[[IN]], %[[M]]
// CHECK-NEXT: %[[E:.*]] = math.exp %[[SH]]
// CHECK-NEXT: %[[A:.*]] = arith.addf %[[ACC]], %[[E]]
// CHECK: %[[OUT:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[MAX]], %[[SUM]] :
// CHECK: ^bb0(%[[IN2:.*]]: f32, %[[M2:.*]]: f32, %[[S2:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[SH2:.*]] = arith.subf %[[IN2]], %[[M2]]
// CHECK-NEXT: %[[E2:.*]] = math.exp %[[SH2]]
// CHECK-NEXT: %[[D:.*]] = arith.divf %[[E2]], %[[S2]]
// CHECK-NEXT: linalg.yield %[[D]]
// CHECK: return %[[OUT]]
// CHECK-NOT: mlp.softmax
func.func @softmax_last(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %p = mlp.softmax %x : tensor<?x10xf32> -> tensor<?x10xf32>
  return %p : tensor<?x10xf32>
}

// -----

// log_softmax = (x - max) - log(sum(exp(x - max))), here along axis 0 of a
// rank-3 tensor.
// CHECK-DAG: #[[ID3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[RED0:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func @log_softmax_axis0
// CHECK: linalg.generic {indexing_maps = [#[[ID3]], #[[RED0]]], iterator_types = ["reduction", "parallel", "parallel"]}
// CHECK: linalg.generic {indexing_maps = [#[[ID3]], #[[RED0]], #[[RED0]]], iterator_types = ["reduction", "parallel", "parallel"]}
// CHECK: linalg.generic {indexing_maps = [#[[ID3]], #[[RED0]], #[[RED0]], #[[ID3]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK: ^bb0(%[[IN:.*]]: f32, %[[M:.*]]: f32, %[[S:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[SH:.*]] = arith.subf %[[IN]], %[[M]]
// CHECK-NEXT: %[[L:.*]] = math.log %[[S]]
// CHECK-NEXT: %[[R:.*]] = arith.subf %[[SH]], %[[L]]
// CHECK-NEXT: linalg.yield %[[R]]
func.func @log_softmax_axis0(%x: tensor<4x5x6xf32>) -> tensor<4x5x6xf32> {
  %p = "mlp.log_softmax"(%x) {axis = -3 : i64} : (tensor<4x5x6xf32>) -> tensor<4x5x6xf32>
  return %p : tensor<4x5x6xf32>
}
