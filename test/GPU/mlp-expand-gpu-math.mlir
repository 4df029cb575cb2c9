// RUN: mlpc-opt %s -mlp-expand-gpu-math | FileCheck %s

// What the polynomial approximations leave in a GPU kernel, expanded so
// that convert-gpu-to-nvvm has no libdevice call to make.

// CHECK-LABEL: func.func @fma
// CHECK-SAME: (%[[A:.*]]: f32, %[[B:.*]]: f32, %[[C:.*]]: f32)
// CHECK: %[[R:.*]] = llvm.intr.fma(%[[A]], %[[B]], %[[C]]) : (f32, f32, f32) -> f32
// CHECK: return %[[R]]
func.func @fma(%a: f32, %b: f32, %c: f32) -> f32 {
  %r = math.fma %a, %b, %c : f32
  return %r : f32
}

// The sign bit cleared.
// CHECK-LABEL: func.func @absf
// CHECK-SAME: (%[[X:.*]]: f32)
// CHECK-DAG: %[[MASK:.*]] = arith.constant 2147483647 : i32
// CHECK-DAG: %[[BITS:.*]] = arith.bitcast %[[X]] : f32 to i32
// CHECK: %[[CLEARED:.*]] = arith.andi %[[BITS]], %[[MASK]] : i32
// CHECK: %[[R:.*]] = arith.bitcast %[[CLEARED]] : i32 to f32
// CHECK: return %[[R]]
func.func @absf(%x: f32) -> f32 {
  %r = math.absf %x : f32
  return %r : f32
}

// Truncation through i32, minus one where it rounded up; values of
// magnitude 2^23 or more (and NaN) are passed through.
// CHECK-LABEL: func.func @floor
// CHECK-SAME: (%[[X:.*]]: f32)
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG: %[[BIG:.*]] = arith.constant 0x4B000000 : f32
// CHECK: %[[I:.*]] = arith.fptosi %[[X]] : f32 to i32
// CHECK: %[[T:.*]] = arith.sitofp %[[I]] : i32 to f32
// CHECK: %[[UP:.*]] = arith.cmpf ogt, %[[T]], %[[X]] : f32
// CHECK: %[[DOWN:.*]] = arith.subf %[[T]], %[[ONE]] : f32
// CHECK: %[[FLOOR:.*]] = arith.select %[[UP]], %[[DOWN]], %[[T]] : f32
// CHECK: %[[SMALL:.*]] = arith.cmpf olt, %{{.*}}, %[[BIG]] : f32
// CHECK: %[[R:.*]] = arith.select %[[SMALL]], %[[FLOOR]], %[[X]] : f32
// CHECK: return %[[R]]
// CHECK-NOT: math.
func.func @floor(%x: f32) -> f32 {
  %r = math.floor %x : f32
  return %r : f32
}
