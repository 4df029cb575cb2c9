// A DAG that fusion must leave correct: a fan-out (the hidden layer is
// returned and also used), a residual add of two [?,4] values, and an
// activation on the sum. Two inputs, two outputs.
//   h = relu(x W1^T + b1)              (returned)
//   y = tanh(h W2^T + b2 + x) + bias   (residual, broadcast bias)
func.func @residual(%x: tensor<?x4xf32>, %bias: tensor<4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>) {
  %w1 = arith.constant dense<[[0.5, -0.2, 0.1, 0.0], [0.3, 0.8, -0.5, 0.2], [-0.7, 0.1, 0.4, 0.9], [0.2, 0.2, 0.2, -0.3]]> : tensor<4x4xf32>
  %b1 = arith.constant dense<[0.1, -0.1, 0.05, 0.0]> : tensor<4xf32>
  %w2 = arith.constant dense<[[1.0, 0.0, -1.0, 0.5], [0.25, -0.5, 0.75, 0.0], [0.0, 0.3, 0.3, 0.3], [-0.4, 0.6, 0.0, 0.1]]> : tensor<4x4xf32>
  %b2 = arith.constant dense<[0.0, 0.2, -0.2, 0.1]> : tensor<4xf32>
  %m1 = mlp.matmul %x, %w1 {transpose_b = true} : tensor<?x4xf32>, tensor<4x4xf32> -> tensor<?x4xf32>
  %z1 = mlp.add %m1, %b1 : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  %h = mlp.relu %z1 : tensor<?x4xf32> -> tensor<?x4xf32>
  %m2 = mlp.matmul %h, %w2 {transpose_b = true} : tensor<?x4xf32>, tensor<4x4xf32> -> tensor<?x4xf32>
  %z2 = mlp.add %m2, %b2 : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  %s = mlp.add %z2, %x : tensor<?x4xf32>, tensor<?x4xf32> -> tensor<?x4xf32>
  %t = mlp.tanh %s : tensor<?x4xf32> -> tensor<?x4xf32>
  %y = mlp.add %t, %bias : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x4xf32>
  return %h, %y : tensor<?x4xf32>, tensor<?x4xf32>
}
