// RUN: mlpc-opt %s -mlp-lower-intrinsics | FileCheck %s

// Each mlp.intrinsic becomes the llvm.call_intrinsic it stands for, with
// its operands and result type.
// CHECK-LABEL: func.func @dot
// CHECK-SAME: (%[[A:.*]]: vector<16xi32>, %[[X:.*]]: vector<64xi8>, %[[W:.*]]: vector<64xi8>)
// CHECK: %[[R:.*]] = llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%[[A]], %[[X]], %[[W]]) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// CHECK-NOT: mlp.intrinsic
// CHECK: return %[[R]]
func.func @dot(%a: vector<16xi32>, %x: vector<64xi8>, %w: vector<64xi8>) -> vector<16xi32> {
  %0 = mlp.intrinsic "llvm.x86.avx512.vpdpbusd.512"(%a, %x, %w) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
  return %0 : vector<16xi32>
}
