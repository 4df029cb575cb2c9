// A bias of the wrong length.
func.func @f(%x: tensor<?x2xf32>) -> tensor<?x3xf32> {
  %w = arith.constant dense<1.0> : tensor<3x2xf32>
  %b = arith.constant dense<0.0> : tensor<4xf32>
  %y = mlp.dense %x, %w, %b {transpose_w = true} : tensor<?x2xf32>, tensor<3x2xf32>, tensor<4xf32> -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}
