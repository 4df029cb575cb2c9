// RUN: mlpc-opt %s -mlp-entry-points | FileCheck %s

// Each public entry becomes a private destination-passing kernel: inputs
// are read-only views of the caller's buffers, results are written into
// trailing memref arguments, and the original shapes are recorded.

// CHECK-LABEL: func.func private @__mlpc_two_outputs
// CHECK-SAME: (%[[IN:.*]]: memref<?x3xf32>, %[[OUT0:.*]]: memref<?x3xf32>, %[[OUT1:.*]]: memref<2xf32>)
// CHECK-SAME: mlpc.arg_shapes = [array<i64: -9223372036854775808, 3>]
// CHECK-SAME: mlpc.entry_name = "two_outputs"
// CHECK-SAME: mlpc.result_shapes = [array<i64: -9223372036854775808, 3>, array<i64: 2>]
// CHECK: %[[X:.*]] = bufferization.to_tensor %[[IN]] restrict : memref<?x3xf32> to tensor<?x3xf32>
// CHECK: %[[R:.*]] = mlp.relu %[[X]]
// CHECK: bufferization.materialize_in_destination %[[R]] in restrict writable %[[OUT0]]
// CHECK: bufferization.materialize_in_destination %{{.*}} in restrict writable %[[OUT1]]
// CHECK: return{{$}}
func.func @two_outputs(%x: tensor<?x3xf32>) -> (tensor<?x3xf32>, tensor<2xf32>) {
  %r = mlp.relu %x : tensor<?x3xf32> -> tensor<?x3xf32>
  %c = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  return %r, %c : tensor<?x3xf32>, tensor<2xf32>
}

// A loss's class indices: their count goes on the kernel, one value per
// argument (0: not indices), for the wrapper to check them.
// CHECK-LABEL: func.func private @__mlpc_indexed
// CHECK-SAME: (%{{.*}}: memref<?x3xf32>, %{{.*}}: memref<?xi32>, %{{.*}}: memref<?x3xf32>)
// CHECK-SAME: mlpc.class_counts = array<i64: 0, 3>
func.func @indexed(%x: tensor<?x3xf32>, %t: tensor<?xi32> {mlpc.class_count = 3 : i64}) -> tensor<?x3xf32> {
  return %x : tensor<?x3xf32>
}

// Private functions are not entry points and stay as they are.
// CHECK-LABEL: func.func private @helper(%{{.*}}: tensor<2xf32>) -> tensor<2xf32>
func.func private @helper(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}
