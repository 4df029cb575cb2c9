// The worked example of the seed texts: 2 -> 3 (relu) -> 1 (sigmoid).
// x = [0.5, 0.8] gives z = -0.063 and sigmoid(z) = 0.484255.
func.func @tiny_emulated(%x: tensor<?x2xf32>) -> tensor<?x1xf32> {
  %w1 = arith.constant dense<[[0.2, -0.3], [0.4, 0.1], [-0.5, 0.6]]> : tensor<3x2xf32>
  %b1 = arith.constant dense<[0.1, -0.2, 0.0]> : tensor<3xf32>
  %w2 = arith.constant dense<[[0.7, -0.4, 0.3]]> : tensor<1x3xf32>
  %b2 = arith.constant dense<[-0.1]> : tensor<1xf32>
  %h = "mlp.matmul"(%x, %w1) {transpose_b = true} : (tensor<?x2xf32>, tensor<3x2xf32>) -> tensor<?x3xf32>
  %z = "mlp.add"(%h, %b1) : (tensor<?x3xf32>, tensor<3xf32>) -> tensor<?x3xf32>
  %a = "mlp.relu"(%z) : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %h2 = "mlp.matmul"(%a, %w2) {transpose_b = true} : (tensor<?x3xf32>, tensor<1x3xf32>) -> tensor<?x1xf32>
  %z2 = "mlp.add"(%h2, %b2) : (tensor<?x1xf32>, tensor<1xf32>) -> tensor<?x1xf32>
  %y = "mlp.sigmoid"(%z2) : (tensor<?x1xf32>) -> tensor<?x1xf32>
  return %y : tensor<?x1xf32>
}
