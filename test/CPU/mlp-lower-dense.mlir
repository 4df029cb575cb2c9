// RUN: mlpc-opt %s -mlp-lower-dense="tile-rows=2 tile-cols=8 vector-width=8" -split-input-file --mlir-elide-resource-strings-if-larger=64 | FileCheck %s
// RUN: mlpc-opt %s -mlp-lower-dense="tile-rows=3 tile-cols=8 vector-width=4" -split-input-file --mlir-elide-resource-strings-if-larger=64 | FileCheck %s --check-prefix=LEFT
// RUN: mlpc-opt %s -mlp-lower-dense="tile-rows=6 tile-cols=32 vector-width=16" -split-input-file --mlir-elide-resource-strings-if-larger=64 | FileCheck %s --check-prefix=WIDE
// RUN: mlpc-opt %s -mlp-lower-dense="tile-rows=2 tile-cols=8 vector-width=8 strategy=rows-outer" -split-input-file --mlir-elide-resource-strings-if-larger=64 | FileCheck %s --check-prefix=BY-ROWS
// RUN: mlpc-opt %s -mlp-lower-dense="tile-rows=2 tile-cols=8 vector-width=8 strategy=column-groups" -split-input-file --mlir-elide-resource-strings-if-larger=64 | FileCheck %s --check-prefix=BY-GROUPS
// RUN: mlpc-opt %s -mlp-lower-dense="tile-rows=2 tile-cols=8 vector-width=8 strategy=panels-outer" -split-input-file --mlir-elide-resource-strings-if-larger=64 | FileCheck %s --check-prefix=BY-PANELS
// RUN: mlpc-opt %s -mlp-lower-dense="tile-rows=2 tile-cols=8 vector-width=8 strategy=column-split" -split-input-file --mlir-elide-resource-strings-if-larger=64 | FileCheck %s --check-prefix=BY-SPLIT
// RUN: not mlpc-opt %s -mlp-lower-dense="strategy=rows" -split-input-file 2>&1 | FileCheck %s --check-prefix=BY-BAD
// RUN: not mlpc-opt %s -mlp-lower-dense="tile-rows=0" -split-input-file 2>&1 | FileCheck %s --check-prefix=BAD-TILE
// RUN: mlpc-opt %s -mlp-lower-dense="tile-rows=2 tile-cols=8 vector-width=8 int8-product=vnni" -split-input-file --mlir-elide-resource-strings-if-larger=64 | FileCheck %s --check-prefix=VNNI
// RUN: mlpc-opt %s -mlp-lower-dense="tile-rows=2 tile-cols=8 vector-width=8 int8-product=maddwd" -split-input-file --mlir-elide-resource-strings-if-larger=64 | FileCheck %s --check-prefix=MADD
// RUN: mlpc-opt %s -mlp-lower-dense="tile-rows=2 tile-cols=8 vector-width=8 bf16-product=dot" -split-input-file --mlir-elide-resource-strings-if-larger=64 | FileCheck %s --check-prefix=DOT
// BAD-TILE: error: mlp-lower-dense: tile-rows, tile-cols and vector-width must be at least 1

// The dense layer becomes a loop over 2x8 register tiles. Inside a tile, the
// K loop only accumulates (fma into vector iter_args); bias and activation
// are applied to the accumulators and the tile is stored once, by a
// transfer_write of the activated value: the epilogue is fused.
// Constant [N,K] weights are packed at compile time into panels of
// tile-cols columns, [N/8][K][8] (here one panel), and the 2 columns left
// over into [K][2], so that each tile streams contiguous weights.

// CHECK-LABEL: func.func @dense_relu
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>)
// CHECK-DAG: %[[W:.*]] = arith.constant dense_resource<mlpc_weight_panels> : tensor<1x4x8xf32>
// CHECK-DAG: %[[REST:.*]] = arith.constant dense_resource<mlpc_weight_rest> : tensor<4x2xf32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<{{.*}}> : tensor<10xf32>
// Whole row tiles, then the leftover rows.
// CHECK: %[[ROWS:.*]] = scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[OUT:.*]] = %{{.*}}) -> (tensor<?x10xf32>)
// CHECK: %[[COLS:.*]] = scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[O:.*]] = %[[OUT]])
// CHECK: %[[I1:.*]] = arith.addi %[[I]]
// CHECK: %[[P:.*]] = arith.divui %[[J]]
// CHECK: %[[ACC:.*]]:2 = scf.for %[[K:.*]] = {{.*}} iter_args(%[[A0:.*]] = %{{.*}}, %[[A1:.*]] = %{{.*}}) -> (vector<8xf32>, vector<8xf32>)
// CHECK-NEXT: %[[WV:.*]] = vector.transfer_read %[[W]][%[[P]], %[[K]], %{{.*}}]
// CHECK-NEXT: %[[X0:.*]] = tensor.extract %[[X]][%[[I]], %[[K]]]
// CHECK-NEXT: %[[XB0:.*]] = vector.broadcast %[[X0]]
// CHECK-NEXT: %[[F0:.*]] = vector.fma %[[XB0]], %[[WV]], %[[A0]]
// CHECK-NEXT: %[[X1:.*]] = tensor.extract %[[X]][%[[I1]], %[[K]]]
// CHECK-NEXT: %[[XB1:.*]] = vector.broadcast %[[X1]]
// CHECK-NEXT: %[[F1:.*]] = vector.fma %[[XB1]], %[[WV]], %[[A1]]
// CHECK-NEXT: scf.yield %[[F0]], %[[F1]]
// Epilogue on the accumulators, then the only store of the tile.
// CHECK: %[[BV:.*]] = vector.transfer_read %[[B]][%[[J]]]
// CHECK-NEXT: %[[Z0:.*]] = arith.addf %[[ACC]]#0, %[[BV]] : vector<8xf32>
// CHECK-NEXT: %[[Z1:.*]] = arith.addf %[[ACC]]#1, %[[BV]]
// CHECK-NEXT: %[[R0:.*]] = arith.maximumf %[[Z0]], %{{.*}} : vector<8xf32>
// CHECK-NEXT: %[[R1:.*]] = arith.maximumf %[[Z1]]
// CHECK-NEXT: %[[W0:.*]] = vector.transfer_write %[[R0]], %[[O]][%[[I]], %[[J]]]
// CHECK-NEXT: %[[W1:.*]] = vector.transfer_write %[[R1]], %[[W0]][%[[I1]], %[[J]]]
// CHECK-NEXT: scf.yield %[[W1]]
// The last two columns (10 = 8 + 2) are a narrower tile, not a scalar loop.
// CHECK: scf.for {{.*}} -> (vector<2xf32>, vector<2xf32>)
// CHECK-NEXT: vector.transfer_read %[[REST]]
// CHECK: vector.transfer_write %{{.*}} : vector<2xf32>, tensor<?x10xf32>
// Leftover rows: one tile of exactly that many rows (here 1 of a 2-row
// tile), as much wider as keeps the full tile's accumulators, built of
// vectors of at most 8 lanes: the 10 columns are one 8-lane and one 2-lane
// accumulator.
// CHECK: %[[REM:.*]] = arith.subi %{{.*}}, %{{.*}} : index
// CHECK: scf.index_switch %[[REM]] -> tensor<?x10xf32>
// CHECK-NEXT: case 1 {
// CHECK-NEXT: scf.for {{.*}} -> (vector<8xf32>, vector<2xf32>)
// CHECK: default {
// CHECK-NEXT: scf.yield %[[ROWS]]
// Weights this small stay in cache, and rows of 4 inputs make one stream
// with their neighbours, which the hardware follows: nothing to prefetch.
// CHECK-NOT: mlp.dense
// CHECK-NOT: memref.prefetch
func.func @dense_relu(%x: tensor<?x4xf32>) -> tensor<?x10xf32> {
  %w = arith.constant dense<0.5> : tensor<10x4xf32>
  %b = arith.constant dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]> : tensor<10xf32>
  %y = mlp.dense %x, %w, %b {activation = "relu", transpose_w = true} : tensor<?x4xf32>, tensor<10x4xf32>, tensor<10xf32> -> tensor<?x10xf32>
  return %y : tensor<?x10xf32>
}

// -----

// Weights that are not constants and stored [N,K] are transposed at run
// time; the sigmoid is computed on vectors in the epilogue. The 2-row
// tile's two accumulators go through it as one vector of 16 lanes, so that
// their long chains interleave, and are split again for the stores; the
// leftover row on its own.
// CHECK-LABEL: func.func @dense_runtime_weights
// CHECK: %[[T:.*]] = linalg.transpose ins(%{{.*}} : tensor<8x4xf32>) outs(%{{.*}} : tensor<4x8xf32>) permutation = [1, 0]
// CHECK: vector.transfer_read %[[T]]
// CHECK: %[[Z0:.*]] = arith.addf %{{.*}} : vector<8xf32>
// CHECK-NEXT: %[[Z1:.*]] = arith.addf %{{.*}} : vector<8xf32>
// CHECK-NEXT: vector.shuffle %[[Z0]], %[[Z1]] [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] : vector<8xf32>, vector<8xf32>
// CHECK: arith.shli %{{.*}} : vector<16xi32>
// CHECK: %[[S:.*]] = arith.divf %{{.*}} : vector<16xf32>
// CHECK-NEXT: %[[S0:.*]] = vector.extract_strided_slice %[[S]] {offsets = [0], sizes = [8], strides = [1]}
// CHECK-NEXT: %[[S1:.*]] = vector.extract_strided_slice %[[S]] {offsets = [8], sizes = [8], strides = [1]}
// CHECK-NEXT: %[[W0:.*]] = vector.transfer_write %[[S0]]
// CHECK-NEXT: vector.transfer_write %[[S1]], %[[W0]]
// CHECK: arith.shli %{{.*}} : vector<8xi32>
// CHECK: arith.divf %{{.*}} : vector<8xf32>
// CHECK-NEXT: vector.transfer_write
func.func @dense_runtime_weights(%x: tensor<3x4xf32>, %w: tensor<8x4xf32>, %b: tensor<8xf32>) -> tensor<3x8xf32> {
  %y = mlp.dense %x, %w, %b {activation = "sigmoid", transpose_w = true} : tensor<3x4xf32>, tensor<8x4xf32>, tensor<8xf32> -> tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}

// -----

// Weights larger than the L2 budget (here 1 MiB) with panels too long for
// two to fit in half of it (K = 8192): column panels outer, so one K x 8
// panel stays in cache while every 2-row block, then the leftover rows as
// one tile of exactly their number (a switch over 1 .. 1 here), pass over
// it. Only when there is no whole block (batch 1) do the rows run after the
// panels, as one wide tile of their exact count.
// Each row block prefetches its share of the next panel's 4096 lines of 64
// bytes (the last panel, 3, its own), one line every 2^shift K steps, when
// there are at most 16 blocks.
// CHECK-LABEL: func.func @dense_large
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[LAST:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[LINES:.*]] = arith.constant 4096 : index
// CHECK-DAG: %[[W:.*]] = arith.constant dense_resource<mlpc_weight_panels> : tensor<4x8192x8xf32>
// CHECK: %[[BUF:.*]] = bufferization.to_buffer %[[W]] read_only : tensor<4x8192x8xf32> to memref<4x8192x8xf32>
// CHECK: %[[TILES:.*]] = arith.maxui
// CHECK-NEXT: %[[ON:.*]] = arith.cmpi ule, %[[TILES]], %[[C16]]
// CHECK-NEXT: %[[PER:.*]] = arith.ceildivui %[[LINES]], %[[TILES]]
// CHECK: math.ctlz
// CHECK: %[[SHIFT:.*]] = arith.maxui
// CHECK: %[[HAS:.*]] = arith.cmpi ugt, %[[MFULL:.*]], %{{.*}}
// CHECK: %[[MTAIL:.*]] = arith.select %[[HAS]], %[[M:.*]], %[[MFULL]]
// CHECK: %[[PANELS:.*]] = scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (tensor<?x32xf32>)
// CHECK: %[[NEXT:.*]] = arith.minui %{{.*}}, %[[LAST]]
// CHECK-NEXT: %[[BLOCKS:.*]] = scf.for %[[I:.*]] = %{{.*}} to %[[MFULL]] step %{{.*}} iter_args
// CHECK: %[[FIRST:.*]] = arith.minui
// CHECK: scf.for %[[K:[^ ]*]] = {{.*}} -> (vector<8xf32>, vector<8xf32>)
// CHECK-NEXT: scf.if %[[ON]] {
// CHECK-NEXT: %[[STEP:.*]] = arith.shrui %[[K]], %[[SHIFT]]
// CHECK-NEXT: %[[LINE:.*]] = arith.addi %[[FIRST]], %[[STEP]]
// CHECK: memref.prefetch %[[BUF]][%[[NEXT]], %{{.*}}, %{{.*}}], read, locality<2>, data
// CHECK: vector.fma
// CHECK: %[[REM:.*]] = arith.subi %[[MTAIL]], %[[MFULL]]
// CHECK: %[[TAIL:.*]] = scf.index_switch %[[REM]] -> tensor<?x32xf32>
// CHECK: case 1 {
// CHECK: -> (vector<8xf32>)
// CHECK: default {
// CHECK-NEXT: scf.yield %[[BLOCKS]]
// CHECK: scf.yield %[[TAIL]]
// CHECK: %[[REST:.*]] = arith.subi %[[M]], %[[MTAIL]]
// CHECK-NEXT: scf.index_switch %[[REST]] -> tensor<?x32xf32>
// CHECK-NEXT: case 1 {
// CHECK: -> (vector<8xf32>, vector<8xf32>)
// CHECK: default {
// CHECK-NEXT: scf.yield %[[PANELS]]
func.func @dense_large(%x: tensor<?x8192xf32>) -> tensor<?x32xf32> {
  %w = arith.constant dense<0.5> : tensor<32x8192xf32>
  %b = arith.constant dense<0.0> : tensor<32xf32>
  %y = mlp.dense %x, %w, %b {transpose_w = true} : tensor<?x8192xf32>, tensor<32x8192xf32>, tensor<32xf32> -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// -----

// Weights larger than the L2 budget (1 MiB) whose panels are short (K = 512:
// 16 KiB each): column groups of as many panels as fit in half of L2 (256
// KiB: 128 columns, 16 panels) outer, and inside each group the rows
// outer, as for weights that fit in L2: every 2-row block over the group's
// 16 column tiles, then the leftover row. No prefetch of weights: the group
// is in L2 after the first block. x's rows (2 KiB) are prefetched a row
// block ahead instead, panel p of a block taking rows [2p/16, 2(p+1)/16)
// of the next one, clamped to the last row. (A batch without a whole row
// tile first takes the column split of @dense_small_batch_split.)
// CHECK-LABEL: func.func @dense_grouped
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x512xf32>)
// CHECK-NOT: memref.prefetch
// CHECK: %[[MFULL:.*]] = arith.subi
// CHECK: %[[SMALL:.*]] = scf.for {{.*}} -> (tensor<?x512xf32>)
// CHECK: scf.forall
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[SMALL]]) -> (tensor<?x512xf32>)
// CHECK: %[[GROUPS:.*]] = scf.for %[[G:.*]] = %{{.*}} to %{{.*}} step %[[C128:.*]] iter_args(%{{.*}} = %{{.*}}) -> (tensor<?x512xf32>)
// CHECK: %[[XBUF:.*]] = bufferization.to_buffer %[[X]] read_only
// CHECK: %[[LAST:.*]] = arith.subi %{{.*}}, %[[C1:.*]] : index
// CHECK: %[[BLOCKS:.*]] = scf.for %[[I:.*]] = %{{.*}} to %[[MFULL]] step %[[C2:.*]] iter_args
// CHECK: %[[TILES:.*]] = scf.for %[[J:.*]] = %{{.*}} to %[[C128]] step %[[C8:.*]] iter_args
// CHECK: %[[P:.*]] = arith.divui %[[J]], %[[C8]]
// CHECK: %[[P2:.*]] = arith.muli %[[P]], %[[C2]]
// CHECK: %[[FIRST:.*]] = arith.divui %[[P2]], %[[C16:.*]] : index
// CHECK: %[[P1:.*]] = arith.addi %[[P]], %[[C1]]
// CHECK: %[[P12:.*]] = arith.muli %[[P1]], %[[C2]]
// CHECK: %[[END:.*]] = arith.divui %[[P12]], %[[C16]]
// CHECK: %[[NEXT:.*]] = arith.addi %[[I]], %[[C2]]
// CHECK: scf.for %[[R:.*]] = %[[FIRST]] to %[[END]] step %[[C1]] {
// CHECK: %[[ROW:.*]] = arith.addi %[[NEXT]], %[[R]]
// CHECK: %[[CLAMPED:.*]] = arith.minui %[[ROW]], %[[LAST]]
// CHECK: scf.for %[[LINE:.*]] = %{{.*}} to %[[C512:.*]] step %[[C16]] {
// CHECK: memref.prefetch %[[XBUF]][%[[CLAMPED]], %[[LINE]]], read, locality<3>, data
// CHECK: %[[COL:.*]] = arith.addi %[[G]], %[[J]]
// CHECK: scf.for %[[K:[^ ]*]] = {{.*}} -> (vector<8xf32>, vector<8xf32>)
// CHECK: vector.fma
// CHECK: scf.index_switch
// CHECK: case 1 {
// CHECK-NOT: memref.prefetch
// CHECK: return
func.func @dense_grouped(%x: tensor<?x512xf32>) -> tensor<?x512xf32> {
  %w = arith.constant dense<0.5> : tensor<512x512xf32>
  %b = arith.constant dense<0.0> : tensor<512xf32>
  %y = mlp.dense %x, %w, %b : tensor<?x512xf32>, tensor<512x512xf32>, tensor<512xf32> -> tensor<?x512xf32>
  return %y : tensor<?x512xf32>
}

// -----

// Only the function's own input is prefetched ahead of the row tiles: the
// second layer reads the first one's output, which it finds in cache.
// CHECK-LABEL: func.func @dense_rows_ahead_of_the_input_only
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x512xf32>)
// CHECK: %[[XBUF:.*]] = bufferization.to_buffer %[[X]] read_only
// CHECK: memref.prefetch %[[XBUF]]
// CHECK-NOT: memref.prefetch
// CHECK: return
func.func @dense_rows_ahead_of_the_input_only(%x: tensor<?x512xf32>) -> tensor<?x8xf32> {
  %w = arith.constant dense<0.5> : tensor<512x512xf32>
  %b = arith.constant dense<0.0> : tensor<512xf32>
  %h = mlp.dense %x, %w, %b : tensor<?x512xf32>, tensor<512x512xf32>, tensor<512xf32> -> tensor<?x512xf32>
  %w2 = arith.constant dense<0.25> : tensor<512x8xf32>
  %b2 = arith.constant dense<0.0> : tensor<8xf32>
  %y = mlp.dense %h, %w2, %b2 : tensor<?x512xf32>, tensor<512x8xf32>, tensor<8xf32> -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// A row of one whole vector (N = 8): its maximum and sum are halved lane by
// lane (8 -> 4 -> 2 -> 1) instead of reduced one lane at a time.
// CHECK-LABEL: func.func @dense_log_softmax_halved
// CHECK: %[[Z:.*]] = arith.addf %{{.*}}, %{{.*}} : vector<8xf32>
// CHECK: %[[LO:.*]] = vector.shuffle %[[Z]], %[[Z]] [0, 1, 2, 3] : vector<8xf32>, vector<8xf32>
// CHECK-NEXT: %[[HI:.*]] = vector.shuffle %[[Z]], %[[Z]] [4, 5, 6, 7] : vector<8xf32>, vector<8xf32>
// CHECK-NEXT: %[[GT:.*]] = arith.cmpf ogt, %[[LO]], %[[HI]] : vector<4xf32>
// CHECK-NEXT: arith.select %[[GT]], %[[LO]], %[[HI]] : vector<4xi1>, vector<4xf32>
// CHECK: %[[M:.*]] = vector.extract %{{.*}}[0] : f32 from vector<1xf32>
// CHECK-NEXT: %[[MB:.*]] = vector.broadcast %[[M]] : f32 to vector<8xf32>
// CHECK-NEXT: %[[SH:.*]] = arith.subf %[[Z]], %[[MB]]
// CHECK: %[[E:.*]] = arith.mulf %{{.*}} : vector<8xf32>
// CHECK-NEXT: vector.shuffle %[[E]], %[[E]] [0, 1, 2, 3]
// CHECK: %[[S:.*]] = vector.extract %{{.*}}[0] : f32 from vector<1xf32>
// CHECK-NEXT: %[[L:.*]] = math.log %[[S]] : f32
// CHECK-NOT: vector.reduction
// CHECK: return
func.func @dense_log_softmax_halved(%x: tensor<?x4xf32>) -> tensor<?x8xf32> {
  %w = arith.constant dense<0.25> : tensor<4x8xf32>
  %b = arith.constant dense<0.0> : tensor<8xf32>
  %y = mlp.dense %x, %w, %b : tensor<?x4xf32>, tensor<4x8xf32>, tensor<8xf32> -> tensor<?x8xf32>
  %p = mlp.log_softmax %y : tensor<?x8xf32> -> tensor<?x8xf32>
  return %p : tensor<?x8xf32>
}

// -----

// A softmax over the rows of a dense layer that fit in one tile (N = 5 <= 8)
// is computed in the kernel's epilogue, on the registers, before the only
// store: max, exp(v - max), sum, divide. No mlp.softmax is left.
// CHECK-LABEL: func.func @dense_softmax
// CHECK: scf.for {{.*}} -> (vector<5xf32>, vector<5xf32>)
// CHECK: %[[Z:.*]] = arith.addf %{{.*}}, %{{.*}} : vector<5xf32>
// CHECK-NEXT: arith.addf %{{.*}}, %{{.*}} : vector<5xf32>
// CHECK-NEXT: %[[M:.*]] = vector.reduction <maxnumf>, %[[Z]] : vector<5xf32> into f32
// CHECK-NEXT: %[[MB:.*]] = vector.broadcast %[[M]] : f32 to vector<5xf32>
// CHECK-NEXT: %[[SH:.*]] = arith.subf %[[Z]], %[[MB]]
// CHECK-NEXT: arith.maximumf %[[SH]]
// CHECK: arith.shli
// CHECK: %[[E:.*]] = arith.mulf
// CHECK-NEXT: %[[S:.*]] = vector.reduction <add>, %[[E]]
// CHECK-NEXT: %[[SB:.*]] = vector.broadcast %[[S]]
// CHECK-NEXT: %[[P:.*]] = arith.divf %[[E]], %[[SB]]
// CHECK-NEXT: vector.transfer_write %[[P]]
// CHECK-NOT: mlp.softmax
func.func @dense_softmax(%x: tensor<?x4xf32>) -> tensor<?x5xf32> {
  %w = arith.constant dense<0.25> : tensor<4x5xf32>
  %b = arith.constant dense<[0.0, 1.0, 2.0, 3.0, 4.0]> : tensor<5xf32>
  %y = mlp.dense %x, %w, %b : tensor<?x4xf32>, tensor<4x5xf32>, tensor<5xf32> -> tensor<?x5xf32>
  %p = mlp.softmax %y : tensor<?x5xf32> -> tensor<?x5xf32>
  return %p : tensor<?x5xf32>
}

// -----

// A layer_norm over the rows of a dense layer that fit in one tile, with a
// scale and bias per column, in the epilogue too: mean, centered squares'
// mean, then (v - mean) * (1 / sqrt(var + eps)) * scale + bias.
// CHECK-LABEL: func.func @dense_layer_norm
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>, %[[G:.*]]: tensor<5xf32>, %[[B:.*]]: tensor<5xf32>)
// CHECK: scf.for {{.*}} -> (vector<5xf32>, vector<5xf32>)
// CHECK: %[[GV:.*]] = vector.transfer_read %[[G]]
// CHECK: %[[BV:.*]] = vector.transfer_read %[[B]]
// CHECK: %[[SUM:.*]] = vector.reduction <add>, %[[Z:.*]] : vector<5xf32> into f32
// CHECK-NEXT: %[[MEAN:.*]] = arith.divf %[[SUM]], %{{.*}} : f32
// CHECK-NEXT: %[[MB:.*]] = vector.broadcast %[[MEAN]]
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[Z]], %[[MB]]
// CHECK-NEXT: %[[SQ:.*]] = arith.mulf %[[D]], %[[D]]
// CHECK-NEXT: %[[SS:.*]] = vector.reduction <add>, %[[SQ]]
// CHECK-NEXT: %[[VAR:.*]] = arith.divf %[[SS]], %{{.*}} : f32
// CHECK: math.sqrt
// CHECK: %[[INV:.*]] = arith.divf
// CHECK: %[[N:.*]] = arith.mulf %[[D]], %{{.*}}
// CHECK-NEXT: %[[S:.*]] = arith.mulf %[[N]], %[[GV]]
// CHECK-NEXT: %[[R:.*]] = arith.addf %[[S]], %[[BV]]
// CHECK-NEXT: vector.transfer_write %[[R]]
// CHECK-NOT: mlp.layer_norm
func.func @dense_layer_norm(%x: tensor<?x4xf32>, %g: tensor<5xf32>, %b2: tensor<5xf32>) -> tensor<?x5xf32> {
  %w = arith.constant dense<0.25> : tensor<4x5xf32>
  %b = arith.constant dense<[0.0, 1.0, 2.0, 3.0, 4.0]> : tensor<5xf32>
  %y = mlp.dense %x, %w, %b : tensor<?x4xf32>, tensor<4x5xf32>, tensor<5xf32> -> tensor<?x5xf32>
  %p = mlp.layer_norm %y, %g, %b2 : tensor<?x5xf32>, tensor<5xf32>, tensor<5xf32> -> tensor<?x5xf32>
  return %p : tensor<?x5xf32>
}

// -----

// Rows wider than a tile (N = 12 > 8): the softmax stays for
// mlp-stable-softmax.
// CHECK-LABEL: func.func @dense_softmax_wide
// CHECK: mlp.log_softmax
func.func @dense_softmax_wide(%x: tensor<?x4xf32>) -> tensor<?x12xf32> {
  %w = arith.constant dense<0.25> : tensor<4x12xf32>
  %b = arith.constant dense<0.0> : tensor<12xf32>
  %y = mlp.dense %x, %w, %b : tensor<?x4xf32>, tensor<4x12xf32>, tensor<12xf32> -> tensor<?x12xf32>
  %p = mlp.log_softmax %y : tensor<?x12xf32> -> tensor<?x12xf32>
  return %p : tensor<?x12xf32>
}

// -----

// A residual connection: add(dense, r) with r of the result's shape, then
// an activation. One kernel: the epilogue adds the bias, then r's element
// at the same row and column, then applies the activation, as the unfused
// ops would, and the sum is never stored. The kernel goes where the add
// was: r may be defined after the dense layer.
// CHECK-LABEL: func.func @dense_residual
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>, %[[Y:.*]]: tensor<?x8xf32>)
// CHECK: %[[R:.*]] = mlp.tanh %[[Y]]
// CHECK: %[[ACC:.*]]:2 = scf.for
// CHECK: scf.yield
// CHECK-NEXT: }
// CHECK-NEXT: %[[BV:.*]] = vector.transfer_read %{{.*}}[%[[J:[a-z0-9_]+]]]
// CHECK-NEXT: %[[Z0:.*]] = arith.addf %[[ACC]]#0, %[[BV]] : vector<8xf32>
// CHECK-NEXT: %[[R0:.*]] = vector.transfer_read %[[R]][%[[I:[a-z0-9_]+]], %[[J]]]
// CHECK-NEXT: %[[S0:.*]] = arith.addf %[[Z0]], %[[R0]] : vector<8xf32>
// CHECK-NEXT: %[[Z1:.*]] = arith.addf %[[ACC]]#1, %[[BV]]
// CHECK-NEXT: %[[R1:.*]] = vector.transfer_read %[[R]][%[[I1:[a-z0-9_]+]], %[[J]]]
// CHECK-NEXT: %[[S1:.*]] = arith.addf %[[Z1]], %[[R1]]
// CHECK-NEXT: %[[A0:.*]] = arith.maximumf %[[S0]], %{{.*}} : vector<8xf32>
// CHECK-NEXT: %[[A1:.*]] = arith.maximumf %[[S1]]
// CHECK-NEXT: vector.transfer_write %[[A0]], %{{.*}}[%[[I]], %[[J]]]
// CHECK-NOT: mlp.add
// CHECK-NOT: mlp.relu
// CHECK: return
func.func @dense_residual(%x: tensor<?x4xf32>, %y: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %w = arith.constant dense<0.25> : tensor<4x8xf32>
  %b = arith.constant dense<0.5> : tensor<8xf32>
  %d = mlp.dense %x, %w, %b : tensor<?x4xf32>, tensor<4x8xf32>, tensor<8xf32> -> tensor<?x8xf32>
  %r = mlp.tanh %y : tensor<?x8xf32> -> tensor<?x8xf32>
  %s = mlp.add %r, %d : tensor<?x8xf32>, tensor<?x8xf32> -> tensor<?x8xf32>
  %a = mlp.relu %s : tensor<?x8xf32> -> tensor<?x8xf32>
  return %a : tensor<?x8xf32>
}

// -----

// Not fused: an activation before the add (act(z) + r is not act(z + r)),
// a broadcast add, and a dense layer with another user.
// CHECK-LABEL: func.func @dense_residual_not_fused
// CHECK-COUNT-3: mlp.add
// CHECK: return
func.func @dense_residual_not_fused(%x: tensor<?x4xf32>, %r: tensor<?x8xf32>, %v: tensor<8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>) {
  %w = arith.constant dense<0.25> : tensor<4x8xf32>
  %b = arith.constant dense<0.5> : tensor<8xf32>
  %d0 = mlp.dense %x, %w, %b {activation = "relu"} : tensor<?x4xf32>, tensor<4x8xf32>, tensor<8xf32> -> tensor<?x8xf32>
  %s0 = mlp.add %d0, %r : tensor<?x8xf32>, tensor<?x8xf32> -> tensor<?x8xf32>
  %d1 = mlp.dense %x, %w, %b : tensor<?x4xf32>, tensor<4x8xf32>, tensor<8xf32> -> tensor<?x8xf32>
  %s1 = mlp.add %d1, %v : tensor<?x8xf32>, tensor<8xf32> -> tensor<?x8xf32>
  %d2 = mlp.dense %x, %w, %b : tensor<?x4xf32>, tensor<4x8xf32>, tensor<8xf32> -> tensor<?x8xf32>
  %s2 = mlp.add %d2, %r : tensor<?x8xf32>, tensor<?x8xf32> -> tensor<?x8xf32>
  return %s0, %s1, %s2, %d2 : tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>
}

// -----

// A layer with 2 MiB of weights or more splits its columns over threads:
// an scf.forall over column chunks, each computing its columns of every row
// into a slice of the result (mlp-outline-parallel later hands it to the
// runtime, which gives each thread one contiguous range of chunks). A batch
// without a whole row tile takes chunks of one wide tile (2 x 8 = 16
// columns here, so 1024 / 16 = 64 chunks); larger batches one panel each
// (8 columns, 128 chunks), so that the ranges split the columns evenly.

// The two paths are loops of zero or one trip chained on the result's
// destination (not an scf.if, whose branches would share it from outside,
// which made eliminate-empty-tensors send one branch, a different one from
// run to run, through scratch and a copy): both write in place
// (test/Driver/result-in-place.mlir).

// CHECK-LABEL: func.func @dense_split
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[WIDE_FLOPS:.*]] = arith.constant 16384 : index
// CHECK-DAG: %[[PANEL_FLOPS:.*]] = arith.constant 8192 : index
// CHECK: %[[DEST:.*]] = tensor.empty(%{{.*}}) : tensor<?x1024xf32>
// CHECK: %[[MFULL:.*]] = arith.subi %{{.*}}, %{{.*}} : index
// CHECK: %[[SMALL:.*]] = arith.cmpi eq, %[[MFULL]], %[[C0]]
// CHECK: %[[ONCE:.*]] = arith.select %[[SMALL]], %[[C1:.*]], %[[C0]] : index
// CHECK: %[[OTHERWISE:.*]] = arith.select %[[SMALL]], %[[C0]], %[[C1]] : index
// CHECK: %[[R0:.*]] = scf.for %{{.*}} = %[[C0]] to %[[ONCE]] step %[[C1]] iter_args(%[[D0:.*]] = %[[DEST]])
// CHECK: %[[F:.*]] = arith.muli %[[M:.*]], %[[WIDE_FLOPS]] : index
// CHECK: scf.forall (%[[C:.*]]) in (64) shared_outs(%[[O:.*]] = %[[D0]]) -> (tensor<?x1024xf32>)
// CHECK-NEXT: mlp.task_flops %[[F]]
// CHECK: %[[J:.*]] = arith.muli %[[C]], %{{.*}}
// CHECK: tensor.extract_slice %[[O]][0, %[[J]]] [%{{.*}}, 16] [1, 1]
// CHECK: vector.fma
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %{{.*}} into %[[O]][0, %[[J]]] [%{{.*}}, 16] [1, 1]
// CHECK: %[[R:.*]] = scf.for %{{.*}} = %[[C0]] to %[[OTHERWISE]] step %[[C1]] iter_args(%[[D1:.*]] = %[[R0]])
// CHECK: %[[F2:.*]] = arith.muli %[[M]], %[[PANEL_FLOPS]] : index
// CHECK: scf.forall (%[[C2:.*]]) in (128) shared_outs(%[[O2:.*]] = %[[D1]]) -> (tensor<?x1024xf32>)
// CHECK-NEXT: mlp.task_flops %[[F2]]
// CHECK: %[[J2:.*]] = arith.muli %[[C2]], %{{.*}}
// CHECK: tensor.extract_slice %[[O2]][0, %[[J2]]] [%{{.*}}, 8] [1, 1]
// CHECK: vector.fma
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %{{.*}} into %[[O2]][0, %[[J2]]] [%{{.*}}, 8] [1, 1]
// CHECK: return %[[R]]
func.func @dense_split(%x: tensor<?x512xf32>) -> tensor<?x1024xf32> {
  %w = arith.constant dense<0.5> : tensor<512x1024xf32>
  %b = arith.constant dense<0.0> : tensor<1024xf32>
  %y = mlp.dense %x, %w, %b : tensor<?x512xf32>, tensor<512x1024xf32>, tensor<1024xf32> -> tensor<?x1024xf32>
  return %y : tensor<?x1024xf32>
}

// -----

// A layer of 256 KiB to 2 MiB splits its columns over threads only for a
// batch smaller than the tile (no whole row tile): an scf.forall over
// chunks of 8 vectors (64 columns; 300 = 4 x 64 + 44: 5 chunks, the last at
// its constant column 256), each running its rows as one tile of their
// exact count (a switch over the batch, 1 here with 2-row tiles). Larger
// batches take the row tiles. The forall states a chunk's FLOPs at this
// batch (2 x 256 x 64 per row), for the runtime to weigh against what a
// split costs.

// CHECK-LABEL: func.func @dense_small_batch_split
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[ROW_FLOPS:.*]] = arith.constant 32768 : index
// CHECK: %[[MFULL:.*]] = arith.subi %[[M:[^,]*]],
// CHECK: %[[SMALL:.*]] = arith.cmpi eq, %[[MFULL]], %[[C0]]
// CHECK: %[[ONCE:.*]] = arith.select %[[SMALL]], %[[C1:.*]], %[[C0]] : index
// CHECK: %[[OTHERWISE:.*]] = arith.select %[[SMALL]], %[[C0]], %[[C1]] : index
// CHECK: %[[R0:.*]] = scf.for %{{.*}} = %[[C0]] to %[[ONCE]] step %[[C1]] iter_args(%[[D0:.*]] = %{{.*}})
// CHECK: %[[F:.*]] = arith.muli %[[M]], %[[ROW_FLOPS]] : index
// CHECK: scf.forall (%[[C:.*]]) in (5) shared_outs(%[[O:.*]] = %[[D0]]) -> (tensor<?x300xf32>)
// CHECK-NEXT: mlp.task_flops %[[F]]
// CHECK: %[[LAST:.*]] = arith.cmpi eq, %[[C]], %{{.*}}
// CHECK: %[[W:.*]] = arith.select %[[LAST]], %{{.*}}, %{{.*}}
// CHECK: tensor.extract_slice %[[O]][0, %{{.*}}] [%[[M]], %[[W]]] [1, 1]
// CHECK: scf.if %[[LAST]]
// CHECK: scf.index_switch %[[M]]
// CHECK-NEXT: case 1 {
// CHECK: vector.fma
// CHECK: } else {
// CHECK: scf.index_switch %[[M]]
// CHECK: scf.forall.in_parallel
// CHECK: %[[R:.*]] = scf.for %{{.*}} = %[[C0]] to %[[OTHERWISE]] step %[[C1]] iter_args(%[[D1:.*]] = %[[R0]])
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[MFULL]] step %{{.*}} iter_args(%{{.*}} = %[[D1]])
// CHECK: return %[[R]]
func.func @dense_small_batch_split(%x: tensor<?x256xf32>) -> tensor<?x300xf32> {
  %w = arith.constant dense<0.5> : tensor<256x300xf32>
  %b = arith.constant dense<0.0> : tensor<300xf32>
  %y = mlp.dense %x, %w, %b : tensor<?x256xf32>, tensor<256x300xf32>, tensor<300xf32> -> tensor<?x300xf32>
  return %y : tensor<?x300xf32>
}

// -----

// With 3-row tiles of 8 columns in 4-lane vectors (6 accumulators), the
// rows left over take one tile of their exact count: 1 row 24 columns wide
// (6 accumulators), 2 rows 8 wide (4), so that each weight is read once for
// all of them.

// LEFT-LABEL: func.func @dense_leftover_rows
// LEFT: %[[ROWS:.*]] = scf.for {{.*}} -> (tensor<?x48xf32>)
// LEFT: %[[REM:.*]] = arith.subi %{{.*}}, %{{.*}} : index
// LEFT-NEXT: scf.index_switch %[[REM]] -> tensor<?x48xf32>
// LEFT-NEXT: case 1 {
// LEFT: scf.for {{.*}} step %c24
// LEFT: scf.for {{.*}} -> (vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>)
// LEFT: case 2 {
// LEFT: scf.for {{.*}} step %c8
// LEFT: scf.for {{.*}} -> (vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>)
// LEFT: default {
// LEFT-NEXT: scf.yield %[[ROWS]]
func.func @dense_leftover_rows(%x: tensor<?x16xf32>) -> tensor<?x48xf32> {
  %w = arith.constant dense<0.5> : tensor<16x48xf32>
  %b = arith.constant dense<0.0> : tensor<48xf32>
  %y = mlp.dense %x, %w, %b : tensor<?x16xf32>, tensor<16x48xf32>, tensor<48xf32> -> tensor<?x48xf32>
  return %y : tensor<?x48xf32>
}

// -----

// AVX-512's 16 lanes take chunks of 4 vectors for small batches: still 64
// columns, as many FMA lanes in flight per row as AVX2's 8 vectors. So a
// 128-column layer of 256 KiB (mnist's first) splits in two chunks; with
// 8 vectors it was one chunk and never split.

// WIDE-LABEL: func.func @dense_small_batch_split_16_lanes
// WIDE-DAG: %[[ROW_FLOPS:.*]] = arith.constant 65536 : index
// WIDE: %[[F:.*]] = arith.muli %{{.*}}, %[[ROW_FLOPS]] : index
// WIDE: scf.forall (%{{.*}}) in (2) shared_outs
// WIDE-NEXT: mlp.task_flops %[[F]]
// WIDE: vector.fma %{{.*}} : vector<16xf32>
func.func @dense_small_batch_split_16_lanes(%x: tensor<?x512xf32>) -> tensor<?x128xf32> {
  %w = arith.constant dense<0.5> : tensor<512x128xf32>
  %b = arith.constant dense<0.0> : tensor<128xf32>
  %y = mlp.dense %x, %w, %b : tensor<?x512xf32>, tensor<512x128xf32>, tensor<128xf32> -> tensor<?x128xf32>
  return %y : tensor<?x128xf32>
}

// -----

// One layer under each strategy that `strategy` forces (589 KB of weights,
// which `auto` runs in column groups). Every strategy first splits a batch
// smaller than the tile over threads in chunks of 64 columns (2 chunks).
// Rows outer: the row tiles' loop holds the loop over all 72 columns.
// BY-ROWS-LABEL: func.func @forced
// BY-ROWS: scf.forall (%{{.*}}) in (2)
// BY-ROWS: scf.for %[[I:.*]] = %c0 to %{{.*}} step %c2
// BY-ROWS-NEXT: scf.for %[[J:.*]] = %c0 to %c72 step %c8
// BY-ROWS-NOT: scf.forall
// Column groups of 32 columns (K = 2048 leaves room for 32 in half of
// L2), rows outer inside each; the last 8 columns after them.
// BY-GROUPS-LABEL: func.func @forced
// BY-GROUPS: scf.for %[[G:.*]] = %c0 to %c64 step %c32
// BY-GROUPS: scf.for %{{.*}} = %c0 to %{{.*}} step %c2
// BY-GROUPS-NEXT: scf.for %{{.*}} = %c0 to %c32 step %c8
// BY-GROUPS-NOT: memref.prefetch %{{.*}}, read, locality<2>
// Panels outer: each panel's loop holds the row tiles, which prefetch the
// next panel.
// BY-PANELS-LABEL: func.func @forced
// BY-PANELS: scf.for %[[P:.*]] = %c0 to %c72 step %c8
// BY-PANELS: scf.for %{{.*}} = %c0 to %{{.*}} step %c2
// BY-PANELS: memref.prefetch %{{.*}}, read, locality<2>, data
// Column split at any batch: one wide tile (16 columns) per task below a
// row tile, one panel (8 columns) per task above, each stating its work.
// BY-SPLIT-LABEL: func.func @forced
// BY-SPLIT: scf.forall (%{{.*}}) in (5)
// BY-SPLIT-NEXT: mlp.task_flops
// BY-SPLIT: scf.forall (%{{.*}}) in (9)
// BY-SPLIT-NEXT: mlp.task_flops
// BY-BAD: error: mlp-lower-dense: strategy 'rows' is not one; use auto, rows-outer, column-groups, panels-outer or column-split
func.func @forced(%x: tensor<?x2048xf32>) -> tensor<?x72xf32> {
  %w = arith.constant dense<0.5> : tensor<72x2048xf32>
  %b = arith.constant dense<0.25> : tensor<72xf32>
  %y = mlp.dense %x, %w, %b {activation = "relu", transpose_w = true} : tensor<?x2048xf32>, tensor<72x2048xf32>, tensor<72xf32> -> tensor<?x72xf32>
  return %y : tensor<?x72xf32>
}

// -----

// Narrow weights. int8: each row of x is quantized before the tiles (its
// scale, then its values packed four bytes to an i32 lane, offset by 128
// for vpdpbusd); the K loop takes ceil(K / 4) steps of one vpdpbusd per
// row and vector; the epilogue corrects the offset per column, scales the
// sum to f32 and adds the bias.
// VNNI-LABEL: func.func @dense_int8
// VNNI: math.roundeven
// VNNI: arith.trunci {{.*}} : vector<8xi32> to vector<8xi8>
// VNNI: vector.bitcast {{.*}} : vector<8xi8> to vector<2xi32>
// VNNI: scf.for {{.*}} = %c0 to %c3 step %c1
// VNNI: mlp.intrinsic "llvm.x86.avx512.vpdpbusd.256"({{.*}}) : (vector<8xi32>, vector<32xi8>, vector<32xi8>) -> vector<8xi32>
// VNNI: arith.subi {{.*}} : vector<8xi32>
// VNNI: arith.sitofp {{.*}} : vector<8xi32> to vector<8xf32>
// VNNI: arith.addf
// MADD-LABEL: func.func @dense_int8
// MADD: vector.bitcast {{.*}} : vector<8xi16> to vector<4xi32>
// MADD: scf.for {{.*}} = %c0 to %c5 step %c1
// MADD: arith.extsi {{.*}} : vector<16xi8> to vector<16xi16>
// MADD: mlp.intrinsic "llvm.x86.avx2.pmadd.wd"
// MADD-NOT: arith.subi
// MADD: arith.sitofp
func.func @dense_int8(%x: tensor<?x10xf32>) -> tensor<?x8xf32> {
  %w = arith.constant dense<3> : tensor<10x8xi8>
  %s = arith.constant dense<0.5> : tensor<8xf32>
  %b = arith.constant dense<1.0> : tensor<8xf32>
  %y = mlp.dense %x, %w, %b w_scale(%s : tensor<8xf32>) {activation = "relu"} : tensor<?x10xf32>, tensor<10x8xi8>, tensor<8xf32> -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// bf16 weights widened for the f32 FMAs (the default), or, with
// bf16-product=dot, the row rounded to bf16 and packed in pairs for
// vdpbf16ps.
// VNNI-LABEL: func.func @dense_bf16
// VNNI: arith.extf {{.*}} : vector<8xbf16> to vector<8xf32>
// VNNI: vector.fma
// DOT-LABEL: func.func @dense_bf16
// DOT: arith.truncf {{.*}} : vector<8xf32> to vector<8xbf16>
// DOT: mlp.intrinsic "llvm.x86.avx512bf16.dpbf16ps.256"
func.func @dense_bf16(%x: tensor<?x10xf32>) -> tensor<?x8xf32> {
  %w = arith.constant dense<3.0> : tensor<10x8xbf16>
  %b = arith.constant dense<1.0> : tensor<8xf32>
  %y = mlp.dense %x, %w, %b : tensor<?x10xf32>, tensor<10x8xbf16>, tensor<8xf32> -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}
