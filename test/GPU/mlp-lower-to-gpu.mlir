// RUN: mlpc-opt %s -mlp-lower-to-gpu -split-input-file -verify-diagnostics | FileCheck %s

// A dense layer becomes one kernel: x and w staged in shared memory tiles
// ([16][64] each) between barriers, FMAs into 16 accumulators per thread,
// then bias and relu applied to each accumulator before its only store.
// The host function launches ceil(batch / 64) x ceil(N / 64) blocks of
// 16x16 threads on the caller's buffers, weights from memref.globals.

// CHECK-DAG: memref.global "private" constant @[[W:__mlpc_layer_w0]] : memref<4x8xf32>
// CHECK-DAG: memref.global "private" constant @[[B:__mlpc_layer_w1]] : memref<8xf32>
// CHECK-LABEL: func.func private @__mlpc_layer
// CHECK-SAME: (%[[X:.*]]: memref<?x4xf32>, %[[Y:.*]]: memref<?x8xf32>, %[[BATCH:.*]]: index)
// CHECK-SAME: mlpc.entry_name = "layer"
// CHECK-DAG: %[[WV:.*]] = memref.get_global @[[W]]
// CHECK-DAG: %[[BV:.*]] = memref.get_global @[[B]]
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK: %[[GX:.*]] = arith.ceildivui %[[BATCH]], %[[C64]]
// CHECK: gpu.launch_func @__mlpc_kernels::@layer_dense0 blocks in (%[[GX]], %{{.*}}, %{{.*}}) threads in (%[[C16]], %[[C16]], %{{.*}}) args(%[[X]] : memref<?x4xf32>, %[[WV]] : memref<4x8xf32>, %[[BV]] : memref<8xf32>, %[[Y]] : memref<?x8xf32>, %[[BATCH]] : index)
// CHECK-NEXT: return

// CHECK: gpu.module @__mlpc_kernels
// CHECK: gpu.func @layer_dense0(%[[KX:.*]]: memref<?x4xf32>, %[[KW:.*]]: memref<4x8xf32>, %[[KB:.*]]: memref<8xf32>, %[[KY:.*]]: memref<?x8xf32>, %{{.*}}: index) workgroup(%[[XS:.*]] : memref<16x64xf32, #gpu.address_space<workgroup>>, %[[WS:.*]] : memref<16x64xf32, #gpu.address_space<workgroup>>) kernel
// CHECK: %[[ACC:.*]]:16 = scf.for
// CHECK: memref.load %[[KX]]
// CHECK: memref.store %{{.*}}, %[[XS]]
// CHECK: memref.load %[[KW]]
// CHECK: memref.store %{{.*}}, %[[WS]]
// CHECK: gpu.barrier
// CHECK: scf.for
// CHECK: memref.load %[[XS]]
// CHECK: memref.load %[[WS]]
// CHECK: math.fma
// CHECK: gpu.barrier
// The epilogue, on the accumulators: bias, relu, store.
// CHECK: scf.if
// CHECK-NEXT: %[[BIAS:.*]] = memref.load %[[KB]]
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[ACC]]#0, %[[BIAS]]
// CHECK: %[[ACT:.*]] = arith.maximumf %[[SUM]]
// CHECK-NEXT: memref.store %[[ACT]], %[[KY]]
func.func @layer(%x: tensor<?x4xf32>) -> tensor<?x8xf32> {
  %w = arith.constant dense<0.5> : tensor<4x8xf32>
  %b = arith.constant dense<0.25> : tensor<8xf32>
  %y = mlp.dense %x, %w, %b {activation = "relu"} : tensor<?x4xf32>, tensor<4x8xf32>, tensor<8xf32> -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// A residual add and its activation, which fusion into mlp.dense cannot
// absorb, become one elementwise kernel (one thread per element), not two.
// The intermediate product lives in a memref.alloc, freed at the end.

// CHECK-LABEL: func.func private @__mlpc_residual
// CHECK-SAME: (%[[X:.*]]: memref<?x8xf32>, %[[Y:.*]]: memref<?x8xf32>, %[[BATCH:.*]]: index)
// CHECK: %[[H:.*]] = memref.alloc(%[[BATCH]]) : memref<?x8xf32>
// CHECK: gpu.launch_func @__mlpc_kernels::@residual_matmul0 {{.*}} args(%[[X]] : {{.*}}, %[[H]] : memref<?x8xf32>, %[[BATCH]] : index)
// CHECK: gpu.launch_func @__mlpc_kernels::@residual_elementwise1 {{.*}} threads in (%[[C256:.*]], %{{.*}}, %{{.*}}) args(%[[H]] : memref<?x8xf32>, %[[X]] : memref<?x8xf32>, %[[Y]] : memref<?x8xf32>, %[[BATCH]] : index)
// CHECK-NOT: gpu.launch_func
// CHECK: memref.dealloc %[[H]]
// CHECK: gpu.func @residual_elementwise1
// CHECK: %[[A:.*]] = memref.load
// CHECK: %[[B:.*]] = memref.load
// CHECK: %[[S:.*]] = arith.addf %[[A]], %[[B]]
// CHECK: %[[T:.*]] = math.tanh %[[S]]
// CHECK: memref.store %[[T]]
func.func @residual(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %w = arith.constant dense<0.5> : tensor<8x8xf32>
  %h = mlp.matmul %x, %w : tensor<?x8xf32>, tensor<8x8xf32> -> tensor<?x8xf32>
  %s = mlp.add %h, %x : tensor<?x8xf32>, tensor<?x8xf32> -> tensor<?x8xf32>
  %t = mlp.tanh %s : tensor<?x8xf32> -> tensor<?x8xf32>
  return %t : tensor<?x8xf32>
}

// -----

// Softmax: a warp per row (blocks of 32 x 4 threads, 4 rows each), the max
// and then the sum of exp(x - max) reduced with xor shuffles; results go
// straight to the caller's buffer. A result that is an input is copied.

// CHECK-LABEL: func.func private @__mlpc_head
// CHECK-SAME: (%[[X:.*]]: memref<?x10xf32>, %[[P:.*]]: memref<?x10xf32>, %[[COPY:.*]]: memref<?x10xf32>, %[[BATCH:.*]]: index)
// CHECK: gpu.launch_func @__mlpc_kernels::@head_softmax0 {{.*}} args(%[[X]] : memref<?x10xf32>, %[[P]] : memref<?x10xf32>, %[[BATCH]] : index)
// CHECK: gpu.launch_func @__mlpc_kernels::@head_copy1 {{.*}} args(%[[X]] : memref<?x10xf32>, %[[COPY]] : memref<?x10xf32>, %[[BATCH]] : index)
// CHECK: gpu.func @head_softmax0
// CHECK-SAME: known_block_size = array<i32: 32, 4, 1>
// exp(x - max) is the CPU's in-place exp for arguments <= 0 (2^n from a
// float addition's bits), not math.exp.
// CHECK: arith.maximumf
// CHECK-COUNT-5: gpu.shuffle xor
// CHECK-NOT: math.exp
// CHECK: arith.shli
// CHECK-COUNT-5: gpu.shuffle xor
// CHECK-NOT: math.exp
// CHECK: arith.shli
// CHECK: arith.divf
func.func @head(%x: tensor<?x10xf32>) -> (tensor<?x10xf32>, tensor<?x10xf32>) {
  %p = mlp.softmax %x : tensor<?x10xf32> -> tensor<?x10xf32>
  return %p, %x : tensor<?x10xf32>, tensor<?x10xf32>
}

// -----

func.func @unsupported(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{mlpc --target=nvptx cannot lower 'tensor.empty'}}
  %e = tensor.empty() : tensor<3x4xf32>
  return %x : tensor<?x4xf32>
}

// -----

// A reshape within batch rows is a copy kernel (read and written at the
// same flat index); layer_norm is one warp per row, as softmax; sub is an
// elementwise kernel like add.
// CHECK-LABEL: func.func private @__mlpc_norm
// CHECK-SAME: (%[[X:.*]]: memref<?x2x3xf32>, %[[Y:.*]]: memref<?x6xf32>, %[[BATCH:.*]]: index)
// CHECK: %[[F:.*]] = memref.alloc(%[[BATCH]]) : memref<?x6xf32>
// CHECK: gpu.launch_func @__mlpc_kernels::@norm_reshape0 {{.*}} args(%[[X]] : memref<?x2x3xf32>, %[[F]] : memref<?x6xf32>, %[[BATCH]] : index)
// CHECK: %[[N:.*]] = memref.alloc(%[[BATCH]]) : memref<?x6xf32>
// CHECK: gpu.launch_func @__mlpc_kernels::@norm_layer_norm1 {{.*}} threads in (%{{.*}}, %{{.*}}, %{{.*}}) args(%[[F]] : memref<?x6xf32>, %{{.*}} : memref<6xf32>, %{{.*}} : memref<f32>, %[[N]] : memref<?x6xf32>, %[[BATCH]] : index)
// CHECK: gpu.launch_func @__mlpc_kernels::@norm_elementwise2 {{.*}} args(%[[N]] : memref<?x6xf32>, %{{.*}} : memref<6xf32>, %[[Y]] : memref<?x6xf32>, %[[BATCH]] : index)
// CHECK: gpu.func @norm_reshape0
// CHECK: gpu.func @norm_layer_norm1(%[[LX:.*]]: memref<?x6xf32>, %[[LS:.*]]: memref<6xf32>, %[[LB:.*]]: memref<f32>, %[[LY:.*]]: memref<?x6xf32>, %{{.*}}: index)
// CHECK-COUNT-10: gpu.shuffle xor
// CHECK: math.sqrt
// CHECK: memref.load %[[LB]][] : memref<f32>
// CHECK: gpu.func @norm_elementwise2
// CHECK: arith.subf
func.func @norm(%x: tensor<?x2x3xf32>) -> tensor<?x6xf32> {
  %g = arith.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]> : tensor<6xf32>
  %b = arith.constant dense<0.5> : tensor<f32>
  %f = mlp.reshape %x : tensor<?x2x3xf32> -> tensor<?x6xf32>
  %n = mlp.layer_norm %f, %g, %b : tensor<?x6xf32>, tensor<6xf32>, tensor<f32> -> tensor<?x6xf32>
  %y = mlp.sub %n, %g : tensor<?x6xf32>, tensor<6xf32> -> tensor<?x6xf32>
  return %y : tensor<?x6xf32>
}

// -----

// A reshape that folds the batch into rows is the CPU target's only.
func.func @fold_batch(%x: tensor<?x12xf32>) -> tensor<?x12xf32> {
  // expected-error @+1 {{mlpc --target=nvptx: this reshape moves the batch out of the leading dimension ('tensor<?x12xf32>' -> 'tensor<?x4xf32>'); the GPU target reshapes only within each batch row}}
  %0 = mlp.reshape %x : tensor<?x12xf32> -> tensor<?x4xf32>
  %1 = mlp.reshape %0 : tensor<?x4xf32> -> tensor<?x12xf32>
  return %1 : tensor<?x12xf32>
}

// -----

func.func @batch_norm_3d(%x: tensor<?x2x3xf32>, %s: tensor<2xf32>) -> tensor<?x2x3xf32> {
  // expected-error @+1 {{mlpc --target=nvptx cannot lower 'mlp.batch_norm' yet; the GPU target supports dense layers and matmuls, softmax and log_softmax, layer_norm, reduce_mean, transpose, concat, batch_norm of matrices, reshapes within batch rows, the elementwise ops, and tensor constants (compile for the CPU, which supports every mlp op)}}
  %0 = mlp.batch_norm %x, %s, %s, %s, %s : tensor<?x2x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32> -> tensor<?x2x3xf32>
  return %0 : tensor<?x2x3xf32>
}

// -----

// transpose, concat and reduce_mean: one thread per output element, the
// result's index mapped to the operands'.
// CHECK-LABEL: func.func private @__mlpc_gather
// CHECK: %[[T:.*]] = memref.alloc(%{{.*}}) : memref<3x?xf32>
// CHECK: gpu.launch_func @__mlpc_kernels::@gather_transpose0
// CHECK: gpu.launch_func @__mlpc_kernels::@gather_transpose1 {{.*}} args(%[[T]] : memref<3x?xf32>
// CHECK: gpu.launch_func @__mlpc_kernels::@gather_concat2
// CHECK: gpu.launch_func @__mlpc_kernels::@gather_reduce_mean3
// CHECK: gpu.func @gather_transpose0
// CHECK: gpu.func @gather_concat2
// CHECK-COUNT-2: memref.load
// CHECK: arith.cmpi sge
// CHECK: arith.select
// CHECK: gpu.func @gather_reduce_mean3
// CHECK: scf.for
// CHECK: arith.addf
// CHECK: arith.uitofp
// CHECK: arith.divf
func.func @gather(%x: tensor<?x3xf32>, %y: tensor<?x2xf32>) -> (tensor<?x5xf32>, tensor<?x1xf32>) {
  %t = mlp.transpose %x {permutation = array<i64: 1, 0>} : tensor<?x3xf32> -> tensor<3x?xf32>
  %u = mlp.transpose %t {permutation = array<i64: 1, 0>} : tensor<3x?xf32> -> tensor<?x3xf32>
  %c = mlp.concat %u, %y {axis = 1} : tensor<?x3xf32>, tensor<?x2xf32> -> tensor<?x5xf32>
  %m = mlp.reduce_mean %c {axes = array<i64: 1>} : tensor<?x5xf32> -> tensor<?x1xf32>
  return %c, %m : tensor<?x5xf32>, tensor<?x1xf32>
}
