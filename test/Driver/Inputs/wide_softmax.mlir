// A 1000-class softmax on its own: rows wider than any register tile.
func.func @wide_softmax(%x: tensor<?x1000xf32>) -> tensor<?x1000xf32> {
  %p = mlp.softmax %x : tensor<?x1000xf32> -> tensor<?x1000xf32>
  return %p : tensor<?x1000xf32>
}
