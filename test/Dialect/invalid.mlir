// RUN: mlpc-opt %s -split-input-file -verify-diagnostics

func.func @contraction_mismatch(%x: tensor<?x784xf32>, %w: tensor<128x700xf32>) -> tensor<?x128xf32> {
  // expected-error @+1 {{contraction dimensions differ: lhs [?, 784] has K = 784 but rhs [128, 700] has K = 700 (with transpose_b = true, rhs is read as [N, K])}}
  %h = "mlp.matmul"(%x, %w) {transpose_b = true} : (tensor<?x784xf32>, tensor<128x700xf32>) -> tensor<?x128xf32>
  return %h : tensor<?x128xf32>
}

// -----

func.func @contraction_hint(%x: tensor<?x784xf32>, %w: tensor<128x784xf32>) -> tensor<?x784xf32> {
  // expected-error @+1 {{set transpose_b = true if it is stored [N, K] as in PyTorch}}
  %h = mlp.matmul %x, %w : tensor<?x784xf32>, tensor<128x784xf32> -> tensor<?x784xf32>
  return %h : tensor<?x784xf32>
}

// -----

func.func @bias_length(%x: tensor<?x4xf32>, %w: tensor<4x3xf32>, %b: tensor<5xf32>) -> tensor<?x3xf32> {
  // expected-error @+1 {{bias has length 5 but the layer has 3 outputs; give the bias one value per output}}
  %d = mlp.dense %x, %w, %b : tensor<?x4xf32>, tensor<4x3xf32>, tensor<5xf32> -> tensor<?x3xf32>
  return %d : tensor<?x3xf32>
}

// -----

func.func @no_broadcast(%a: tensor<?x128xf32>, %b: tensor<64xf32>) -> tensor<?x128xf32> {
  // expected-error @+1 {{shapes [?, 128] and [64] do not broadcast: dimension 1 of the result would be both 128 and 64}}
  %z = mlp.add %a, %b : tensor<?x128xf32>, tensor<64xf32> -> tensor<?x128xf32>
  return %z : tensor<?x128xf32>
}

// -----

func.func @result_mismatch(%x: tensor<?x4xf32>, %w: tensor<4x3xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{declared result type 'tensor<?x4xf32>' does not match the type its operands imply, 'tensor<?x3xf32>'; change the result type to that}}
  %h = mlp.matmul %x, %w : tensor<?x4xf32>, tensor<4x3xf32> -> tensor<?x4xf32>
  return %h : tensor<?x4xf32>
}

// -----

func.func @unary_result_mismatch(%x: tensor<2x4xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{declared result type 'tensor<4x2xf32>' does not match}}
  %r = mlp.relu %x : tensor<2x4xf32> -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}

// -----

func.func @axis_out_of_range(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  // expected-error @+1 {{axis 2 is out of range for an operand of rank 2; use an axis in [-2, 1] (-1 is the last)}}
  %p = mlp.softmax %x {axis = 2} : tensor<?x10xf32> -> tensor<?x10xf32>
  return %p : tensor<?x10xf32>
}

// -----

func.func @negative_axis_out_of_range(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  // expected-error @+1 {{axis -3 is out of range}}
  %p = "mlp.log_softmax"(%x) {axis = -3 : i64} : (tensor<?x10xf32>) -> tensor<?x10xf32>
  return %p : tensor<?x10xf32>
}

// -----

func.func @unknown_activation(%x: tensor<?x4xf32>, %w: tensor<4x3xf32>, %b: tensor<3xf32>) -> tensor<?x3xf32> {
  // expected-error @+1 {{unknown activation "swish"; use one of "none", "relu", "sigmoid", "tanh", "gelu", "gelu_tanh", "leaky_relu", "elu", "selu", "softplus", "silu", "hard_swish", "hard_sigmoid", "clip", "erf", "exp", "log", "neg", "sqrt"}}
  %d = mlp.dense %x, %w, %b {activation = "swish"} : tensor<?x4xf32>, tensor<4x3xf32>, tensor<3xf32> -> tensor<?x3xf32>
  return %d : tensor<?x3xf32>
}

// -----

func.func @unknown_approximate(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{unknown approximate value "fast"; use "none" (erf) or "tanh"}}
  %g = mlp.gelu %x {approximate = "fast"} : tensor<?x4xf32> -> tensor<?x4xf32>
  return %g : tensor<?x4xf32>
}

// -----

func.func @not_f32(%x: tensor<?x4xf16>) -> tensor<?x4xf16> {
  // expected-error @+1 {{operand has element type 'f16': mlpc supports f32 only; convert it to f32}}
  %r = mlp.relu %x : tensor<?x4xf16> -> tensor<?x4xf16>
  return %r : tensor<?x4xf16>
}

// -----

func.func @unranked(%x: tensor<*xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{operand has type 'tensor<*xf32>': mlpc needs ranked tensors; give it a shape such as tensor<?x128xf32>}}
  %r = mlp.tanh %x : tensor<*xf32> -> tensor<*xf32>
  return %r : tensor<*xf32>
}

// -----

func.func @matmul_rank(%x: tensor<4xf32>, %w: tensor<4x3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{lhs must have rank 2 but has shape [4]; reshape it to a matrix (rows x features for inputs, [K, N] or [N, K] for weights)}}
  %h = mlp.matmul %x, %w : tensor<4xf32>, tensor<4x3xf32> -> tensor<3xf32>
  return %h : tensor<3xf32>
}

// -----

func.func @bad_attr_kind(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{attribute 'alpha' failed to satisfy constraint: 32-bit float attribute}}
  %r = "mlp.leaky_relu"(%x) {alpha = 1 : i64} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}

// -----

func.func @dense_bias_rank(%x: tensor<?x4xf32>, %w: tensor<4x3xf32>, %b: tensor<1x3xf32>) -> tensor<?x3xf32> {
  // expected-error @+1 {{bias must have rank 1 but has shape [1, 3]; give it one value per output}}
  %h = mlp.dense %x, %w, %b : tensor<?x4xf32>, tensor<4x3xf32>, tensor<1x3xf32> -> tensor<?x3xf32>
  return %h : tensor<?x3xf32>
}

// -----

func.func @task_flops_outside_a_loop(%flops: index) {
  // expected-error @+1 {{'mlp.task_flops' op must be directly inside the body of an scf.forall, whose iterations' work it states; move it there or remove it}}
  mlp.task_flops %flops
  return
}

// -----

func.func @task_flops_from_inside(%rows: index) {
  scf.forall (%i) in (2) {
    %flops = arith.muli %rows, %i : index
    // expected-error @+1 {{'mlp.task_flops' op operand must be defined before the enclosing scf.forall (the runtime reads it before any iteration runs); compute it outside the loop}}
    mlp.task_flops %flops
  }
  return
}

// -----

func.func @sub_no_broadcast(%a: tensor<?x4xf32>, %b: tensor<3xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{'mlp.sub' op shapes [?, 4] and [3] do not broadcast: dimension 1 of the result would be both 4 and 3; make them equal or 1 (a bias must have the length of the last dimension)}}
  %0 = mlp.sub %a, %b : tensor<?x4xf32>, tensor<3xf32> -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @clip_inverted(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mlp.clip' op min 6.000000e+00 is above max 0.000000e+00; swap them}}
  %0 = mlp.clip %a {min = 6.0 : f32, max = 0.0 : f32} : tensor<4xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @layer_norm_scale(%x: tensor<?x8xf32>, %s: tensor<4xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{'mlp.layer_norm' op scale has shape [4] but the normalized dimensions are [8]; give it that shape (or one that broadcasts to it)}}
  %0 = mlp.layer_norm %x, %s, %s : tensor<?x8xf32>, tensor<4xf32>, tensor<4xf32> -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

func.func @layer_norm_axis(%x: tensor<?x8xf32>, %s: tensor<8xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{'mlp.layer_norm' op axis 2 is out of range for an operand of rank 2; use an axis in [-2, 1] (-1 is the last)}}
  %0 = mlp.layer_norm %x, %s, %s {axis = 2} : tensor<?x8xf32>, tensor<8xf32>, tensor<8xf32> -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

func.func @batch_norm_channels(%x: tensor<?x8xf32>, %s: tensor<4xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{'mlp.batch_norm' op scale has shape [4] but the operand has 8 channels (dimension 1); give it one value per channel}}
  %0 = mlp.batch_norm %x, %s, %s, %s, %s : tensor<?x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32> -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

func.func @batch_norm_rank(%x: tensor<8xf32>, %s: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'mlp.batch_norm' op needs an operand of rank 2 or more (dimension 1 is the channel) but it has shape [8]; reshape it to [N, C, ...]}}
  %0 = mlp.batch_norm %x, %s, %s, %s, %s : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32> -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @reduce_mean_twice(%x: tensor<?x8xf32>) -> tensor<?x1xf32> {
  // expected-error @+1 {{'mlp.reduce_mean' op axis -1 is listed twice; list each dimension once}}
  %0 = mlp.reduce_mean %x {axes = array<i64: 1, -1>} : tensor<?x8xf32> -> tensor<?x1xf32>
  return %0 : tensor<?x1xf32>
}

// -----

func.func @reduce_mean_result(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{'mlp.reduce_mean' op declared result type 'tensor<?x8xf32>' does not match the type its operands imply, 'tensor<?x1xf32>'; change the result type to that}}
  %0 = mlp.reduce_mean %x {axes = array<i64: 1>} : tensor<?x8xf32> -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

func.func @reshape_count(%x: tensor<3x4xf32>) -> tensor<5x2xf32> {
  // expected-error @+1 {{'mlp.reshape' op cannot reshape [3, 4] (12 elements) to [5, 2] (10 elements); the element counts must be equal}}
  %0 = mlp.reshape %x : tensor<3x4xf32> -> tensor<5x2xf32>
  return %0 : tensor<5x2xf32>
}

// -----

func.func @reshape_lost_batch(%x: tensor<?x4xf32>) -> tensor<2x2xf32> {
  // expected-error @+1 {{'mlp.reshape' op cannot reshape [?, 4] to [2, 2]: operand and result need the same number of dynamic dimensions, at most one; make the others static}}
  %0 = mlp.reshape %x : tensor<?x4xf32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @transpose_perm(%x: tensor<3x4xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{'mlp.transpose' op permutation [1, 1] is not a permutation of the operand's 2 dimensions; list each of 0..1 once}}
  %0 = mlp.transpose %x {permutation = array<i64: 1, 1>} : tensor<3x4xf32> -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @concat_mismatch(%a: tensor<?x4xf32>, %b: tensor<?x3x2xf32>) -> tensor<?x7xf32> {
  // expected-error @+1 {{'mlp.concat' op operand #1 must have rank 2 but has shape [?, 3, 2]}}
  %0 = mlp.concat %a, %b {axis = 1} : tensor<?x4xf32>, tensor<?x3x2xf32> -> tensor<?x7xf32>
  return %0 : tensor<?x7xf32>
}

// -----

func.func @concat_batch(%a: tensor<?x4xf32>, %b: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{'mlp.concat' op joins along dimension 0, which is dynamic; concatenate along a static dimension}}
  %0 = mlp.concat %a, %b {axis = 0} : tensor<?x4xf32>, tensor<?x4xf32> -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @concat_other_dims(%a: tensor<2x4xf32>, %b: tensor<3x3xf32>) -> tensor<2x7xf32> {
  // expected-error @+1 {{'mlp.concat' op operand #1 has shape [3, 3] but operand #0 [2, 4]: all dimensions but the axis 1 must agree}}
  %0 = mlp.concat %a, %b {axis = 1} : tensor<2x4xf32>, tensor<3x3xf32> -> tensor<2x7xf32>
  return %0 : tensor<2x7xf32>
}

// -----

func.func @int8_without_scale(%x: tensor<?x4xf32>, %w: tensor<4x2xi8>, %b: tensor<2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'mlp.dense' op has i8 weights but no w_scale; give it one f32 scale per output, w_scale(%s : tensor<Nxf32>)}}
  %0 = mlp.dense %x, %w, %b : tensor<?x4xf32>, tensor<4x2xi8>, tensor<2xf32> -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @scale_of_f32(%x: tensor<?x4xf32>, %w: tensor<4x2xf32>, %b: tensor<2xf32>, %s: tensor<2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'mlp.dense' op has a w_scale but its weights are 'f32'; only i8 weights take a scale, remove it}}
  %0 = mlp.dense %x, %w, %b w_scale(%s : tensor<2xf32>) : tensor<?x4xf32>, tensor<4x2xf32>, tensor<2xf32> -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @scale_length(%x: tensor<?x4xf32>, %w: tensor<2x4xi8>, %b: tensor<2xf32>, %s: tensor<4xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'mlp.dense' op w_scale has length 4 but the layer has 2 outputs; give it one scale per output}}
  %0 = mlp.dense %x, %w, %b w_scale(%s : tensor<4xf32>) {transpose_w = true} : tensor<?x4xf32>, tensor<2x4xi8>, tensor<2xf32> -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @keep_narrow(%x: tensor<?x4xf32>, %w: tensor<4x2xbf16>, %b: tensor<2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'mlp.dense' op has keep_f32 but its weights are 'bf16'; remove keep_f32 or give it f32 weights}}
  %0 = mlp.dense %x, %w, %b {keep_f32} : tensor<?x4xf32>, tensor<4x2xbf16>, tensor<2xf32> -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @f16_weights(%x: tensor<?x4xf32>, %w: tensor<4x2xf16>, %b: tensor<2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{'mlp.dense' op weight has element type 'f16': a dense layer's weights are f32, bf16 or i8 (with w_scale); convert them to one of these}}
  %0 = mlp.dense %x, %w, %b : tensor<?x4xf32>, tensor<4x2xf16>, tensor<2xf32> -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @intrinsic_name(%a: vector<8xi32>) -> vector<8xi32> {
  // expected-error @+1 {{'mlp.intrinsic' op names 'vpdpbusd', which is not an LLVM intrinsic; give the intrinsic's full name, such as llvm.x86.avx2.pmadd.wd}}
  %0 = mlp.intrinsic "vpdpbusd"(%a) : (vector<8xi32>) -> vector<8xi32>
  return %0 : vector<8xi32>
}

// -----

func.func @loss_reduction(%x: tensor<?x10xf32>, %t: tensor<?xi32>) -> tensor<?xf32> {
  // expected-error @+1 {{reduction "avg" is not one; use "none" (a loss per row), "mean" or "sum"}}
  %l = mlp.cross_entropy %x, %t {reduction = "avg"} : tensor<?x10xf32>, tensor<?xi32> -> tensor<?xf32>
  return %l : tensor<?xf32>
}

// -----

func.func @loss_index_shape(%x: tensor<?x10xf32>, %t: tensor<?x1xi32>) -> tensor<?xf32> {
  // expected-error @+1 {{class-index target has shape [?, 1] but the input has shape [?, 10]; give it one index per row, shape [?]}}
  %l = mlp.nll_loss %x, %t : tensor<?x10xf32>, tensor<?x1xi32> -> tensor<?xf32>
  return %l : tensor<?xf32>
}

// -----

func.func @loss_index_for_values(%x: tensor<?x3xf32>, %t: tensor<?xi32>) -> tensor<?xf32> {
  // expected-error @+1 {{target has element type i32, but this loss compares values; give it f32 targets of the input's shape [?, 3]}}
  %l = mlp.mse_loss %x, %t : tensor<?x3xf32>, tensor<?xi32> -> tensor<?xf32>
  return %l : tensor<?xf32>
}

// -----

func.func @loss_target_shape(%x: tensor<?x10xf32>, %p: tensor<?x9xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{target has shape [?, 9] but the input has shape [?, 10]; give it the input's shape (probabilities), or class indices as an i32 tensor of one index per row}}
  %l = mlp.cross_entropy %x, %p : tensor<?x10xf32>, tensor<?x9xf32> -> tensor<?xf32>
  return %l : tensor<?xf32>
}

// -----

func.func @loss_bce_shape(%x: tensor<?x1xf32>, %y: tensor<?x2xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{target has shape [?, 2] but the input has shape [?, 1]; give it the input's shape}}
  %l = mlp.bce_with_logits %x, %y : tensor<?x1xf32>, tensor<?x2xf32> -> tensor<?xf32>
  return %l : tensor<?xf32>
}

// -----

func.func @loss_input_rank(%x: tensor<?xf32>, %y: tensor<?xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{input must have rank 2 but has shape [?]; reshape it to a matrix}}
  %l = mlp.mse_loss %x, %y : tensor<?xf32>, tensor<?xf32> -> tensor<?xf32>
  return %l : tensor<?xf32>
}

// -----

func.func @loss_reduced_type(%x: tensor<?x10xf32>, %t: tensor<?xi32>) -> tensor<?xf32> {
  // expected-error @+1 {{declared result type 'tensor<?xf32>' does not match the type its operands imply, 'tensor<1xf32>'; change the result type to that}}
  %l = mlp.cross_entropy %x, %t {reduction = "sum"} : tensor<?x10xf32>, tensor<?xi32> -> tensor<?xf32>
  return %l : tensor<?xf32>
}

// -----

func.func @loss_per_row_type(%x: tensor<?x10xf32>, %t: tensor<?xi32>) -> tensor<1xf32> {
  // expected-error @+1 {{declared result type 'tensor<1xf32>' does not match the type its operands imply, 'tensor<?xf32>'}}
  %l = mlp.cross_entropy %x, %t : tensor<?x10xf32>, tensor<?xi32> -> tensor<1xf32>
  return %l : tensor<1xf32>
}
