// RUN: mlpc-opt %s -mlp-outline-parallel -split-input-file -verify-diagnostics | FileCheck %s

// A parallel loop on buffers becomes a function over a range of its
// iterations (live-ins as arguments, constants cloned) and a call to its
// launch, which mlp-emit-c-abi defines after lowering to LLVM. The work the
// loop states per iteration (mlp.task_flops) goes to the launch, after the
// iteration count, and not into the function.

// CHECK-LABEL: func.func @kernel
// CHECK-SAME: (%[[IN:.*]]: memref<?x64xf32>, %[[OUT:.*]]: memref<?x64xf32>)
// CHECK: %[[DIM:.*]] = memref.dim %[[IN]]
// CHECK: %[[FLOPS:.*]] = arith.muli %[[DIM]], %{{.*}} : index
// CHECK: %[[N:.*]] = arith.constant 4 : index
// CHECK: call @kernel_par0_launch(%[[N]], %[[FLOPS]], %[[IN]], %[[DIM]], %[[OUT]]) : (index, index, memref<?x64xf32>, index, memref<?x64xf32>) -> ()
// CHECK-NOT: scf.forall
// CHECK: func.func private @kernel_par0(%[[B:.*]]: index, %[[E:.*]]: index, %[[I:.*]]: memref<?x64xf32>, %[[M:.*]]: index, %[[O:.*]]: memref<?x64xf32>)
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : index
// CHECK: scf.for %[[T:.*]] = %[[B]] to %[[E]] step %[[ONE]]
// CHECK-NOT: mlp.task_flops
// CHECK: %[[J:.*]] = arith.muli %[[T]], %[[C16]]
// CHECK: memref.subview %[[I]][0, %[[J]]] [%[[M]], 16] [1, 1]
// CHECK: memref.subview %[[O]][0, %[[J]]] [%[[M]], 16] [1, 1]
// CHECK: memref.copy
// CHECK: func.func private @kernel_par0_launch(index, index, memref<?x64xf32>, index, memref<?x64xf32>)
// CHECK-SAME: attributes {mlpc.parallel_body = @kernel_par0}
func.func @kernel(%in: memref<?x64xf32>, %out: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %m = memref.dim %in, %c0 : memref<?x64xf32>
  %flops = arith.muli %m, %c32 : index
  scf.forall (%t) in (4) {
    mlp.task_flops %flops
    %j = arith.muli %t, %c16 : index
    %a = memref.subview %in[0, %j] [%m, 16] [1, 1] : memref<?x64xf32> to memref<?x16xf32, strided<[64, 1], offset: ?>>
    %b = memref.subview %out[0, %j] [%m, 16] [1, 1] : memref<?x64xf32> to memref<?x16xf32, strided<[64, 1], offset: ?>>
    memref.copy %a, %b : memref<?x16xf32, strided<[64, 1], offset: ?>> to memref<?x16xf32, strided<[64, 1], offset: ?>>
  }
  return
}

// -----

// A loop that states no work gets 0 (unknown, which the runtime takes as
// large).

// CHECK-LABEL: func.func @unknown_work
// CHECK-DAG: %[[N:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK: call @unknown_work_par0_launch(%[[N]], %[[ZERO]], %{{.*}}) : (index, index, memref<8xf32>) -> ()
func.func @unknown_work(%buf: memref<8xf32>) {
  %one = arith.constant 1.0 : f32
  scf.forall (%i) in (8) {
    memref.store %one, %buf[%i] : memref<8xf32>
  }
  return
}

// -----

func.func @stated_twice(%buf: memref<8xf32>, %flops: index) {
  scf.forall (%i) in (8) {
    mlp.task_flops %flops
    // expected-error @+1 {{mlp-outline-parallel: a loop states its work once; remove the second mlp.task_flops}}
    mlp.task_flops %flops
  }
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
