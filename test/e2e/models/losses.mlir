// Every loss op, per row and reduced, for LossTest.cpp: logits [B, 5].

func.func @ce_index(%x: tensor<?x5xf32>, %t: tensor<?xi32>) -> tensor<?xf32> {
  %l = mlp.cross_entropy %x, %t : tensor<?x5xf32>, tensor<?xi32> -> tensor<?xf32>
  return %l : tensor<?xf32>
}

func.func @ce_index_mean(%x: tensor<?x5xf32>, %t: tensor<?xi32>) -> tensor<1xf32> {
  %l = mlp.cross_entropy %x, %t {reduction = "mean"} : tensor<?x5xf32>, tensor<?xi32> -> tensor<1xf32>
  return %l : tensor<1xf32>
}

func.func @ce_prob(%x: tensor<?x5xf32>, %p: tensor<?x5xf32>) -> tensor<?xf32> {
  %l = mlp.cross_entropy %x, %p : tensor<?x5xf32>, tensor<?x5xf32> -> tensor<?xf32>
  return %l : tensor<?xf32>
}

func.func @ce_prob_sum(%x: tensor<?x5xf32>, %p: tensor<?x5xf32>) -> tensor<1xf32> {
  %l = mlp.cross_entropy %x, %p {reduction = "sum"} : tensor<?x5xf32>, tensor<?x5xf32> -> tensor<1xf32>
  return %l : tensor<1xf32>
}

func.func @nll_index(%x: tensor<?x5xf32>, %t: tensor<?xi32>) -> tensor<?xf32> {
  %l = mlp.nll_loss %x, %t : tensor<?x5xf32>, tensor<?xi32> -> tensor<?xf32>
  return %l : tensor<?xf32>
}

func.func @bce(%x: tensor<?x5xf32>, %y: tensor<?x5xf32>) -> tensor<?xf32> {
  %l = mlp.bce_with_logits %x, %y : tensor<?x5xf32>, tensor<?x5xf32> -> tensor<?xf32>
  return %l : tensor<?xf32>
}

func.func @bce_mean(%x: tensor<?x5xf32>, %y: tensor<?x5xf32>) -> tensor<1xf32> {
  %l = mlp.bce_with_logits %x, %y {reduction = "mean"} : tensor<?x5xf32>, tensor<?x5xf32> -> tensor<1xf32>
  return %l : tensor<1xf32>
}

func.func @mse(%x: tensor<?x5xf32>, %y: tensor<?x5xf32>) -> tensor<?xf32> {
  %l = mlp.mse_loss %x, %y : tensor<?x5xf32>, tensor<?x5xf32> -> tensor<?xf32>
  return %l : tensor<?xf32>
}

func.func @mse_sum(%x: tensor<?x5xf32>, %y: tensor<?x5xf32>) -> tensor<1xf32> {
  %l = mlp.mse_loss %x, %y {reduction = "sum"} : tensor<?x5xf32>, tensor<?x5xf32> -> tensor<1xf32>
  return %l : tensor<1xf32>
}

// A model's logits and the loss of them, as mlpc-export --loss writes:
// the prediction and the loss from one call, the logits computed once.
func.func @classifier_loss(%x: tensor<?x3xf32>, %t: tensor<?xi32>) -> (tensor<?x5xf32>, tensor<1xf32>) {
  %w = arith.constant dense<[[0.5, -1.0, 2.0], [1.5, 0.25, -0.5], [-2.0, 1.0, 0.0], [0.0, 0.5, 0.5], [1.0, 1.0, -1.0]]> : tensor<5x3xf32>
  %b = arith.constant dense<[0.1, -0.2, 0.3, 0.0, -0.1]> : tensor<5xf32>
  %z = mlp.dense %x, %w, %b {transpose_w = true} : tensor<?x3xf32>, tensor<5x3xf32>, tensor<5xf32> -> tensor<?x5xf32>
  %l = mlp.cross_entropy %z, %t {reduction = "mean"} : tensor<?x5xf32>, tensor<?xi32> -> tensor<1xf32>
  return %z, %l : tensor<?x5xf32>, tensor<1xf32>
}
