// RUN: mlpc-opt %s -mlp-stable-softmax -split-input-file | FileCheck %s
// RUN: mlpc-opt %s -mlp-stable-softmax=vector-width=8 -split-input-file | FileCheck %s --check-prefix=VEC
// RUN: not mlpc-opt %s -mlp-stable-softmax=vector-width=-1 2>&1 | FileCheck %s --check-prefix=BADWIDTH

// BADWIDTH: error: mlp-stable-softmax: vector-width must be 0 (linalg) or positive

// softmax = exp(x - max) / sum(exp(x - max)) along the last axis.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @softmax_last
// CHECK-SAME: (%[[X:.*]]: tensor<?x10xf32>)
// CHECK-DAG: arith.constant 0x4B40007F : f32
// CHECK-DAG: arith.constant -88.0296936 : f32
// CHECK-DAG: arith.constant -0.693359375 : f32
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[MAXINIT:.*]] = linalg.fill ins(%[[NEGINF]] : f32)
// CHECK: %[[MAX:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]] : tensor<?x10xf32>) outs(%[[MAXINIT]] : tensor<?xf32>)
// CHECK: arith.maximumf
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]], %[[MAX]] : tensor<?x10xf32>, tensor<?xf32>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %[[M:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[SH:.*]] = arith.subf %[[IN]], %[[M]]
// exp(SH) for SH <= 0: clamped at -127 ln 2; n = round(SH log2(e)) by one
// fma, SH log2(e) + 1.5 * 2^23 + 127 (the sum's low bits are n + 127);
// r = SH - n ln 2 in two fmas; e^r by a polynomial, times 2^n from the
// sum's bits.
// CHECK-NEXT: %[[CL:.*]] = arith.maximumf %[[SH]], %{{.*}} : f32
// CHECK-NEXT: %[[RND:.*]] = math.fma %[[CL]], %{{.*}}, %[[MAGIC:.*]] : f32
// CHECK-NEXT: %[[N:.*]] = arith.subf %[[RND]], %[[MAGIC]] : f32
// CHECK-NEXT: %[[R0:.*]] = math.fma %[[N]], %{{.*}}, %[[CL]] : f32
// CHECK-NEXT: %[[R:.*]] = math.fma %[[N]], %{{.*}}, %[[R0]] : f32
// CHECK-COUNT-5: math.fma {{.*}}%[[R]],
// CHECK-NEXT: %[[BITS:.*]] = arith.bitcast %[[RND]] : f32 to i32
// CHECK-NEXT: %[[POW:.*]] = arith.shli %[[BITS]], %{{.*}} : i32
// CHECK-NEXT: %[[SCALE:.*]] = arith.bitcast %[[POW]] : i32 to f32
// CHECK-NEXT: %[[E:.*]] = arith.mulf %{{.*}}, %[[SCALE]] : f32
// CHECK-NEXT: %[[A:.*]] = arith.addf %[[ACC]], %[[E]]
// CHECK: %[[OUT:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[MAX]], %[[SUM]] :
// CHECK: ^bb0(%[[IN2:.*]]: f32, %[[M2:.*]]: f32, %[[S2:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[SH2:.*]] = arith.subf %[[IN2]], %[[M2]]
// CHECK-NEXT: arith.maximumf %[[SH2]]
// CHECK: arith.shli
// CHECK: %[[E2:.*]] = arith.mulf
// CHECK-NEXT: %[[D:.*]] = arith.divf %[[E2]], %[[S2]]
// CHECK-NEXT: linalg.yield %[[D]]
// CHECK: return %[[OUT]]
// CHECK-NOT: mlp.softmax
func.func @softmax_last(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %p = mlp.softmax %x : tensor<?x10xf32> -> tensor<?x10xf32>
  return %p : tensor<?x10xf32>
}

// -----

// log_softmax = (x - max) - log(sum(exp(x - max))), here along axis 0 of a
// rank-3 tensor.
// CHECK-DAG: #[[ID3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[RED0:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func @log_softmax_axis0
// CHECK: linalg.generic {indexing_maps = [#[[ID3]], #[[RED0]]], iterator_types = ["reduction", "parallel", "parallel"]}
// CHECK: linalg.generic {indexing_maps = [#[[ID3]], #[[RED0]], #[[RED0]]], iterator_types = ["reduction", "parallel", "parallel"]}
// CHECK: linalg.generic {indexing_maps = [#[[ID3]], #[[RED0]], #[[RED0]], #[[ID3]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK: ^bb0(%[[IN:.*]]: f32, %[[M:.*]]: f32, %[[S:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[SH:.*]] = arith.subf %[[IN]], %[[M]]
// CHECK-NEXT: %[[L:.*]] = math.log %[[S]]
// CHECK-NEXT: %[[R:.*]] = arith.subf %[[SH]], %[[L]]
// CHECK-NEXT: linalg.yield %[[R]]
// Other axes keep the linalg form with a vector width too.
// VEC-LABEL: func.func @log_softmax_axis0
// VEC-NOT: vector.transfer_read
// VEC-COUNT-3: linalg.generic
func.func @log_softmax_axis0(%x: tensor<4x5x6xf32>) -> tensor<4x5x6xf32> {
  %p = "mlp.log_softmax"(%x) {axis = -3 : i64} : (tensor<4x5x6xf32>) -> tensor<4x5x6xf32>
  return %p : tensor<4x5x6xf32>
}

// -----

// With a vector width, a last axis of static length becomes vector loops
// over each row: 76 = nine vectors of 8, then a tail of 4.
// Pass 1: the maximum, x > m ? x : m lane by lane, then halved lane by lane
// down to one.
// VEC-LABEL: func.func @softmax_wide_rows
// VEC-SAME: (%[[X:.*]]: tensor<?x76xf32>)
// VEC-DAG: %[[C0:.*]] = arith.constant 0 : index
// VEC-DAG: %[[C8:.*]] = arith.constant 8 : index
// VEC-DAG: %[[C32:.*]] = arith.constant 32 : index
// VEC-DAG: %[[C64:.*]] = arith.constant 64 : index
// VEC-DAG: %[[C72:.*]] = arith.constant 72 : index
// VEC-DAG: %[[NEGINF:.*]] = arith.constant dense<0xFF800000> : vector<8xf32>
// VEC: %[[EMPTY:.*]] = tensor.empty(%{{.*}}) : tensor<?x76xf32>
// VEC: %[[RES:.*]] = scf.for %[[I:.*]] = %[[C0]] to %{{.*}} step %{{.*}} iter_args(%[[ROW:.*]] = %[[EMPTY]])
// VEC: %[[LANEMAX:.*]] = scf.for %[[J:.*]] = %[[C0]] to %[[C72]] step %[[C8]] iter_args(%[[M:.*]] = %[[NEGINF]]) -> (vector<8xf32>)
// VEC: %[[V:.*]] = vector.transfer_read %[[X]][%[[I]], %[[J]]]{{.*}} vector<8xf32>
// VEC: %[[GT:.*]] = arith.cmpf ogt, %[[V]], %[[M]] : vector<8xf32>
// VEC: arith.select %[[GT]], %[[V]], %[[M]]
// VEC: %[[TAIL:.*]] = vector.transfer_read %[[X]][%[[I]], %[[C72]]]{{.*}} vector<4xf32>
// VEC: %[[LO:.*]] = vector.shuffle %[[LANEMAX]], %[[LANEMAX]] [0, 1, 2, 3]
// VEC: %[[HI:.*]] = vector.shuffle %[[LANEMAX]], %[[LANEMAX]] [4, 5, 6, 7]
// VEC: %[[GT4:.*]] = arith.cmpf ogt, %[[LO]], %[[HI]] : vector<4xf32>
// VEC: arith.select %[[GT4]], %[[LO]], %[[HI]] : vector<4xi1>, vector<4xf32>
// VEC: %[[MF:.*]] = vector.extract %{{.*}}[0] : f32 from vector<1xf32>
// VEC: vector.shuffle %[[TAIL]], %[[TAIL]] [0, 1]
// VEC: %[[MT:.*]] = vector.extract %{{.*}}[0] : f32 from vector<1xf32>
// VEC: %[[GTM:.*]] = arith.cmpf ogt, %[[MF]], %[[MT]] : f32
// VEC: %[[MAX:.*]] = arith.select %[[GTM]], %[[MF]], %[[MT]] : f32
// Pass 2: each exp(x - max) stored in the result row and summed, four
// vectors at a time as one vector of 32 lanes; then the vector left, then
// the tail.
// VEC: %[[WIDE:.*]]:2 = scf.for %[[J2:.*]] = %[[C0]] to %[[C64]] step %[[C32]] iter_args(%[[S:.*]] = %{{.*}}, %[[R:.*]] = %[[ROW]]) -> (vector<32xf32>, tensor<?x76xf32>)
// VEC: %[[V2:.*]] = vector.transfer_read %[[X]][%[[I]], %[[J2]]]{{.*}} vector<32xf32>
// VEC: %[[MB:.*]] = vector.broadcast %[[MAX]] : f32 to vector<32xf32>
// VEC: %[[SH:.*]] = arith.subf %[[V2]], %[[MB]] : vector<32xf32>
// VEC: %[[CL:.*]] = arith.maximumf %[[SH]], %{{.*}} : vector<32xf32>
// The exponent is rounded by one fma: x log2(e) + 1.5 * 2^23 + 127.
// VEC: %[[RND:.*]] = math.fma %[[CL]], %{{.*}}, %[[MAGIC:.*]] : vector<32xf32>
// VEC: arith.subf %[[RND]], %[[MAGIC]] : vector<32xf32>
// VEC: arith.shli %{{.*}} : vector<32xi32>
// VEC: %[[E:.*]] = arith.mulf %{{.*}} : vector<32xf32>
// VEC: %[[SN:.*]] = arith.addf %[[S]], %[[E]] : vector<32xf32>
// VEC: %[[RN:.*]] = vector.transfer_write %[[E]], %[[R]][%[[I]], %[[J2]]]
// VEC: scf.yield %[[SN]], %[[RN]]
// VEC: %[[REST:.*]]:2 = scf.for %[[J3:.*]] = %[[C64]] to %[[C72]] step %[[C8]] iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %[[WIDE]]#1) -> (vector<8xf32>, tensor<?x76xf32>)
// VEC: arith.shli %{{.*}} : vector<8xi32>
// VEC: arith.shli %{{.*}} : vector<4xi32>
// VEC: %[[ROWE:.*]] = vector.transfer_write %{{.*}}, %[[REST]]#1[%[[I]], %[[C72]]]
// The sums: 32 lanes halved to 8, plus the 8 left, halved down to one;
// then the tail's.
// VEC: vector.shuffle %[[WIDE]]#0, %[[WIDE]]#0 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
// VEC: %[[S8:.*]] = arith.addf %{{.*}} : vector<8xf32>
// VEC: arith.addf %[[S8]], %[[REST]]#0 : vector<8xf32>
// VEC: %[[SUMF:.*]] = vector.extract %{{.*}}[0] : f32 from vector<1xf32>
// VEC: %[[SUMT:.*]] = vector.extract %{{.*}}[0] : f32 from vector<1xf32>
// VEC: %[[SUM:.*]] = arith.addf %[[SUMF]], %[[SUMT]] : f32
// VEC: %[[INV:.*]] = arith.divf %{{.*}}, %[[SUM]] : f32
// Pass 3: the stored exps times 1 / sum.
// VEC: scf.for %[[J4:.*]] = %[[C0]] to %[[C72]] step %[[C8]] iter_args(%[[R4:.*]] = %[[ROWE]])
// VEC: %[[EV:.*]] = vector.transfer_read %[[R4]][%[[I]], %[[J4]]]
// VEC: %[[IB:.*]] = vector.broadcast %[[INV]] : f32 to vector<8xf32>
// VEC: arith.mulf %[[EV]], %[[IB]] : vector<8xf32>
// VEC: vector.transfer_write
// VEC: arith.mulf %{{.*}} : vector<4xf32>
// VEC: scf.yield
// VEC: return %[[RES]]
// VEC-NOT: linalg.generic
func.func @softmax_wide_rows(%x: tensor<?x76xf32>) -> tensor<?x76xf32> {
  %p = mlp.softmax %x : tensor<?x76xf32> -> tensor<?x76xf32>
  return %p : tensor<?x76xf32>
}

// -----

// A rank-1 row narrower than a vector: the tail alone, and log_softmax
// writes (x - max) - log(sum) without storing the exps.
// VEC-LABEL: func.func @log_softmax_short
// VEC-SAME: (%[[X:.*]]: tensor<5xf32>)
// VEC-NOT: scf.for
// VEC: %[[V:.*]] = vector.transfer_read %[[X]]{{.*}} vector<5xf32>
// VEC: %[[MAX:.*]] = vector.reduction <maxnumf>, %[[V]]
// VEC: arith.shli %{{.*}} : vector<5xi32>
// VEC-NOT: vector.transfer_write
// VEC: %[[SUM:.*]] = vector.reduction <add>
// VEC: %[[LOG:.*]] = math.log %[[SUM]] : f32
// VEC: %[[SH:.*]] = arith.subf %{{.*}}, %{{.*}} : vector<5xf32>
// VEC: %[[LB:.*]] = vector.broadcast %[[LOG]] : f32 to vector<5xf32>
// VEC: %[[Y:.*]] = arith.subf %[[SH]], %[[LB]] : vector<5xf32>
// VEC: %[[OUT:.*]] = vector.transfer_write %[[Y]]
// VEC: return %[[OUT]]
func.func @log_softmax_short(%x: tensor<5xf32>) -> tensor<5xf32> {
  %p = mlp.log_softmax %x : tensor<5xf32> -> tensor<5xf32>
  return %p : tensor<5xf32>
}

// -----

// cross_entropy becomes nll_loss of the log_softmax, decomposed like any
// other: the class's logit minus logsumexp, with the maximum subtracted.
// CHECK-LABEL: func.func @cross_entropy
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>, %[[T:.*]]: tensor<?xi32>)
// CHECK-NOT: mlp.cross_entropy
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<?x4xf32>)
// CHECK: arith.maximumf
// CHECK: %[[LOGP:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[MAX]], %{{.*}} : tensor<?x4xf32>, tensor<?xf32>, tensor<?xf32>)
// CHECK: %[[L:.*]] = mlp.nll_loss %[[LOGP]], %[[T]] {reduction = "mean"} : tensor<?x4xf32>, tensor<?xi32> -> tensor<1xf32>
// CHECK: return %[[L]]
func.func @cross_entropy(%x: tensor<?x4xf32>, %t: tensor<?xi32>) -> tensor<1xf32> {
  %l = mlp.cross_entropy %x, %t {reduction = "mean"} : tensor<?x4xf32>, tensor<?xi32> -> tensor<1xf32>
  return %l : tensor<1xf32>
}
