// RUN: mlpc-opt %s -mlp-entry-points -one-shot-bufferize -canonicalize -mlp-plan-scratch -split-input-file | FileCheck %s

// The intermediates of a kernel (three: without eliminate-empty-tensors
// the last one is copied out) become views into one scratch argument, at
// 64-byte aligned offsets computed from the batch; a size function with the
// kernel's arguments returns the total.

// CHECK-LABEL: func.func private @__mlpc_chain_scratch_bytes
// CHECK-SAME: (%[[IN:.*]]: memref<?x10xf32>, %[[OUT:.*]]: memref<?x10xf32>) -> index
// CHECK: %[[B:.*]] = memref.dim %[[IN]]
// CHECK: %[[BYTES:.*]] = arith.muli %{{.*}}, %[[B]]
// CHECK: %[[UP:.*]] = arith.addi %[[BYTES]], %{{.*}}
// CHECK: arith.andi %[[UP]], %{{.*}}
// CHECK: return

// CHECK-LABEL: func.func private @__mlpc_chain
// CHECK-SAME: (%{{.*}}: memref<?x10xf32>, %{{.*}}: memref<?x10xf32>, %[[S:.*]]: memref<?xi8>)
// For mlpc --stats, each buffer's bytes without the batch and whether the
// batch multiplies them; per batch row: 3 x (10 floats + 64 bytes of
// alignment slack).
// CHECK-SAME: mlpc.scratch_plan = array<i64: 40, 1, 40, 1, 40, 1>
// CHECK-SAME: mlpc.scratch_row_bytes = 312
// CHECK-NOT: memref.alloc
// CHECK: memref.view %[[S]][%{{.*}}][%{{.*}}] : memref<?xi8> to memref<?x10xf32>
// CHECK: memref.view %[[S]][%{{.*}}][%{{.*}}] : memref<?xi8> to memref<?x10xf32>
// CHECK: memref.view %[[S]][%{{.*}}][%{{.*}}] : memref<?xi8> to memref<?x10xf32>
// CHECK-NOT: memref.alloc
func.func @chain(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %c0 = arith.constant 0 : index
  %d = tensor.dim %x, %c0 : tensor<?x10xf32>
  %e0 = tensor.empty(%d) : tensor<?x10xf32>
  %f = arith.constant 1.0 : f32
  %a = linalg.fill ins(%f : f32) outs(%e0 : tensor<?x10xf32>) -> tensor<?x10xf32>
  %e1 = tensor.empty(%d) : tensor<?x10xf32>
  %b = linalg.add ins(%a, %x : tensor<?x10xf32>, tensor<?x10xf32>) outs(%e1 : tensor<?x10xf32>) -> tensor<?x10xf32>
  %e2 = tensor.empty(%d) : tensor<?x10xf32>
  %c = linalg.mul ins(%b, %a : tensor<?x10xf32>, tensor<?x10xf32>) outs(%e2 : tensor<?x10xf32>) -> tensor<?x10xf32>
  return %c : tensor<?x10xf32>
}

// -----

// An allocation inside a loop is not planned; the kernel is left as it is.
// CHECK-LABEL: func.func private @__mlpc_in_loop
// CHECK-NOT: memref<?xi8>
// CHECK: scf.for
// CHECK: memref.alloc
func.func @in_loop(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %r = scf.for %i = %c0 to %c3 step %c1 iter_args(%t = %x) -> tensor<4xf32> {
    %e = tensor.empty() : tensor<4xf32>
    %s = linalg.add ins(%t, %t : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
    %u = linalg.mul ins(%s, %t : tensor<4xf32>, tensor<4xf32>) outs(%t : tensor<4xf32>) -> tensor<4xf32>
    scf.yield %u : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}
