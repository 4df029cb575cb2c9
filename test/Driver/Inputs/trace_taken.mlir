// An entry point whose NAME_trace is taken (errors.test, --trace).
func.func @f(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %y = mlp.relu %x : tensor<?x2xf32> -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}
func.func @f_trace(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
