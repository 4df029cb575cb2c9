// A chain of elementwise ops that no dense layer absorbs becomes one loop
// nest: one pass over memory, not one per op. The output's size comes from
// the add's init, not from a tensor.dim of the add's result, which would
// give the add a second user and keep upstream's fusion off.

// RUN: mlpc %s --emit=mlir -o - | FileCheck %s

// CHECK-LABEL: func.func @chain(
// CHECK-SAME:    %[[A:.*]]: tensor<?x8xf32>, %[[B:.*]]: tensor<?x8xf32>
// CHECK:         %[[R:.*]] = linalg.generic
// CHECK-SAME:      ins(%[[A]], %[[B]] :
// CHECK:           %[[S:.*]] = arith.addf
// CHECK:           %[[Y:.*]] = arith.maximumf %[[S]]
// CHECK:           linalg.yield %[[Y]]
// CHECK-NOT:     linalg.generic
// CHECK:         return %[[R]]
func.func @chain(%a: tensor<?x8xf32>, %b: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %s = mlp.add %a, %b : tensor<?x8xf32>, tensor<?x8xf32> -> tensor<?x8xf32>
  %r = mlp.relu %s : tensor<?x8xf32> -> tensor<?x8xf32>
  return %r : tensor<?x8xf32>
}
