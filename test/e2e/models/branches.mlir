// Two branches from the input, both alive until they join: each kernel
// must write its own buffer. With one tensor.empty shared by both (after
// CSE), MLIR 22's One-Shot Bufferize missed the conflict through the
// kernels' scf.index_switch (their leftover rows) and gave both one buffer.
//   a = tanh(x W1^T + b1), b = relu(x W2^T + b2)
//   y = sigmoid(a W2^T + b1 + b)       (b as a residual)
//   s = a + b                          (the branches added)
func.func @branches(%x: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>) {
  %w1 = arith.constant dense<[[0.5, -0.2, 0.1, 0.0], [0.3, 0.8, -0.5, 0.2], [-0.7, 0.1, 0.4, 0.9], [0.2, 0.2, 0.2, -0.3]]> : tensor<4x4xf32>
  %b1 = arith.constant dense<[0.1, -0.1, 0.05, 0.0]> : tensor<4xf32>
  %w2 = arith.constant dense<[[1.0, 0.0, -1.0, 0.5], [0.25, -0.5, 0.75, 0.0], [0.0, 0.3, 0.3, 0.3], [-0.4, 0.6, 0.0, 0.1]]> : tensor<4x4xf32>
  %b2 = arith.constant dense<[0.0, 0.2, -0.2, 0.1]> : tensor<4xf32>
  %m1 = mlp.matmul %x, %w1 {transpose_b = true} : tensor<?x4xf32>, tensor<4x4xf32> -> tensor<?x4xf32>
  %z1 = mlp.add %m1, %b1 : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  %a = mlp.tanh %z1 : tensor<?x4xf32> -> tensor<?x4xf32>
  %m2 = mlp.matmul %x, %w2 {transpose_b = true} : tensor<?x4xf32>, tensor<4x4xf32> -> tensor<?x4xf32>
  %z2 = mlp.add %m2, %b2 : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  %b = mlp.relu %z2 : tensor<?x4xf32> -> tensor<?x4xf32>
  %m3 = mlp.matmul %a, %w2 {transpose_b = true} : tensor<?x4xf32>, tensor<4x4xf32> -> tensor<?x4xf32>
  %z3 = mlp.add %m3, %b1 : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  %r = mlp.add %z3, %b : tensor<?x4xf32>, tensor<?x4xf32> -> tensor<?x4xf32>
  %y = mlp.sigmoid %r : tensor<?x4xf32> -> tensor<?x4xf32>
  %s = mlp.add %a, %b : tensor<?x4xf32>, tensor<?x4xf32> -> tensor<?x4xf32>
  return %y, %s : tensor<?x4xf32>, tensor<?x4xf32>
}
