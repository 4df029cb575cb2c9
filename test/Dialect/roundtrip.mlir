// RUN: mlpc-opt %s | FileCheck %s
// RUN: mlpc-opt %s | mlpc-opt | FileCheck %s
// RUN: mlpc-opt -mlir-print-op-generic %s | mlpc-opt | FileCheck %s

// The generic form parses and means the same as the pretty form; default
// attribute values are elided when printed.

// CHECK-LABEL: func.func @generic_form
// CHECK-SAME: (%[[X:.*]]: tensor<?x784xf32>, %[[W:.*]]: tensor<128x784xf32>, %[[B:.*]]: tensor<128xf32>)
func.func @generic_form(%x: tensor<?x784xf32>, %w1: tensor<128x784xf32>, %b1: tensor<128xf32>) -> tensor<?x128xf32> {
  // CHECK: %[[H:.*]] = mlp.matmul %[[X]], %[[W]] {transpose_b = true} : tensor<?x784xf32>, tensor<128x784xf32> -> tensor<?x128xf32>
  %h = "mlp.matmul"(%x, %w1) {transpose_b = true} : (tensor<?x784xf32>, tensor<128x784xf32>) -> tensor<?x128xf32>
  // CHECK: %[[Z:.*]] = mlp.add %[[H]], %[[B]] : tensor<?x128xf32>, tensor<128xf32> -> tensor<?x128xf32>
  %z = "mlp.add"(%h, %b1) : (tensor<?x128xf32>, tensor<128xf32>) -> tensor<?x128xf32>
  // CHECK: %[[A:.*]] = mlp.relu %[[Z]] : tensor<?x128xf32> -> tensor<?x128xf32>
  %a = "mlp.relu"(%z) : (tensor<?x128xf32>) -> tensor<?x128xf32>
  // CHECK: return %[[A]]
  return %a : tensor<?x128xf32>
}

// CHECK-LABEL: func.func @all_ops
func.func @all_ops(%x: tensor<4x8xf32>, %w: tensor<8x3xf32>, %b: tensor<3xf32>) -> tensor<4x3xf32> {
  // CHECK: mlp.matmul %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<8x3xf32> -> tensor<4x3xf32>
  %m = mlp.matmul %x, %w : tensor<4x8xf32>, tensor<8x3xf32> -> tensor<4x3xf32>
  // CHECK: mlp.sigmoid
  %s = mlp.sigmoid %m : tensor<4x3xf32> -> tensor<4x3xf32>
  // CHECK: mlp.tanh
  %t = mlp.tanh %s : tensor<4x3xf32> -> tensor<4x3xf32>
  // CHECK: mlp.gelu %{{.*}} : tensor<4x3xf32>
  %g = "mlp.gelu"(%t) {approximate = "none"} : (tensor<4x3xf32>) -> tensor<4x3xf32>
  // CHECK: mlp.gelu %{{.*}} {approximate = "tanh"}
  %g2 = mlp.gelu %g {approximate = "tanh"} : tensor<4x3xf32> -> tensor<4x3xf32>
  // CHECK: mlp.leaky_relu %{{.*}} {alpha = 2.000000e-01 : f32}
  %l = "mlp.leaky_relu"(%g2) {alpha = 0.2 : f32} : (tensor<4x3xf32>) -> tensor<4x3xf32>
  // CHECK: mlp.softmax %{{.*}} {axis = 0 : i64}
  %p = "mlp.softmax"(%l) {axis = 0 : i64} : (tensor<4x3xf32>) -> tensor<4x3xf32>
  // CHECK: mlp.log_softmax %{{.*}} : tensor<4x3xf32>
  %q = mlp.log_softmax %p {axis = -1} : tensor<4x3xf32> -> tensor<4x3xf32>
  // CHECK: mlp.dense %{{.*}}, %{{.*}}, %{{.*}} {activation = "leaky_relu", alpha = 1.000000e-01 : f32}
  %d = "mlp.dense"(%x, %w, %b) {activation = "leaky_relu", alpha = 0.1 : f32} : (tensor<4x8xf32>, tensor<8x3xf32>, tensor<3xf32>) -> tensor<4x3xf32>
  // CHECK: mlp.add %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<4x3xf32> -> tensor<4x3xf32>
  %r = mlp.add %d, %q : tensor<4x3xf32>, tensor<4x3xf32> -> tensor<4x3xf32>
  return %r : tensor<4x3xf32>
}

// The work of a parallel loop's iteration, as mlp-lower-dense states it.
// CHECK-LABEL: func.func @task_flops
// CHECK-SAME: (%[[F:.*]]: index)
// CHECK: scf.forall
// CHECK-NEXT: mlp.task_flops %[[F]]
func.func @task_flops(%flops: index) {
  scf.forall (%i) in (2) {
    "mlp.task_flops"(%flops) : (index) -> ()
  }
  return
}

// The ops the ONNX frontend translates to, in their custom form.
// CHECK-LABEL: func.func @imported_ops
func.func @imported_ops(%x: tensor<?x12xf32>, %c: tensor<12xf32>) -> (tensor<?x12xf32>, tensor<?x1xf32>, tensor<?x4x3xf32>, tensor<12x?xf32>, tensor<?x24xf32>) {
  // CHECK: mlp.sub %{{.*}}, %{{.*}} : tensor<?x12xf32>, tensor<12xf32> -> tensor<?x12xf32>
  %0 = mlp.sub %x, %c : tensor<?x12xf32>, tensor<12xf32> -> tensor<?x12xf32>
  // CHECK: mlp.mul
  %1 = mlp.mul %0, %c : tensor<?x12xf32>, tensor<12xf32> -> tensor<?x12xf32>
  // CHECK: mlp.div
  %2 = mlp.div %1, %c : tensor<?x12xf32>, tensor<12xf32> -> tensor<?x12xf32>
  // CHECK: mlp.pow
  %3 = mlp.pow %2, %c : tensor<?x12xf32>, tensor<12xf32> -> tensor<?x12xf32>
  // CHECK: mlp.prelu
  %4 = mlp.prelu %3, %c : tensor<?x12xf32>, tensor<12xf32> -> tensor<?x12xf32>
  // CHECK: mlp.elu %{{.*}} {alpha = 5.000000e-01 : f32}
  %5 = mlp.elu %4 {alpha = 0.5 : f32} : tensor<?x12xf32> -> tensor<?x12xf32>
  // CHECK: mlp.selu %{{.*}} : tensor<?x12xf32>
  %6 = mlp.selu %5 : tensor<?x12xf32> -> tensor<?x12xf32>
  // CHECK: mlp.softplus
  %7 = mlp.softplus %6 : tensor<?x12xf32> -> tensor<?x12xf32>
  // CHECK: mlp.silu
  %8 = mlp.silu %7 : tensor<?x12xf32> -> tensor<?x12xf32>
  // CHECK: mlp.hard_swish
  %9 = mlp.hard_swish %8 : tensor<?x12xf32> -> tensor<?x12xf32>
  // CHECK: mlp.hard_sigmoid %{{.*}} {alpha = 0.166666672 : f32}
  %10 = mlp.hard_sigmoid %9 {alpha = 0.166666672 : f32} : tensor<?x12xf32> -> tensor<?x12xf32>
  // CHECK: mlp.clip %{{.*}} {max = 6.000000e+00 : f32, min = 0.000000e+00 : f32}
  %11 = mlp.clip %10 {min = 0.0 : f32, max = 6.0 : f32} : tensor<?x12xf32> -> tensor<?x12xf32>
  // CHECK: mlp.erf
  // CHECK: mlp.exp
  // CHECK: mlp.log
  // CHECK: mlp.neg
  // CHECK: mlp.sqrt
  %12 = mlp.erf %11 : tensor<?x12xf32> -> tensor<?x12xf32>
  %13 = mlp.exp %12 : tensor<?x12xf32> -> tensor<?x12xf32>
  %14 = mlp.log %13 : tensor<?x12xf32> -> tensor<?x12xf32>
  %15 = mlp.neg %14 : tensor<?x12xf32> -> tensor<?x12xf32>
  %16 = mlp.sqrt %15 : tensor<?x12xf32> -> tensor<?x12xf32>
  // CHECK: mlp.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 1.000000e-03 : f32}
  %17 = mlp.layer_norm %16, %c, %c {epsilon = 1.0e-3 : f32} : tensor<?x12xf32>, tensor<12xf32>, tensor<12xf32> -> tensor<?x12xf32>
  // CHECK: mlp.batch_norm
  %18 = mlp.batch_norm %17, %c, %c, %c, %c : tensor<?x12xf32>, tensor<12xf32>, tensor<12xf32>, tensor<12xf32>, tensor<12xf32> -> tensor<?x12xf32>
  // CHECK: mlp.reduce_mean %{{.*}} {axes = array<i64: 1>} : tensor<?x12xf32> -> tensor<?x1xf32>
  %19 = mlp.reduce_mean %18 {axes = array<i64: 1>} : tensor<?x12xf32> -> tensor<?x1xf32>
  // CHECK: mlp.reshape %{{.*}} : tensor<?x12xf32> -> tensor<?x4x3xf32>
  %20 = mlp.reshape %18 : tensor<?x12xf32> -> tensor<?x4x3xf32>
  // CHECK: mlp.transpose %{{.*}} {permutation = array<i64: 1, 0>}
  %21 = mlp.transpose %18 {permutation = array<i64: 1, 0>} : tensor<?x12xf32> -> tensor<12x?xf32>
  // CHECK: mlp.concat %{{.*}}, %{{.*}} {axis = 1 : i64} : tensor<?x12xf32>, tensor<?x12xf32> -> tensor<?x24xf32>
  %22 = mlp.concat %18, %x {axis = 1} : tensor<?x12xf32>, tensor<?x12xf32> -> tensor<?x24xf32>
  return %18, %19, %20, %21, %22 : tensor<?x12xf32>, tensor<?x1xf32>, tensor<?x4x3xf32>, tensor<12x?xf32>, tensor<?x24xf32>
}

// Narrow weights: bf16, and i8 with one scale per output; keep_f32 on f32
// layers; the kernels' target instructions.
// CHECK-LABEL: func.func @narrow
func.func @narrow(%x: tensor<?x4xf32>, %wb: tensor<4x2xbf16>, %wq: tensor<2x4xi8>, %w: tensor<4x2xf32>, %b: tensor<2xf32>, %s: tensor<2xf32>, %v: vector<8xi32>, %p: vector<32xi8>) -> (tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, vector<8xi32>) {
  // CHECK: mlp.dense %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x4xf32>, tensor<4x2xbf16>, tensor<2xf32> -> tensor<?x2xf32>
  %0 = mlp.dense %x, %wb, %b : tensor<?x4xf32>, tensor<4x2xbf16>, tensor<2xf32> -> tensor<?x2xf32>
  // CHECK: mlp.dense %{{.*}}, %{{.*}}, %{{.*}} w_scale(%{{.*}} : tensor<2xf32>) {activation = "relu", transpose_w = true} : tensor<?x4xf32>, tensor<2x4xi8>, tensor<2xf32> -> tensor<?x2xf32>
  %1 = mlp.dense %x, %wq, %b w_scale(%s : tensor<2xf32>) {activation = "relu", transpose_w = true} : tensor<?x4xf32>, tensor<2x4xi8>, tensor<2xf32> -> tensor<?x2xf32>
  // CHECK: mlp.dense {{.*}} {keep_f32}
  %2 = mlp.dense %x, %w, %b {keep_f32} : tensor<?x4xf32>, tensor<4x2xf32>, tensor<2xf32> -> tensor<?x2xf32>
  // CHECK: mlp.matmul {{.*}} {keep_f32}
  %3 = mlp.matmul %x, %w {keep_f32} : tensor<?x4xf32>, tensor<4x2xf32> -> tensor<?x2xf32>
  // CHECK: mlp.intrinsic "llvm.x86.avx512.vpdpbusd.256"(%{{.*}}, %{{.*}}, %{{.*}}) : (vector<8xi32>, vector<32xi8>, vector<32xi8>) -> vector<8xi32>
  %4 = mlp.intrinsic "llvm.x86.avx512.vpdpbusd.256"(%v, %p, %p) : (vector<8xi32>, vector<32xi8>, vector<32xi8>) -> vector<8xi32>
  return %0, %1, %2, %3, %4 : tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, vector<8xi32>
}

// CHECK-LABEL: func.func @losses
// CHECK-SAME: (%[[X:.*]]: tensor<?x10xf32>, %[[T:.*]]: tensor<?xi32>, %[[P:.*]]: tensor<?x10xf32>)
func.func @losses(%x: tensor<?x10xf32>, %t: tensor<?xi32>, %p: tensor<?x10xf32>)
    -> (tensor<?xf32>, tensor<1xf32>, tensor<?xf32>, tensor<1xf32>, tensor<?xf32>, tensor<?xf32>) {
  // CHECK: %[[CE:.*]] = mlp.cross_entropy %[[X]], %[[T]] : tensor<?x10xf32>, tensor<?xi32> -> tensor<?xf32>
  %ce = mlp.cross_entropy %x, %t : tensor<?x10xf32>, tensor<?xi32> -> tensor<?xf32>
  // CHECK: %[[CEP:.*]] = mlp.cross_entropy %[[X]], %[[P]] {reduction = "mean"} : tensor<?x10xf32>, tensor<?x10xf32> -> tensor<1xf32>
  %cep = mlp.cross_entropy %x, %p {reduction = "mean"} : tensor<?x10xf32>, tensor<?x10xf32> -> tensor<1xf32>
  // CHECK: %[[NLL:.*]] = mlp.nll_loss %[[X]], %[[T]] : tensor<?x10xf32>, tensor<?xi32> -> tensor<?xf32>
  %nll = mlp.nll_loss %x, %t : tensor<?x10xf32>, tensor<?xi32> -> tensor<?xf32>
  // CHECK: %[[BCE:.*]] = mlp.bce_with_logits %[[X]], %[[P]] {reduction = "sum"} : tensor<?x10xf32>, tensor<?x10xf32> -> tensor<1xf32>
  %bce = mlp.bce_with_logits %x, %p {reduction = "sum"} : tensor<?x10xf32>, tensor<?x10xf32> -> tensor<1xf32>
  // CHECK: %[[MSE:.*]] = mlp.mse_loss %[[X]], %[[P]] : tensor<?x10xf32>, tensor<?x10xf32> -> tensor<?xf32>
  %mse = mlp.mse_loss %x, %p {reduction = "none"} : tensor<?x10xf32>, tensor<?x10xf32> -> tensor<?xf32>
  // CHECK: %[[NLLP:.*]] = mlp.nll_loss %[[X]], %[[P]] : tensor<?x10xf32>, tensor<?x10xf32> -> tensor<?xf32>
  %nllp = mlp.nll_loss %x, %p : tensor<?x10xf32>, tensor<?x10xf32> -> tensor<?xf32>
  // CHECK: return %[[CE]], %[[CEP]], %[[NLL]], %[[BCE]], %[[MSE]], %[[NLLP]]
  return %ce, %cep, %nll, %bce, %mse, %nllp : tensor<?xf32>, tensor<1xf32>, tensor<?xf32>, tensor<1xf32>, tensor<?xf32>, tensor<?xf32>
}
