// RUN: mlpc-opt %s -mlp-approximate-math | FileCheck %s

// exp, log, tanh and erf become arithmetic (no math.* op left, no libm
// call later), on vectors as on scalars; other math ops are untouched.

// CHECK-LABEL: func.func @vector_epilogue
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
// CHECK-NOT: math.erf
// CHECK: math.fma {{.*}} : vector<8xf32>
// CHECK: return
func.func @vector_epilogue(%x: vector<8xf32>) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>) {
  %e = math.exp %x : vector<8xf32>
  %t = math.tanh %x : vector<8xf32>
  %r = math.erf %x : vector<8xf32>
  return %e, %t, %r : vector<8xf32>, vector<8xf32>, vector<8xf32>
}

// CHECK-LABEL: func.func @scalar_softmax_parts
// CHECK-NOT: math.exp
// CHECK-NOT: math.log
// CHECK: %[[S:.*]] = math.sqrt
// CHECK: return %{{.*}}, %{{.*}}, %[[S]]
func.func @scalar_softmax_parts(%x: f32) -> (f32, f32, f32) {
  %e = math.exp %x : f32
  %l = math.log %x : f32
  %s = math.sqrt %x : f32
  return %e, %l, %s : f32, f32, f32
}

// -----

// With expand-fma (targets without FMA), every math.fma, the approximations'
// and those already in the input, becomes a multiply and an add.
// RUN: mlpc-opt %s -split-input-file -mlp-approximate-math=expand-fma=1 | FileCheck %s --check-prefix=NOFMA
// NOFMA-LABEL: func.func @expand_fma
// NOFMA-SAME: (%[[A:.*]]: vector<4xf32>, %[[B:.*]]: vector<4xf32>, %[[C:.*]]: vector<4xf32>)
// NOFMA-NOT: math.fma
// NOFMA: %[[P:.*]] = arith.mulf %[[A]], %[[B]] : vector<4xf32>
// NOFMA-NEXT: %[[Y:.*]] = arith.addf %[[P]], %[[C]] : vector<4xf32>
// NOFMA-NOT: math.fma
// NOFMA: return %[[Y]], %{{.*}}
func.func @expand_fma(%a: vector<4xf32>, %b: vector<4xf32>, %c: vector<4xf32>) -> (vector<4xf32>, vector<4xf32>) {
  %y = math.fma %a, %b, %c : vector<4xf32>
  %e = math.exp %a : vector<4xf32>
  return %y, %e : vector<4xf32>, vector<4xf32>
}
