// --emit=llvm prints weights of 64 KiB or more as the string of their
// bytes: LLVM would make and print a constant per float (minutes and GBs
// for a 100 MB model). Smaller constants stay arrays of floats. The printed
// IR compiles to the same read-only data as mlpc's own object.

// RUN: rm -rf %t && mkdir %t
// RUN: mlpc %s --emit=llvm -o %t/m.ll
// RUN: FileCheck %s < %t/m.ll
// RUN: mlpc -O0 %s --emit=llvm -o %t/o0.ll
// RUN: FileCheck %s --check-prefix=FLAT < %t/o0.ll
// 0.5 is 0x3F000000: bytes 00 00 00 3F ('?').
// CHECK-DAG: = private {{.*}}constant [65536 x i8] c"\00\00\00?\00\00\00?
// CHECK-DAG: = private {{.*}}constant [128 x float] [float 0.000000e+00, float 1.000000e+00
// RUN: llc -O3 -relocation-model=pic -filetype=obj %t/m.ll -o %t/printed.o
// RUN: mlpc %s -o %t/direct.o
// RUN: llvm-objcopy -O binary --only-section=.rodata %t/printed.o %t/printed.rodata
// RUN: llvm-objcopy -O binary --only-section=.rodata %t/direct.o %t/direct.rodata
// RUN: cmp %t/printed.rodata %t/direct.rodata
func.func @weights_64k(%x: tensor<?x128xf32>) -> tensor<?x128xf32> {
  %w = arith.constant dense<0.5> : tensor<128x128xf32>
  %b = arith.constant dense<[
    0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0,
    16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0,
    32.0, 33.0, 34.0, 35.0, 36.0, 37.0, 38.0, 39.0, 40.0, 41.0, 42.0, 43.0, 44.0, 45.0, 46.0, 47.0,
    48.0, 49.0, 50.0, 51.0, 52.0, 53.0, 54.0, 55.0, 56.0, 57.0, 58.0, 59.0, 60.0, 61.0, 62.0, 63.0,
    64.0, 65.0, 66.0, 67.0, 68.0, 69.0, 70.0, 71.0, 72.0, 73.0, 74.0, 75.0, 76.0, 77.0, 78.0, 79.0,
    80.0, 81.0, 82.0, 83.0, 84.0, 85.0, 86.0, 87.0, 88.0, 89.0, 90.0, 91.0, 92.0, 93.0, 94.0, 95.0,
    96.0, 97.0, 98.0, 99.0, 100.0, 101.0, 102.0, 103.0, 104.0, 105.0, 106.0, 107.0, 108.0, 109.0, 110.0, 111.0,
    112.0, 113.0, 114.0, 115.0, 116.0, 117.0, 118.0, 119.0, 120.0, 121.0, 122.0, 123.0, 124.0, 125.0, 126.0, 127.0]> : tensor<128xf32>
  %y = mlp.dense %x, %w, %b {activation = "relu"} : tensor<?x128xf32>, tensor<128x128xf32>, tensor<128xf32> -> tensor<?x128xf32>
  return %y : tensor<?x128xf32>
}

// Packed weights are one flat array, not nested arrays of panels and rows
// (LLVM would build a constant per 16-float row): [2][16][16] here, seen at
// -O0 (at -O3 LLVM folds the loads of these splat weights away).
// FLAT: = private constant [512 x float]
// FLAT-NOT: x [
func.func @weights_small(%x: tensor<?x16xf32>) -> tensor<?x32xf32> {
  %w = arith.constant dense<0.25> : tensor<16x32xf32>
  %b = arith.constant dense<0.0> : tensor<32xf32>
  %y = mlp.dense %x, %w, %b : tensor<?x16xf32>, tensor<16x32xf32>, tensor<32xf32> -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}
