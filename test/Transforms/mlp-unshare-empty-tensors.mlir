// RUN: mlpc-opt %s -mlp-unshare-empty-tensors -split-input-file | FileCheck %s
// RUN: mlpc-opt %s -mlp-unshare-empty-tensors -eliminate-empty-tensors -one-shot-bufferize="bufferize-function-boundaries=0" -split-input-file | FileCheck %s --check-prefix=BUF

// Two kernels (here a loop each, then an scf.index_switch like the dense
// kernel's leftover rows) whose destinations CSE merged into one
// tensor.empty, and a third op that reads both results. Each use gets its
// own tensor.empty, so each kernel its own buffer. (Without the pass, MLIR
// 22's One-Shot Bufferize gives both loops one buffer: the first loop's
// result, read through the scf.index_switch, is overwritten by the second.)

// CHECK-LABEL: func.func @two_kernels
// CHECK: %[[N:.*]] = tensor.dim
// CHECK: %[[E0:.*]] = tensor.empty(%[[N]]) : tensor<?x8xf32>
// CHECK-NEXT: %[[E1:.*]] = tensor.empty(%[[N]]) : tensor<?x8xf32>
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[E0]])
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[E1]])

// BUF-LABEL: func.func @two_kernels
// BUF: %[[A:.*]] = memref.alloc
// BUF: %[[B:.*]] = memref.alloc
// BUF: scf.for {{.*}} iter_args(%{{.*}} = %[[A]])
// BUF: scf.for {{.*}} iter_args(%{{.*}} = %[[B]])

func.func @two_kernels(%x: tensor<?x8xf32>, %out: tensor<?x8xf32> {bufferization.writable = true}) -> tensor<?x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %p = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x8xf32>
  %e = tensor.empty(%n) : tensor<?x8xf32>
  %a = scf.for %i = %c0 to %n step %c1 iter_args(%t = %e) -> (tensor<?x8xf32>) {
    %v = vector.transfer_read %x[%i, %c0], %p {in_bounds = [true]} : tensor<?x8xf32>, vector<8xf32>
    %w = arith.addf %v, %v : vector<8xf32>
    %t2 = vector.transfer_write %w, %t[%i, %c0] {in_bounds = [true]} : vector<8xf32>, tensor<?x8xf32>
    scf.yield %t2 : tensor<?x8xf32>
  }
  %as = scf.index_switch %c1 -> tensor<?x8xf32>
  case 1 {
    scf.yield %a : tensor<?x8xf32>
  }
  default {
    scf.yield %a : tensor<?x8xf32>
  }
  %b = scf.for %i = %c0 to %n step %c1 iter_args(%t = %e) -> (tensor<?x8xf32>) {
    %v = vector.transfer_read %x[%i, %c0], %p {in_bounds = [true]} : tensor<?x8xf32>, vector<8xf32>
    %w = arith.mulf %v, %v : vector<8xf32>
    %t2 = vector.transfer_write %w, %t[%i, %c0] {in_bounds = [true]} : vector<8xf32>, tensor<?x8xf32>
    scf.yield %t2 : tensor<?x8xf32>
  }
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%t = %out) -> (tensor<?x8xf32>) {
    %v = vector.transfer_read %as[%i, %c0], %p {in_bounds = [true]} : tensor<?x8xf32>, vector<8xf32>
    %u = vector.transfer_read %b[%i, %c0], %p {in_bounds = [true]} : tensor<?x8xf32>, vector<8xf32>
    %w = arith.subf %v, %u : vector<8xf32>
    %t2 = vector.transfer_write %w, %t[%i, %c0] {in_bounds = [true]} : vector<8xf32>, tensor<?x8xf32>
    scf.yield %t2 : tensor<?x8xf32>
  }
  return %r : tensor<?x8xf32>
}

// -----

// A tensor.empty with one use is left as it is.
// CHECK-LABEL: func.func @one_use
// CHECK-COUNT-1: tensor.empty
// CHECK-NOT: tensor.empty
func.func @one_use(%n: index) -> tensor<?x8xf32> {
  %e = tensor.empty(%n) : tensor<?x8xf32>
  return %e : tensor<?x8xf32>
}
