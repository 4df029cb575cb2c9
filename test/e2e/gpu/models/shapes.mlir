// The data-movement and normalization ops on the GPU (compiled at -O0, so
// that batch_norm stays an op): a transpose there and back, a concat, a
// mean over the features, a batch norm of a matrix.
func.func @shapes(%x: tensor<?x3xf32>, %y: tensor<?x2xf32>) -> (tensor<?x5xf32>, tensor<?x1xf32>, tensor<?x3xf32>) {
  %s = arith.constant dense<[1.0, 2.0, -0.5]> : tensor<3xf32>
  %b = arith.constant dense<[0.1, 0.0, -0.2]> : tensor<3xf32>
  %m = arith.constant dense<[0.5, -1.0, 0.0]> : tensor<3xf32>
  %v = arith.constant dense<[1.0, 4.0, 0.25]> : tensor<3xf32>
  %t = mlp.transpose %x {permutation = array<i64: 1, 0>} : tensor<?x3xf32> -> tensor<3x?xf32>
  %u = mlp.transpose %t {permutation = array<i64: 1, 0>} : tensor<3x?xf32> -> tensor<?x3xf32>
  %c = mlp.concat %u, %y {axis = 1} : tensor<?x3xf32>, tensor<?x2xf32> -> tensor<?x5xf32>
  %mean = mlp.reduce_mean %c {axes = array<i64: -1>} : tensor<?x5xf32> -> tensor<?x1xf32>
  %bn = mlp.batch_norm %x, %s, %b, %m, %v {epsilon = 0.0 : f32} : tensor<?x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32> -> tensor<?x3xf32>
  return %c, %mean, %bn : tensor<?x5xf32>, tensor<?x1xf32>, tensor<?x3xf32>
}
