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
