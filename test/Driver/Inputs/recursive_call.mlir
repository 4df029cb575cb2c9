// A model function that calls itself: calls are inlined, so this is refused.
func.func private @block(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %r = mlp.relu %x : tensor<?x4xf32> -> tensor<?x4xf32>
  %y = func.call @block(%r) : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
func.func @forward(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %a = func.call @block(%x) : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %a : tensor<?x4xf32>
}
