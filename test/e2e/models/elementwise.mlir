// Each activation applied to the raw input, one output each, so that the
// tests can feed extreme values straight into the activation code.
func.func @activations(%x: tensor<?x16xf32>) -> (tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>) {
  %r = mlp.relu %x : tensor<?x16xf32> -> tensor<?x16xf32>
  %s = mlp.sigmoid %x : tensor<?x16xf32> -> tensor<?x16xf32>
  %t = mlp.tanh %x : tensor<?x16xf32> -> tensor<?x16xf32>
  %g = mlp.gelu %x : tensor<?x16xf32> -> tensor<?x16xf32>
  %gt = mlp.gelu %x {approximate = "tanh"} : tensor<?x16xf32> -> tensor<?x16xf32>
  %l = mlp.leaky_relu %x {alpha = 0.1 : f32} : tensor<?x16xf32> -> tensor<?x16xf32>
  return %r, %s, %t, %g, %gt, %l : tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>
}
