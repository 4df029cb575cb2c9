// A call to a function declared without a body.
func.func private @block(%x: tensor<?x4xf32>) -> tensor<?x4xf32>
func.func @forward(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %a = func.call @block(%x) : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %a : tensor<?x4xf32>
}
