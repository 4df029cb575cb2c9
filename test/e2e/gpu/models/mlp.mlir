// Every kind of GPU kernel: dense layers (one with gelu fused, one plain
// matmul with a transposed weight), an elementwise chain fusion could not
// absorb (a residual add and its relu), softmax over the feature axis,
// log_softmax over the batch axis, and a result that is an input (a copy).
func.func @mlp(%x: tensor<?x5xf32>) -> (tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x5xf32>) {
  %w1 = arith.constant dense<0.125> : tensor<5x8xf32>
  %b1 = arith.constant dense<[0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, -0.8]> : tensor<8xf32>
  %w2 = arith.constant dense<-0.25> : tensor<3x8xf32>
  %h = mlp.matmul %x, %w1 : tensor<?x5xf32>, tensor<5x8xf32> -> tensor<?x8xf32>
  %z = mlp.add %h, %b1 : tensor<?x8xf32>, tensor<8xf32> -> tensor<?x8xf32>
  %a = mlp.gelu %z : tensor<?x8xf32> -> tensor<?x8xf32>
  %r = mlp.matmul %a, %w2 {transpose_b = true} : tensor<?x8xf32>, tensor<3x8xf32> -> tensor<?x3xf32>
  %s = mlp.add %r, %r : tensor<?x3xf32>, tensor<?x3xf32> -> tensor<?x3xf32>
  %t = mlp.relu %s : tensor<?x3xf32> -> tensor<?x3xf32>
  %p = mlp.softmax %t {axis = 1} : tensor<?x3xf32> -> tensor<?x3xf32>
  %l = mlp.log_softmax %t {axis = 0} : tensor<?x3xf32> -> tensor<?x3xf32>
  return %p, %l, %x : tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x5xf32>
}
