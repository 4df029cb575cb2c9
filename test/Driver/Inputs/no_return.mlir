// The function has no return.
func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
  %y = mlp.relu %x : tensor<2xf32> -> tensor<2xf32>
}
