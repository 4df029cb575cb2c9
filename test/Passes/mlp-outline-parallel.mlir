// RUN: mlpc-opt %s -mlp-outline-parallel -split-input-file -verify-diagnostics | FileCheck %s

// A parallel loop on buffers becomes a function over a range of its
// iterations (live-ins as arguments, constants cloned) and a call to its
// launch, which mlp-emit-c-abi defines after lowering to LLVM.

// CHECK-LABEL: func.func @kernel
// CHECK-SAME: (%[[IN:.*]]: memref<?x64xf32>, %[[OUT:.*]]: memref<?x64xf32>)
// CHECK-DAG: %[[N:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[DIM:.*]] = memref.dim %[[IN]]
// CHECK: call @kernel_par0_launch(%[[N]], %[[IN]], %[[DIM]], %[[OUT]]) : (index, memref<?x64xf32>, index, memref<?x64xf32>) -> ()
// CHECK-NOT: scf.forall
// CHECK: func.func private @kernel_par0(%[[B:.*]]: index, %[[E:.*]]: index, %[[I:.*]]: memref<?x64xf32>, %[[M:.*]]: index, %[[O:.*]]: memref<?x64xf32>)
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : index
// CHECK: scf.for %[[T:.*]] = %[[B]] to %[[E]] step %[[ONE]]
// CHECK: %[[J:.*]] = arith.muli %[[T]], %[[C16]]
// CHECK: memref.subview %[[I]][0, %[[J]]] [%[[M]], 16] [1, 1]
// CHECK: memref.subview %[[O]][0, %[[J]]] [%[[M]], 16] [1, 1]
// CHECK: memref.copy
// CHECK: func.func private @kernel_par0_launch(index, memref<?x64xf32>, index, memref<?x64xf32>)
// CHECK-SAME: attributes {mlpc.parallel_body = @kernel_par0, mlpc.task_flops = 4096 : i64}
func.func @kernel(%in: memref<?x64xf32>, %out: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %m = memref.dim %in, %c0 : memref<?x64xf32>
  scf.forall (%t) in (4) {
    %j = arith.muli %t, %c16 : index
    %a = memref.subview %in[0, %j] [%m, 16] [1, 1] : memref<?x64xf32> to memref<?x16xf32, strided<[64, 1], offset: ?>>
    %b = memref.subview %out[0, %j] [%m, 16] [1, 1] : memref<?x64xf32> to memref<?x16xf32, strided<[64, 1], offset: ?>>
    memref.copy %a, %b : memref<?x16xf32, strided<[64, 1], offset: ?>> to memref<?x16xf32, strided<[64, 1], offset: ?>>
  } {mlpc.task_flops = 4096 : i64}
  return
}

// -----

func.func @on_tensors(%t: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{mlp-outline-parallel: expected a 1-D scf.forall on buffers (after bufferization)}}
  %r = scf.forall (%i) in (8) shared_outs(%o = %t) -> tensor<8xf32> {
    %v = tensor.extract_slice %o[%i] [1] [1] : tensor<8xf32> to tensor<1xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %v into %o[%i] [1] [1] : tensor<1xf32> into tensor<8xf32>
    }
  }
  return %r : tensor<8xf32>
}
