// RUN: mlpc-opt %s -mlp-emit-gpu-host -split-input-file -verify-diagnostics | FileCheck %s

// The gpu.binary, kernel names and weights become one mlpc_gpu_program;
// the host function becomes __mlpc_NAME_gpu, which loads the program
// (once, in the runtime), allocates the intermediate on the stream,
// launches with memref descriptors as parameters and checks every status.
// NAME and NAME_device check pointers and batch first.

// CHECK-DAG: llvm.mlir.global internal constant @__mlpc_gpu_ptx("//ptx\00")
// CHECK-DAG: llvm.mlir.global internal constant @__mlpc_gpu_cubin("\7FELF")
// CHECK-DAG: llvm.mlir.global internal constant @__mlpc_gpu_kernel_name0("two_dense0\00")
// CHECK-DAG: llvm.mlir.global internal constant @__mlpc_two_w0(dense<5.000000e-01> : tensor<4x8xf32>) {{.*}} : !llvm.array<4 x array<8 x f32>>
// CHECK-DAG: llvm.mlir.global internal constant @__mlpc_gpu_weight_bytes(dense<128> : tensor<1xi64>)
// CHECK-LABEL: llvm.mlir.global internal @__mlpc_gpu_program()
// CHECK: llvm.mlir.addressof @__mlpc_gpu_ptx
// CHECK: llvm.mlir.addressof @__mlpc_gpu_cubin
// CHECK: llvm.mlir.constant(80 : i32)

// CHECK-LABEL: llvm.func internal @__mlpc_two_gpu(
// CHECK-SAME: %[[BUFS:.*]]: !llvm.ptr, %[[BATCH:.*]]: i64, %[[STREAM:.*]]: !llvm.ptr) -> i32
// CHECK: %[[LOAD:.*]] = llvm.call @mlpc_gpu_load
// CHECK: llvm.cond_br %{{.*}}, ^[[FAIL:.*]](%[[LOAD]] : i32), ^
// Any failure: free what is live, return the status.
// CHECK: ^[[FAIL]](%[[STATUS:.*]]: i32):
// CHECK: llvm.call @mlpc_gpu_free
// CHECK: llvm.return %[[STATUS]] : i32
// CHECK: %[[W:.*]] = llvm.call @mlpc_gpu_weight(%{{.*}}, %{{.*}})
// CHECK: %[[ALLOC:.*]] = llvm.call @mlpc_gpu_alloc(%{{.*}}, %{{.*}}, %[[STREAM]], %{{.*}})
// CHECK: %[[L0:.*]] = llvm.call @mlpc_gpu_launch
// CHECK: llvm.cond_br %{{.*}}, ^[[FAIL]](%[[L0]] : i32), ^
// CHECK: %[[L1:.*]] = llvm.call @mlpc_gpu_launch
// CHECK: llvm.call @mlpc_gpu_free
// CHECK: llvm.return %{{.*}} : i32

// CHECK-LABEL: llvm.func @two_device(
// CHECK-SAME: %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: i64, %[[S:.*]]: !llvm.ptr) -> i32
// CHECK: llvm.call @__mlpc_two_gpu(%{{.*}}, %{{.*}}, %[[S]])
// CHECK-LABEL: llvm.func @two(
// CHECK-SAME: %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: i64) -> i32
// CHECK: llvm.mlir.constant(1 : i32)
// CHECK: llvm.mlir.constant(2 : i32)
// CHECK: llvm.call @mlpc_gpu_run_host
// CHECK-NOT: gpu.
module attributes {gpu.container_module} {
  memref.global "private" constant @__mlpc_two_w0 : memref<4x8xf32> = dense<0.5>
  func.func private @__mlpc_two(%x: memref<?x4xf32>, %y: memref<?x8xf32>, %batch: index)
      attributes {mlpc.arg_shapes = [array<i64: -9223372036854775808, 4>], mlpc.entry_name = "two",
                  mlpc.result_shapes = [array<i64: -9223372036854775808, 8>]} {
    %c1 = arith.constant 1 : index
    %c16 = arith.constant 16 : index
    %c64 = arith.constant 64 : index
    %w = memref.get_global @__mlpc_two_w0 : memref<4x8xf32>
    %h = memref.alloc(%batch) : memref<?x8xf32>
    %gx = arith.ceildivui %batch, %c64 : index
    gpu.launch_func @__mlpc_kernels::@two_dense0 blocks in (%gx, %c1, %c1) threads in (%c16, %c16, %c1)
        args(%x : memref<?x4xf32>, %w : memref<4x8xf32>, %h : memref<?x8xf32>, %batch : index)
    gpu.launch_func @__mlpc_kernels::@two_copy1 blocks in (%gx, %c1, %c1) threads in (%c16, %c16, %c1)
        args(%h : memref<?x8xf32>, %y : memref<?x8xf32>, %batch : index)
    memref.dealloc %h : memref<?x8xf32>
    return
  }
  gpu.binary @__mlpc_kernels [#gpu.object<#nvvm.target<chip = "sm_80">, assembly = "//ptx">,
                              #gpu.object<#nvvm.target<chip = "sm_80">, bin = "\7FELF">]
}

// -----

// expected-error @+1 {{mlp-emit-gpu-host: expected one gpu.binary (from mlp-lower-to-gpu and gpu-module-to-binary), found 0}}
module {
}
