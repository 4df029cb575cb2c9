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

// With a planned scratch buffer, the wrapper computes its size, takes it
// from the stack when small or from malloc otherwise, returns
// MLPC_ERR_OUT_OF_MEMORY (3) when malloc fails, and frees it.
// RUN: mlpc-opt %s -mlp-entry-points -one-shot-bufferize -mlp-plan-scratch -convert-to-llvm -reconcile-unrealized-casts -mlp-emit-c-abi | FileCheck %s --check-prefix=SCRATCH
// SCRATCH-LABEL: llvm.func @scratch(
// SCRATCH: %[[BYTES:.*]] = llvm.call @__mlpc_scratch_scratch_bytes(
// SCRATCH: %[[LIMIT:.*]] = llvm.mlir.constant(16384 : i64)
// SCRATCH: llvm.icmp "ule" %[[BYTES]], %[[LIMIT]]
// SCRATCH: llvm.alloca %[[BYTES]] x i8 {alignment = 64 : i64}
// SCRATCH: %[[HEAP:.*]] = llvm.call @malloc(%[[BYTES]])
// SCRATCH: llvm.icmp "eq" %[[HEAP]]
// SCRATCH: llvm.mlir.constant(3 : i32)
// SCRATCH: llvm.call @__mlpc_scratch(
// SCRATCH: llvm.call @free(
func.func @scratch(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %c0 = arith.constant 0 : index
  %d = tensor.dim %x, %c0 : tensor<?x3xf32>
  %e = tensor.empty(%d) : tensor<?x3xf32>
  %a = linalg.add ins(%x, %x : tensor<?x3xf32>, tensor<?x3xf32>) outs(%e : tensor<?x3xf32>) -> tensor<?x3xf32>
  %e2 = tensor.empty(%d) : tensor<?x3xf32>
  %b = linalg.mul ins(%a, %x : tensor<?x3xf32>, tensor<?x3xf32>) outs(%e2 : tensor<?x3xf32>) -> tensor<?x3xf32>
  return %b : tensor<?x3xf32>
}
