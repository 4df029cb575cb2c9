// An op the mlp dialect does not have.
func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
  %y = "mlp.frobnicate"(%x) : (tensor<2xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}
