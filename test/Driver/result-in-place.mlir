// Every path of a dense layer writes the caller's result buffer in place,
// with no scratch buffer and no copy: mlpc's bufferization steps (entry
// points in destination-passing style, one destination per kernel,
// eliminate-empty-tensors, one-shot bufferize) after mlp-lower-dense, on
// the layers whose batch-size paths are chosen at run time. These paths were once branches of an scf.if that
// shared the result's tensor.empty; eliminate-empty-tensors then put one of
// them, which one varying from run to run, through scratch and a copy, so
// the same model compiled to different objects.

// RUN: mlpc-opt %s -mlp-lower-dense="tile-rows=2 tile-cols=8 vector-width=8" -mlp-entry-points -mlp-unshare-empty-tensors -eliminate-empty-tensors -one-shot-bufferize="bufferize-function-boundaries=0" -canonicalize -cse -canonicalize --mlir-elide-resource-strings-if-larger=64 | FileCheck %s

// 2 MiB of weights: column chunks of one wide tile below a row tile, of one
// panel above.
// CHECK-LABEL: func.func private @__mlpc_split(
// CHECK-SAME: %{{.*}}: memref<?x512xf32>, %[[OUT:.*]]: memref<?x1024xf32>)
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.copy
// CHECK: memref.subview %[[OUT]]
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.copy
// CHECK: memref.subview %[[OUT]]
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.copy
// CHECK: return
func.func @split(%x: tensor<?x512xf32>) -> tensor<?x1024xf32> {
  %w = arith.constant dense<0.5> : tensor<512x1024xf32>
  %b = arith.constant dense<0.0> : tensor<1024xf32>
  %y = mlp.dense %x, %w, %b : tensor<?x512xf32>, tensor<512x1024xf32>, tensor<1024xf32> -> tensor<?x1024xf32>
  return %y : tensor<?x1024xf32>
}

// 300 KiB: column chunks below a row tile, row tiles above.
// CHECK-LABEL: func.func private @__mlpc_small_batch_split(
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.copy
// CHECK: return
func.func @small_batch_split(%x: tensor<?x256xf32>) -> tensor<?x300xf32> {
  %w = arith.constant dense<0.5> : tensor<256x300xf32>
  %b = arith.constant dense<0.0> : tensor<300xf32>
  %y = mlp.dense %x, %w, %b : tensor<?x256xf32>, tensor<256x300xf32>, tensor<300xf32> -> tensor<?x300xf32>
  return %y : tensor<?x300xf32>
}

// 1 MiB with short panels: the small-batch chunks, or column groups.
// CHECK-LABEL: func.func private @__mlpc_grouped(
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.copy
// CHECK: return
func.func @grouped(%x: tensor<?x512xf32>) -> tensor<?x512xf32> {
  %w = arith.constant dense<0.5> : tensor<512x512xf32>
  %b = arith.constant dense<0.0> : tensor<512xf32>
  %y = mlp.dense %x, %w, %b : tensor<?x512xf32>, tensor<512x512xf32>, tensor<512xf32> -> tensor<?x512xf32>
  return %y : tensor<?x512xf32>
}
