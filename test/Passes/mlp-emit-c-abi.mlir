// RUN: mlpc-opt %s -mlp-entry-points -one-shot-bufferize -convert-to-llvm -reconcile-unrealized-casts -mlp-emit-c-abi | FileCheck %s

// The kernel becomes internal; the public wrapper checks its pointers and
// the batch, and calls the kernel with memref descriptors built from them.

// CHECK: llvm.func internal @__mlpc_model(
// CHECK-LABEL: llvm.func @model(
// CHECK-SAME: %[[IN:.*]]: !llvm.ptr, %[[OUT:.*]]: !llvm.ptr, %[[BATCH:.*]]: i64) -> i32
// CHECK: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK: llvm.icmp "eq" %[[IN]], %[[NULL]]
// CHECK: llvm.icmp "eq" %[[OUT]], %[[NULL]]
// CHECK: %[[ONE:.*]] = llvm.mlir.constant(1 : i64)
// CHECK: llvm.icmp "slt" %[[BATCH]], %[[ONE]]
// Batch limit: INT64_MAX / (4 bytes * 3 floats per row).
// CHECK: llvm.mlir.constant(768614336404564650 : i64)
// CHECK: llvm.cond_br %{{.*}}, ^[[NULLBB:.*]], ^[[BATCHBB:.*]]
// CHECK: llvm.call @__mlpc_model(%[[IN]], %[[IN]], %{{.*}}, %[[BATCH]], %{{.*}}, %{{.*}}, %{{.*}}, %[[OUT]], %[[OUT]], %{{.*}}, %[[BATCH]],
// CHECK: llvm.return
// CHECK: ^[[BATCHBB]]:
// CHECK: llvm.cond_br
// CHECK: ^[[NULLBB]]:
// CHECK-NEXT: %[[C1:.*]] = llvm.mlir.constant(1 : i32)
// CHECK-NEXT: llvm.return %[[C1]]
// CHECK: llvm.mlir.constant(2 : i32)
func.func @model(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  return %x : tensor<?x3xf32>
}

// A fully static entry: batch must equal the static leading dimension.
// CHECK-LABEL: llvm.func @fixed(
// CHECK: %[[FOUR:.*]] = llvm.mlir.constant(4 : i64)
// CHECK: llvm.icmp "ne" %{{.*}}, %[[FOUR]]
func.func @fixed(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  return %x : tensor<4x3xf32>
}
