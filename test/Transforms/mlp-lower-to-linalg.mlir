// RUN: mlpc-opt %s -mlp-lower-to-linalg -split-input-file | FileCheck %s

// CHECK-DAG: #[[MK:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[NK:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[MN:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @matmul_transposed
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>, %[[W:.*]]: tensor<3x4xf32>)
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[DIM:.*]] = tensor.dim %[[X]], %[[C0]]
// CHECK: %[[E:.*]] = tensor.empty(%[[DIM]]) : tensor<?x3xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<?x3xf32>)
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[MK]], #[[NK]], #[[MN]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]], %[[W]] : {{.*}}) outs(%[[F]] : tensor<?x3xf32>)
// CHECK: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[A]], %[[B]]
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[ACC]], %[[P]]
// CHECK-NEXT: linalg.yield %[[S]]
// CHECK: return %[[R]]
func.func @matmul_transposed(%x: tensor<?x4xf32>, %w: tensor<3x4xf32>) -> tensor<?x3xf32> {
  %h = mlp.matmul %x, %w {transpose_b = true} : tensor<?x4xf32>, tensor<3x4xf32> -> tensor<?x3xf32>
  return %h : tensor<?x3xf32>
}

// -----

// numpy broadcasting: a [3] bias and a [?,1] column over [?,3].
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[STRETCH:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func.func @broadcast_add
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[COL]], #[[ID]]]
// CHECK: arith.addf
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[STRETCH]], #[[ID]]]
func.func @broadcast_add(%a: tensor<?x3xf32>, %b: tensor<3xf32>, %c: tensor<?x1xf32>) -> tensor<?x3xf32> {
  %s = mlp.add %a, %b : tensor<?x3xf32>, tensor<3xf32> -> tensor<?x3xf32>
  %t = mlp.add %s, %c : tensor<?x3xf32>, tensor<?x1xf32> -> tensor<?x3xf32>
  return %t : tensor<?x3xf32>
}

// -----

// Activations are elementwise generics with the shared scalar bodies.
// CHECK-LABEL: func.func @activations
// CHECK: linalg.generic
// CHECK: arith.maximumf
// sigmoid from e = exp(-|x|) <= 1: e / (1 + e) below 0, 1 / (1 + e) above.
// CHECK: linalg.generic
// CHECK: %[[SA:.*]] = math.absf %[[SIN:.*]] : f32
// CHECK-NEXT: %[[SN:.*]] = arith.negf %[[SA]]
// CHECK: arith.maximumf %[[SN]]
// CHECK: arith.shli
// CHECK: %[[SE:.*]] = arith.mulf
// CHECK: %[[SNEG:.*]] = arith.cmpf olt, %[[SIN]]
// CHECK: %[[STOP:.*]] = arith.select %[[SNEG]]
// CHECK: %[[SDEN:.*]] = arith.addf %{{.*}}, %[[SE]]
// CHECK: arith.divf %[[STOP]], %[[SDEN]]
// CHECK: linalg.generic
// CHECK: math.tanh
// gelu is x * Phi(x) from q = Phi(-|x|), with 2^y built in place (no
// math.exp or math.erfc left for the approximation pass).
// CHECK: linalg.generic
// CHECK: %[[A:.*]] = math.absf %[[IN:.*]] : f32
// CHECK: %[[U:.*]] = arith.divf
// CHECK-NOT: math.exp
// CHECK-NOT: math.erfc
// CHECK: arith.shli
// CHECK: %[[Q:.*]] = arith.mulf %[[U]], %{{.*}} : f32
// CHECK: %[[NEG:.*]] = arith.cmpf olt, %[[IN]], %{{.*}} : f32
// CHECK: %[[UPPER:.*]] = arith.subf %{{.*}}, %[[Q]] : f32
// CHECK: %[[PHI:.*]] = arith.select %[[NEG]], %[[Q]], %[[UPPER]] : f32
// CHECK: arith.mulf %[[IN]], %[[PHI]] : f32
// CHECK: linalg.generic
// CHECK: arith.cmpf ogt
// CHECK-NEXT: arith.select
func.func @activations(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %a = mlp.relu %x : tensor<2x3xf32> -> tensor<2x3xf32>
  %b = mlp.sigmoid %a : tensor<2x3xf32> -> tensor<2x3xf32>
  %c = mlp.tanh %b : tensor<2x3xf32> -> tensor<2x3xf32>
  %d = mlp.gelu %c : tensor<2x3xf32> -> tensor<2x3xf32>
  %e = mlp.leaky_relu %d : tensor<2x3xf32> -> tensor<2x3xf32>
  return %e : tensor<2x3xf32>
}

// -----

// A dense layer the kernel pass did not take (dynamic K here) lowers to a
// contraction plus one epilogue generic.
// CHECK-LABEL: func.func @dense_generic
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: %[[EPI:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: arith.addf
// CHECK-NEXT: math.tanh
// CHECK: return %[[EPI]]
func.func @dense_generic(%x: tensor<2x?xf32>, %w: tensor<?x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %y = mlp.dense %x, %w, %b {activation = "tanh"} : tensor<2x?xf32>, tensor<?x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// A reshape that folds the batch into rows is two views of one buffer: the
// flat tensor, then the new shape, its dynamic size computed from the flat
// one's.
// CHECK-LABEL: func.func @reshape_batch_into_rows
// CHECK-SAME: (%[[X:.*]]: tensor<?x12xf32>)
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1]] : tensor<?x12xf32> into tensor<?xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[FLAT]]
// CHECK: %[[C4:.*]] = arith.constant 4 : index
// CHECK: %[[ROWS:.*]] = arith.divui %[[N]], %[[C4]]
// CHECK: %[[R:.*]] = tensor.expand_shape %[[FLAT]] {{\[\[}}0, 1]] output_shape [%[[ROWS]], 4]
// CHECK: return %[[R]]
func.func @reshape_batch_into_rows(%x: tensor<?x12xf32>) -> tensor<?x4xf32> {
  %0 = mlp.reshape %x : tensor<?x12xf32> -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// layer_norm: the row sums, the mean, the centered squares' sums, the
// variance, then one pass normalizing, scaling and shifting each element.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @layer_norm
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>, %[[S:.*]]: tensor<8xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK: %[[N:.*]] = arith.constant 8.000000e+00 : f32
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]] :
// CHECK: %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] :
// CHECK: arith.divf %{{.*}}, %[[N]]
// CHECK: %[[SQ:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]], %[[MEAN]] :
// CHECK: %[[VAR:.*]] = linalg.generic {{.*}} ins(%[[SQ]] :
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]], #[[COL]], #[[COL]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[MEAN]], %[[VAR]], %[[S]], %[[B]] :
// CHECK: ^bb0(%[[XE:.*]]: f32, %[[ME:.*]]: f32, %[[VE:.*]]: f32, %[[SE:.*]]: f32, %[[BE:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[D:.*]] = arith.subf %[[XE]], %[[ME]]
// CHECK: %[[VEPS:.*]] = arith.addf %[[VE]], %{{.*}}
// CHECK: %[[SD:.*]] = math.sqrt %[[VEPS]]
// CHECK: %[[INV:.*]] = arith.divf %{{.*}}, %[[SD]]
// CHECK: %[[NORM:.*]] = arith.mulf %[[D]], %[[INV]]
// CHECK: %[[SC:.*]] = arith.mulf %[[NORM]], %[[SE]]
// CHECK: %[[OUT:.*]] = arith.addf %[[SC]], %[[BE]]
// CHECK: linalg.yield %[[OUT]]
// CHECK: return %[[Y]]
func.func @layer_norm(%x: tensor<?x8xf32>, %s: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<?x8xf32> {
  %0 = mlp.layer_norm %x, %s, %b : tensor<?x8xf32>, tensor<8xf32>, tensor<8xf32> -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// concat: one loop over the result, each element read from every operand
// at a clamped column and the right one selected.
// CHECK-LABEL: func.func @concat
// CHECK-SAME: (%[[A:.*]]: tensor<?x2xf32>, %[[B:.*]]: tensor<?x3xf32>)
// CHECK: linalg.generic {{.*}} outs(
// CHECK: %[[I:.*]] = linalg.index 0
// CHECK: %[[J:.*]] = linalg.index 1
// CHECK: %[[VA:.*]] = tensor.extract %[[A]][%[[I]], %{{.*}}]
// CHECK: %[[VB:.*]] = tensor.extract %[[B]][%[[I]], %{{.*}}]
// CHECK: %[[INB:.*]] = arith.cmpi sge, %[[J]], %{{.*}}
// CHECK: %[[V:.*]] = arith.select %[[INB]], %[[VB]], %[[VA]]
// CHECK: linalg.yield %[[V]]
func.func @concat(%a: tensor<?x2xf32>, %b: tensor<?x3xf32>) -> tensor<?x5xf32> {
  %0 = mlp.concat %a, %b {axis = 1} : tensor<?x2xf32>, tensor<?x3xf32> -> tensor<?x5xf32>
  return %0 : tensor<?x5xf32>
}

// -----

// transpose reads the operand through the inverse permutation.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2) -> (d2, d0, d1)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @transpose
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]]
func.func @transpose(%x: tensor<2x3x4xf32>) -> tensor<3x4x2xf32> {
  %0 = mlp.transpose %x {permutation = array<i64: 1, 2, 0>} : tensor<2x3x4xf32> -> tensor<3x4x2xf32>
  return %0 : tensor<3x4x2xf32>
}

// -----

// reduce_mean over the batch, keeping the dimension: the count is the
// batch, converted to f32 at run time.
// CHECK-LABEL: func.func @reduce_mean_batch
// CHECK-SAME: (%[[X:.*]]: tensor<?x3xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[X]]
// CHECK: %[[N64:.*]] = arith.index_castui %[[N]] : index to i64
// CHECK: %[[NF:.*]] = arith.uitofp %[[N64]] : i64 to f32
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]
// CHECK: linalg.generic {{.*}} ins(%[[SUM]] : tensor<1x3xf32>)
// CHECK: arith.divf %{{.*}}, %{{.*}}
func.func @reduce_mean_batch(%x: tensor<?x3xf32>) -> tensor<1x3xf32> {
  %0 = mlp.reduce_mean %x {axes = array<i64: 0>} : tensor<?x3xf32> -> tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

// The other binary ops share add's broadcasting; prelu selects the scaled
// value for negative inputs.
// CHECK-LABEL: func.func @prelu
// CHECK: ^bb0(%[[XE:.*]]: f32, %[[SE:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[NEG:.*]] = arith.cmpf olt, %[[XE]], %{{.*}}
// CHECK: %[[P:.*]] = arith.mulf %[[XE]], %[[SE]]
// CHECK: %[[R:.*]] = arith.select %[[NEG]], %[[P]], %[[XE]]
// CHECK: linalg.yield %[[R]]
func.func @prelu(%x: tensor<?x3xf32>, %s: tensor<3xf32>) -> tensor<?x3xf32> {
  %0 = mlp.prelu %x, %s : tensor<?x3xf32>, tensor<3xf32> -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

// i8 weights in generic form: each row's max |x| and Σ x · 0, the row
// quantized to i32, the exact i32 sum of products, then sum · (s · scale)
// with s = max / 127 (+ Σ x · 0), the bias and the activation.
// CHECK-LABEL: func.func @dense_int8_generic
// CHECK-SAME: (%[[X:.*]]: tensor<?x?xf32>, %[[W:.*]]: tensor<?x4xi8>, %[[B:.*]]: tensor<4xf32>, %[[S:.*]]: tensor<4xf32>)
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[X]] : tensor<?x?xf32>)
// CHECK: math.absf
// CHECK: arith.cmpf ogt
// CHECK: %[[NAN:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<?x?xf32>)
// CHECK: %[[Q:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[MAX]] : tensor<?x?xf32>, tensor<?xf32>) outs(%{{.*}} : tensor<?x?xi32>)
// CHECK: math.roundeven
// CHECK: arith.fptosi
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}} ins(%[[Q]], %[[W]] : tensor<?x?xi32>, tensor<?x4xi8>) outs(%{{.*}} : tensor<?x4xi32>)
// CHECK: arith.extsi
// CHECK: arith.muli
// CHECK: %[[P:.*]] = linalg.generic {{.*}} ins(%[[ACC]], %[[MAX]], %[[NAN]], %[[S]] : tensor<?x4xi32>, tensor<?xf32>, tensor<?xf32>, tensor<4xf32>)
// CHECK: arith.sitofp
// CHECK: linalg.generic {{.*}} ins(%[[P]], %[[B]]
func.func @dense_int8_generic(%x: tensor<?x?xf32>, %w: tensor<?x4xi8>, %b: tensor<4xf32>, %s: tensor<4xf32>) -> tensor<?x4xf32> {
  %y = mlp.dense %x, %w, %b w_scale(%s : tensor<4xf32>) {activation = "relu"} : tensor<?x?xf32>, tensor<?x4xi8>, tensor<4xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// -----

// A loss of class indices reads each row's class from the log-probabilities
// (NaN for an index outside [0, C), which entry points refuse first) and
// records the class count on the argument for the entry point's check.
// CHECK-LABEL: func.func @nll_classes
// CHECK-SAME: (%[[LOGP:.*]]: tensor<?x4xf32>, %[[T:.*]]: tensor<?xi32> {mlpc.class_count = 4 : i64})
// CHECK: %[[L:.*]] = linalg.generic {{.*}} iterator_types = ["parallel"]} ins(%[[T]] : tensor<?xi32>)
// CHECK: ^bb0(%[[C:.*]]: i32, %{{.*}}: f32):
// CHECK: %[[ROW:.*]] = linalg.index 0
// CHECK: %[[I:.*]] = arith.index_cast %[[C]] : i32 to index
// CHECK: %[[IN:.*]] = arith.andi
// CHECK: %[[SAFE:.*]] = arith.select %[[IN]], %[[I]]
// CHECK: %[[V:.*]] = tensor.extract %[[LOGP]][%[[ROW]], %[[SAFE]]]
// CHECK: %[[NEG:.*]] = arith.negf %[[V]]
// CHECK: arith.select %[[IN]], %[[NEG]], %{{.*}} : f32
// CHECK: return %[[L]]
func.func @nll_classes(%logp: tensor<?x4xf32>, %t: tensor<?xi32>) -> tensor<?xf32> {
  %l = mlp.nll_loss %logp, %t : tensor<?x4xf32>, tensor<?xi32> -> tensor<?xf32>
  return %l : tensor<?xf32>
}

// -----

// Probabilities as targets: -sum p * logp per row, a zero probability
// adding 0 even against -inf; then the batch mean.
// CHECK-LABEL: func.func @nll_probabilities
// CHECK-SAME: (%[[LOGP:.*]]: tensor<?x4xf32>, %[[P:.*]]: tensor<?x4xf32>)
// CHECK: %[[ROWS:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[LOGP]], %[[P]] : tensor<?x4xf32>, tensor<?x4xf32>)
// CHECK: ^bb0(%[[L:.*]]: f32, %[[W:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK: %[[NEG:.*]] = arith.negf %[[L]]
// CHECK: %[[ZERO:.*]] = arith.cmpf oeq, %[[W]]
// CHECK: %[[PROD:.*]] = arith.mulf %[[W]], %[[NEG]]
// CHECK: %[[TERM:.*]] = arith.select %[[ZERO]], %{{.*}}, %[[PROD]]
// CHECK: arith.addf %[[ACC]], %[[TERM]]
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%[[ROWS]] : tensor<?xf32>) outs(%{{.*}} : tensor<1xf32>)
// CHECK: %[[B:.*]] = tensor.dim %[[ROWS]]
// CHECK: %[[N:.*]] = arith.sitofp
// CHECK: %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<1xf32>)
// CHECK: arith.divf %{{.*}}, %[[N]]
// CHECK: return %[[MEAN]]
func.func @nll_probabilities(%logp: tensor<?x4xf32>, %p: tensor<?x4xf32>) -> tensor<1xf32> {
  %l = mlp.nll_loss %logp, %p {reduction = "mean"} : tensor<?x4xf32>, tensor<?x4xf32> -> tensor<1xf32>
  return %l : tensor<1xf32>
}

// -----

// BCE with logits: y * softplus(-x) + (1 - y) * softplus(x), sharing one
// log1p(exp(-|x|)), averaged over the row (times 1/4); then the batch sum.
// CHECK-LABEL: func.func @bce
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>, %[[Y:.*]]: tensor<?x4xf32>)
// CHECK: %[[ROWS:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[Y]] : tensor<?x4xf32>, tensor<?x4xf32>)
// CHECK: ^bb0(%[[XV:.*]]: f32, %[[YV:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK: math.absf %[[XV]]
// CHECK: %[[TAIL:.*]] = math.log1p
// CHECK-NOT: math.log1p
// CHECK: arith.cmpf oeq, %[[YV]]
// CHECK: arith.addf %[[ACC]]
// CHECK: %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[ROWS]] : tensor<?xf32>)
// CHECK: arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%[[MEAN]] : tensor<?xf32>)
// CHECK-NOT: arith.divf
// CHECK: return %[[SUM]]
func.func @bce(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<1xf32> {
  %l = mlp.bce_with_logits %x, %y {reduction = "sum"} : tensor<?x4xf32>, tensor<?x4xf32> -> tensor<1xf32>
  return %l : tensor<1xf32>
}

// -----

// MSE: the row's mean of (x - y)^2.
// CHECK-LABEL: func.func @mse
// CHECK: ^bb0(%[[XV:.*]]: f32, %[[YV:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[XV]], %[[YV]]
// CHECK-NEXT: %[[SQ:.*]] = arith.mulf %[[D]], %[[D]]
// CHECK-NEXT: %[[NEW:.*]] = arith.addf %[[ACC]], %[[SQ]]
// CHECK-NEXT: linalg.yield %[[NEW]]
// CHECK: arith.constant 2.500000e-01
func.func @mse(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<?xf32> {
  %l = mlp.mse_loss %x, %y : tensor<?x4xf32>, tensor<?x4xf32> -> tensor<?xf32>
  return %l : tensor<?xf32>
}
