// %z is used before it is defined.
func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
  %y = mlp.relu %z : tensor<2xf32> -> tensor<2xf32>
  %z = mlp.relu %x : tensor<2xf32> -> tensor<2xf32>
  return %y : tensor<2xf32>
}
