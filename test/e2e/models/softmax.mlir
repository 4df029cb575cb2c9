// Softmax and log_softmax entry points over several axes and ranks.

func.func @softmax_rows(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %p = mlp.softmax %x : tensor<?x10xf32> -> tensor<?x10xf32>
  return %p : tensor<?x10xf32>
}

func.func @log_softmax_rows(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %p = mlp.log_softmax %x : tensor<?x10xf32> -> tensor<?x10xf32>
  return %p : tensor<?x10xf32>
}

// Axis 0 of a static [4, 6]: columns are normalized. batch must be 4.
func.func @softmax_axis0(%x: tensor<4x6xf32>) -> tensor<4x6xf32> {
  %p = mlp.softmax %x {axis = 0} : tensor<4x6xf32> -> tensor<4x6xf32>
  return %p : tensor<4x6xf32>
}

// The middle axis of a rank-3 tensor.
func.func @log_softmax_mid(%x: tensor<?x3x5xf32>) -> tensor<?x3x5xf32> {
  %p = "mlp.log_softmax"(%x) {axis = 1 : i64} : (tensor<?x3x5xf32>) -> tensor<?x3x5xf32>
  return %p : tensor<?x3x5xf32>
}

// Rows wider than a register tile: vector loops over 125 full AVX2 vectors
// (62.5 AVX-512 ones: a tail of 8).
func.func @softmax_wide(%x: tensor<?x1000xf32>) -> tensor<?x1000xf32> {
  %p = mlp.softmax %x : tensor<?x1000xf32> -> tensor<?x1000xf32>
  return %p : tensor<?x1000xf32>
}

func.func @log_softmax_wide(%x: tensor<?x1000xf32>) -> tensor<?x1000xf32> {
  %p = mlp.log_softmax %x : tensor<?x1000xf32> -> tensor<?x1000xf32>
  return %p : tensor<?x1000xf32>
}

// 45 = four AVX2 vectors taken at once, one vector more, and a tail of 5
// (AVX-512: two vectors and a tail of 13).
func.func @softmax_odd(%x: tensor<?x45xf32>) -> tensor<?x45xf32> {
  %p = mlp.softmax %x : tensor<?x45xf32> -> tensor<?x45xf32>
  return %p : tensor<?x45xf32>
}

// Rows narrower than one vector: only the tail.
func.func @softmax_narrow(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %p = mlp.softmax %x : tensor<?x3xf32> -> tensor<?x3xf32>
  return %p : tensor<?x3xf32>
}

// A single row of rank 1.
func.func @log_softmax_vector(%x: tensor<37xf32>) -> tensor<37xf32> {
  %p = mlp.log_softmax %x : tensor<37xf32> -> tensor<37xf32>
  return %p : tensor<37xf32>
}
