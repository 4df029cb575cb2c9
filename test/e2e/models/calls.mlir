// A model written with a function for its repeated block: mlpc inlines
// every call. @blocks calls @residual_block twice (which calls @dense_relu);
// @blocks_written_out is the same model without calls. Both give the same
// bits, and match y = r(r(x, W1, b1), W2, b2), r(x, W, b) = relu(x W^T + b
// + x).
func.func private @dense_relu(%x: tensor<?x4xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>, %r: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %m = mlp.matmul %x, %w {transpose_b = true} : tensor<?x4xf32>, tensor<4x4xf32> -> tensor<?x4xf32>
  %z = mlp.add %m, %b : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  %s = mlp.add %z, %r : tensor<?x4xf32>, tensor<?x4xf32> -> tensor<?x4xf32>
  %y = mlp.relu %s : tensor<?x4xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
func.func private @residual_block(%x: tensor<?x4xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>) -> tensor<?x4xf32> {
  %y = func.call @dense_relu(%x, %w, %b, %x) : (tensor<?x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
func.func @blocks(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %w1 = arith.constant dense<[[0.5, -0.2, 0.1, 0.0], [0.3, 0.8, -0.5, 0.2], [-0.7, 0.1, 0.4, 0.9], [0.2, 0.2, 0.2, -0.3]]> : tensor<4x4xf32>
  %b1 = arith.constant dense<[0.1, -0.1, 0.05, 0.0]> : tensor<4xf32>
  %w2 = arith.constant dense<[[1.0, 0.0, -1.0, 0.5], [0.25, -0.5, 0.75, 0.0], [0.0, 0.3, 0.3, 0.3], [-0.4, 0.6, 0.0, 0.1]]> : tensor<4x4xf32>
  %b2 = arith.constant dense<[0.0, 0.2, -0.2, 0.1]> : tensor<4xf32>
  %h = func.call @residual_block(%x, %w1, %b1) : (tensor<?x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  %y = func.call @residual_block(%h, %w2, %b2) : (tensor<?x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
func.func @blocks_written_out(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %w1 = arith.constant dense<[[0.5, -0.2, 0.1, 0.0], [0.3, 0.8, -0.5, 0.2], [-0.7, 0.1, 0.4, 0.9], [0.2, 0.2, 0.2, -0.3]]> : tensor<4x4xf32>
  %b1 = arith.constant dense<[0.1, -0.1, 0.05, 0.0]> : tensor<4xf32>
  %w2 = arith.constant dense<[[1.0, 0.0, -1.0, 0.5], [0.25, -0.5, 0.75, 0.0], [0.0, 0.3, 0.3, 0.3], [-0.4, 0.6, 0.0, 0.1]]> : tensor<4x4xf32>
  %b2 = arith.constant dense<[0.0, 0.2, -0.2, 0.1]> : tensor<4xf32>
  %m1 = mlp.matmul %x, %w1 {transpose_b = true} : tensor<?x4xf32>, tensor<4x4xf32> -> tensor<?x4xf32>
  %z1 = mlp.add %m1, %b1 : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  %s1 = mlp.add %z1, %x : tensor<?x4xf32>, tensor<?x4xf32> -> tensor<?x4xf32>
  %h = mlp.relu %s1 : tensor<?x4xf32> -> tensor<?x4xf32>
  %m2 = mlp.matmul %h, %w2 {transpose_b = true} : tensor<?x4xf32>, tensor<4x4xf32> -> tensor<?x4xf32>
  %z2 = mlp.add %m2, %b2 : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  %s2 = mlp.add %z2, %h : tensor<?x4xf32>, tensor<?x4xf32> -> tensor<?x4xf32>
  %y = mlp.relu %s2 : tensor<?x4xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
