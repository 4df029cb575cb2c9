// RUN: mlpc-opt %s -split-input-file -verify-diagnostics -mlp-entry-points -one-shot-bufferize -convert-to-llvm -reconcile-unrealized-casts -mlp-emit-c-abi | FileCheck %s

// The kernel becomes internal; the public wrapper checks its pointers and
// the batch, and calls the kernel with memref descriptors built from them.

// CHECK: llvm.func internal @__mlpc_model(
// CHECK-LABEL: llvm.func @model(
// CHECK-SAME: %[[IN:.*]]: !llvm.ptr, %[[OUT:.*]]: !llvm.ptr, %[[BATCH:.*]]: i64) -> i32
// CHECK: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK: llvm.icmp "eq" %[[IN]], %[[NULL]]
// CHECK: llvm.icmp "eq" %[[OUT]], %[[NULL]]
// CHECK: %[[ONE:.*]] = llvm.mlir.constant(1 : i64)
// CHECK: llvm.icmp "slt" %[[BATCH]], %[[ONE]]
// Batch limit: 2^56 bytes (the largest address space) / (4 bytes * 3
// floats per row).
// CHECK: llvm.mlir.constant(6004799503160661 : i64)
// CHECK: llvm.cond_br %{{.*}}, ^[[NULLBB:.*]], ^[[BATCHBB:.*]]
// CHECK: ^[[NULLBB]]:
// CHECK-NEXT: %[[C1:.*]] = llvm.mlir.constant(1 : i32)
// CHECK-NEXT: llvm.return %[[C1]]
// CHECK: ^[[BATCHBB]]:
// CHECK-NEXT: llvm.cond_br %{{.*}}, ^[[BADBB:.*]], ^[[EXTENTBB:.*]]
// CHECK: ^[[BADBB]]:
// CHECK-NEXT: %[[C2:.*]] = llvm.mlir.constant(2 : i32)
// CHECK-NEXT: llvm.return %[[C2]]
// Each buffer's bytes [start, start + batch * row) must not wrap around the
// address space (MLPC_ERR_BAD_BATCH), and the output's must not overlap the
// input's (MLPC_ERR_OVERLAP): one branch for both, told apart after it.
// CHECK: ^[[EXTENTBB]]:
// CHECK: %[[INSTART:.*]] = llvm.ptrtoint %[[IN]] : !llvm.ptr to i64
// CHECK: %[[INEND:.*]] = llvm.add %[[INSTART]]
// CHECK: %[[OUTSTART:.*]] = llvm.ptrtoint %[[OUT]] : !llvm.ptr to i64
// CHECK: %[[OUTEND:.*]] = llvm.add %[[OUTSTART]]
// CHECK: llvm.icmp "ult" %[[INEND]], %[[INSTART]]
// CHECK: llvm.icmp "ult" %[[OUTEND]], %[[OUTSTART]]
// CHECK-NEXT: %[[WRAPS:.*]] = llvm.or
// CHECK: llvm.icmp "ult" %[[INSTART]], %[[OUTEND]]
// CHECK: llvm.icmp "ult" %[[OUTSTART]], %[[INEND]]
// CHECK-NEXT: llvm.and
// CHECK-NEXT: %[[OVERLAPS:.*]] = llvm.or
// CHECK: %[[REFUSED:.*]] = llvm.or %[[WRAPS]], %[[OVERLAPS]]
// CHECK: llvm.cond_br %[[REFUSED]], ^[[REFUSEDBB:.*]], ^[[CALLBB:.*]]
// CHECK: ^[[REFUSEDBB]]:
// CHECK: %[[STATUS:.*]] = llvm.select %[[WRAPS]], %{{.*}}, %{{.*}} : i1, i32
// CHECK-NEXT: llvm.return %[[STATUS]]
// CHECK: ^[[CALLBB]]:
// CHECK: llvm.call @__mlpc_model(%[[IN]], %[[IN]], %{{.*}}, %[[BATCH]], %{{.*}}, %{{.*}}, %{{.*}}, %[[OUT]], %[[OUT]], %{{.*}}, %[[BATCH]],
// CHECK: llvm.return
func.func @model(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  return %x : tensor<?x3xf32>
}

// A fully static entry: batch must equal the static leading dimension.
// CHECK-LABEL: llvm.func @fixed(
// CHECK: %[[FOUR:.*]] = llvm.mlir.constant(4 : i64)
// CHECK: llvm.icmp "ne" %{{.*}}, %[[FOUR]]
func.func @fixed(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  return %x : tensor<4x3xf32>
}

// With a planned scratch buffer, the wrapper computes its size, takes it
// from the stack when small or from malloc otherwise, returns
// MLPC_ERR_OUT_OF_MEMORY (3) when malloc fails, and frees it.
// RUN: mlpc-opt %s -split-input-file -verify-diagnostics -mlp-entry-points -one-shot-bufferize -mlp-plan-scratch -convert-to-llvm -reconcile-unrealized-casts -mlp-emit-c-abi | FileCheck %s --check-prefix=SCRATCH
// SCRATCH-LABEL: llvm.func @scratch(
// SCRATCH: %[[BYTES:.*]] = llvm.call @__mlpc_scratch_scratch_bytes(
// SCRATCH: %[[LIMIT:.*]] = llvm.mlir.constant(16384 : i64)
// SCRATCH: llvm.icmp "ule" %[[BYTES]], %[[LIMIT]]
// SCRATCH: llvm.alloca %[[BYTES]] x i8 {alignment = 64 : i64}
// SCRATCH: %[[HEAP:.*]] = llvm.call @malloc(%[[BYTES]])
// SCRATCH: llvm.icmp "eq" %[[HEAP]]
// SCRATCH: llvm.mlir.constant(3 : i32)
// SCRATCH: llvm.call @__mlpc_scratch(
// SCRATCH: llvm.call @free(
func.func @scratch(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %c0 = arith.constant 0 : index
  %d = tensor.dim %x, %c0 : tensor<?x3xf32>
  %e = tensor.empty(%d) : tensor<?x3xf32>
  %a = linalg.add ins(%x, %x : tensor<?x3xf32>, tensor<?x3xf32>) outs(%e : tensor<?x3xf32>) -> tensor<?x3xf32>
  %e2 = tensor.empty(%d) : tensor<?x3xf32>
  %b = linalg.mul ins(%a, %x : tensor<?x3xf32>, tensor<?x3xf32>) outs(%e2 : tensor<?x3xf32>) -> tensor<?x3xf32>
  return %b : tensor<?x3xf32>
}

// An entry marked row-parallel: small batches call the kernel directly;
// from 2 * MLPC_MIN_AWAKE_FLOPS_PER_THREAD / flops rows (2^17 / 2^15 = 4)
// on, a per-range function goes to the runtime's mlpc_parallel_rows with
// the pointers and their row sizes in bytes.
// RUN: mlpc-opt %s -split-input-file -verify-diagnostics -mlp-entry-points -one-shot-bufferize -convert-to-llvm -reconcile-unrealized-casts -mlp-emit-c-abi | FileCheck %s --check-prefix=PAR
// PAR-LABEL: llvm.func internal @__mlpc_rows_rows(
// PAR-SAME: %[[PTRS:.*]]: !llvm.ptr, %[[ROWS:.*]]: i64) -> i32
// PAR: %[[P0:.*]] = llvm.getelementptr %[[PTRS]][0]
// PAR: %[[IN:.*]] = llvm.load %[[P0]]
// PAR: llvm.call @__mlpc_rows(%[[IN]], %[[IN]], %{{.*}}, %[[ROWS]],
// PAR-LABEL: llvm.func @rows(
// PAR-SAME: %[[X:.*]]: !llvm.ptr, %[[Y:.*]]: !llvm.ptr, %[[B:.*]]: i64) -> i32
// PAR: %[[MIN:.*]] = llvm.mlir.constant(4 : i64)
// PAR: llvm.icmp "slt" %[[B]], %[[MIN]]
// PAR: llvm.call @__mlpc_rows(%[[X]], %[[X]]
// PAR: llvm.mlir.constant(12 : i64)
// PAR: %[[ARR:.*]] = llvm.alloca {{.*}} x !llvm.ptr
// PAR: llvm.store %[[X]]
// PAR: %[[RB:.*]] = llvm.alloca {{.*}} x i64
// PAR: %[[FN:.*]] = llvm.mlir.addressof @__mlpc_rows_rows
// PAR: %[[S:.*]] = llvm.call @mlpc_parallel_rows(%[[FN]], %[[ARR]], %[[RB]], %{{.*}}, %[[B]], %{{.*}}, %{{.*}})
// PAR: llvm.return %[[S]]
func.func @rows(%x: tensor<?x3xf32>) -> tensor<?x3xf32> attributes {mlpc.row_parallel_flops = 32768 : i64} {
  return %x : tensor<?x3xf32>
}

// A row-parallel entry with intermediates whose weights stay in L2: each
// range runs in chunks of rows (intermediates of about 128 KiB, whole
// register tiles of mlpc.row_block rows) in one scratch buffer sized for a
// chunk. Its scratch takes 152 bytes per row (two buffers of 12 bytes, plus
// 64 each for alignment), so a chunk is 131072 / 152 = 862 rows, 858 in
// whole tiles of 6. The buffer is freed once, after the last chunk.
// RUN: mlpc-opt %s -split-input-file -verify-diagnostics -mlp-entry-points -one-shot-bufferize -mlp-plan-scratch -convert-to-llvm -reconcile-unrealized-casts -mlp-emit-c-abi | FileCheck %s --check-prefix=CHUNK
// CHUNK-LABEL: llvm.func internal @__mlpc_chunked_rows(
// CHUNK-SAME: %[[PTRS:.*]]: !llvm.ptr, %[[ROWS:.*]]: i64) -> i32
// CHUNK: %[[CHUNK:.*]] = llvm.mlir.constant(858 : i64)
// CHUNK: %[[LT:.*]] = llvm.icmp "slt" %[[ROWS]], %[[CHUNK]]
// CHUNK: %[[FIRST:.*]] = llvm.select %[[LT]], %[[ROWS]], %[[CHUNK]]
// CHUNK: %[[BYTES:.*]] = llvm.call @__mlpc_chunked_scratch_bytes({{.*}}%[[FIRST]]
// CHUNK: llvm.br ^[[HEAD:bb[0-9]+]](%{{.*}} : i64)
// CHUNK: ^[[FREE:bb[0-9]+]]:
// CHUNK-NEXT: llvm.call @free(
// CHUNK: ^[[HEAD]](%[[START:.*]]: i64):
// CHUNK: %[[MORE:.*]] = llvm.icmp "slt" %[[START]], %[[ROWS]]
// CHUNK: llvm.cond_br %[[MORE]], ^[[BODY:bb[0-9]+]], ^[[EXIT:bb[0-9]+]]
// CHUNK: ^[[BODY]]:
// CHUNK: %[[ROWBYTES:.*]] = llvm.mlir.constant(12 : i64)
// CHUNK: %[[OFF:.*]] = llvm.mul %[[START]], %[[ROWBYTES]]
// CHUNK: %[[IN:.*]] = llvm.getelementptr %{{.*}}[%[[OFF]]] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHUNK: %[[LEFT:.*]] = llvm.sub %[[ROWS]], %[[START]]
// CHUNK: %[[LT2:.*]] = llvm.icmp "slt" %[[LEFT]], %[[CHUNK]]
// CHUNK: %[[N:.*]] = llvm.select %[[LT2]], %[[LEFT]], %[[CHUNK]]
// CHUNK: llvm.call @__mlpc_chunked(%[[IN]], %[[IN]], %{{.*}}, %[[N]],
// CHUNK: %[[NEXT:.*]] = llvm.add %[[START]], %[[CHUNK]]
// CHUNK: llvm.br ^[[HEAD]](%[[NEXT]] : i64)
// CHUNK: ^[[EXIT]]:
// CHUNK-NEXT: llvm.cond_br %{{.*}}, ^[[FREE]], ^
// Weights beyond L2 (600 KiB): a chunk would read them again, so a range
// is one kernel call.
// CHUNK-LABEL: llvm.func internal @__mlpc_unchunked_rows(
// CHUNK-NOT: llvm.br ^{{.*}}(%{{.*}} : i64)
// CHUNK: llvm.call @__mlpc_unchunked(
// CHUNK-LABEL: llvm.func @unchunked(
func.func @chunked(%x: tensor<?x3xf32>) -> tensor<?x3xf32> attributes {mlpc.row_parallel_flops = 32768 : i64, mlpc.row_parallel_weight_bytes = 1024 : i64, mlpc.row_block = 6 : i64} {
  %c0 = arith.constant 0 : index
  %d = tensor.dim %x, %c0 : tensor<?x3xf32>
  %e = tensor.empty(%d) : tensor<?x3xf32>
  %a = linalg.add ins(%x, %x : tensor<?x3xf32>, tensor<?x3xf32>) outs(%e : tensor<?x3xf32>) -> tensor<?x3xf32>
  %e2 = tensor.empty(%d) : tensor<?x3xf32>
  %b = linalg.mul ins(%a, %x : tensor<?x3xf32>, tensor<?x3xf32>) outs(%e2 : tensor<?x3xf32>) -> tensor<?x3xf32>
  return %b : tensor<?x3xf32>
}
func.func @unchunked(%x: tensor<?x3xf32>) -> tensor<?x3xf32> attributes {mlpc.row_parallel_flops = 32768 : i64, mlpc.row_parallel_weight_bytes = 614400 : i64, mlpc.row_block = 6 : i64} {
  %c0 = arith.constant 0 : index
  %d = tensor.dim %x, %c0 : tensor<?x3xf32>
  %e = tensor.empty(%d) : tensor<?x3xf32>
  %a = linalg.add ins(%x, %x : tensor<?x3xf32>, tensor<?x3xf32>) outs(%e : tensor<?x3xf32>) -> tensor<?x3xf32>
  %e2 = tensor.empty(%d) : tensor<?x3xf32>
  %b = linalg.mul ins(%a, %x : tensor<?x3xf32>, tensor<?x3xf32>) outs(%e2 : tensor<?x3xf32>) -> tensor<?x3xf32>
  return %b : tensor<?x3xf32>
}

// RUN: mlpc-opt %s -split-input-file -verify-diagnostics -mlp-emit-c-abi | FileCheck %s --check-prefix=LAUNCH
// -----

// A launch left by mlp-outline-parallel gets its body: its fields packed
// into a context on the stack, handed with a task function (which unpacks
// them and runs the outlined loop over [begin, end)) to mlpc_parallel_for,
// with the FLOPs per iteration that the loop stated (the launch's second
// argument).

// LAUNCH-LABEL: llvm.func internal @k_par0(
// LAUNCH-LABEL: llvm.func internal @k_par0_task(
// LAUNCH-SAME: %[[CTX:.*]]: !llvm.ptr, %[[B:.*]]: i64, %[[E:.*]]: i64)
// LAUNCH: %[[P:.*]] = llvm.load %{{.*}} : !llvm.ptr -> !llvm.ptr
// LAUNCH: %[[N:.*]] = llvm.load %{{.*}} : !llvm.ptr -> i64
// LAUNCH: llvm.call @k_par0(%[[B]], %[[E]], %[[P]], %[[N]])
// LAUNCH-LABEL: llvm.func internal @k_par0_launch(
// LAUNCH-SAME: %[[COUNT:.*]]: i64, %[[FLOPS:.*]]: i64, %[[PTR:.*]]: !llvm.ptr, %[[ROWS:.*]]: i64)
// LAUNCH: %[[SLOTS:.*]] = llvm.alloca %{{.*}} x i64
// LAUNCH: llvm.store %[[PTR]]
// LAUNCH: llvm.store %[[ROWS]]
// LAUNCH: %[[TASK:.*]] = llvm.mlir.addressof @k_par0_task
// LAUNCH: llvm.call @mlpc_parallel_for(%[[TASK]], %[[SLOTS]], %[[COUNT]], %[[FLOPS]])
module {
  llvm.func @k_par0(%b: i64, %e: i64, %p: !llvm.ptr, %n: i64) {
    llvm.return
  }
  llvm.func @k_par0_launch(i64, i64, !llvm.ptr, i64) attributes {mlpc.parallel_body = @k_par0}
}

// -----

// A launch whose fields do not match its body's is an error, not a task
// that reads past its context.

module {
  llvm.func @k_par0(%b: i64, %e: i64, %p: !llvm.ptr, %n: i64) {
    llvm.return
  }
  // expected-error @+1 {{mlp-emit-c-abi: parallel launch without its body, or whose arguments (count, flops, fields) do not match the body's (begin, end, fields); run mlp-outline-parallel to make both}}
  llvm.func @k_par0_launch(i64, !llvm.ptr, i64) attributes {mlpc.parallel_body = @k_par0}
}

// -----

// A kernel named as an entry but without the shapes that mlp-entry-points
// records cannot get a wrapper.

module {
  // expected-error @+1 {{mlp-emit-c-abi: kernel lacks its entry attributes; run mlp-entry-points first}}
  llvm.func @__mlpc_k(%p: !llvm.ptr) attributes {mlpc.entry_name = "k"} {
    llvm.return
  }
}

// -----

// An argument of class indices (its loss's lowering gives it
// mlpc.class_count) is read after the buffer checks: every index below the
// class count, compared unsigned so that a negative one is refused too,
// else MLPC_ERR_BAD_INDEX.
// CHECK-LABEL: llvm.func @indexed(
// CHECK-SAME: %[[X:.*]]: !llvm.ptr, %[[T:.*]]: !llvm.ptr, %[[O:.*]]: !llvm.ptr, %[[N:.*]]: i64) -> i32
// CHECK: %[[C7:.*]] = llvm.mlir.constant(7 : i32)
// CHECK-NEXT: llvm.return %[[C7]]
// CHECK-NEXT: ^[[HEAD:.*]](%[[I:.*]]: i64):
// CHECK-NEXT: %[[MORE:.*]] = llvm.icmp "slt" %[[I]], %[[N]]
// CHECK-NEXT: llvm.cond_br %[[MORE]], ^[[BODY:.*]], ^[[CALL:.*]]
// CHECK: ^[[BODY]]:
// CHECK-NEXT: %[[P:.*]] = llvm.getelementptr %[[T]][%[[I]]] : (!llvm.ptr, i64) -> !llvm.ptr, i32
// CHECK-NEXT: %[[V:.*]] = llvm.load %[[P]] : !llvm.ptr -> i32
// CHECK-NEXT: %[[C:.*]] = llvm.mlir.constant(4 : i32)
// CHECK-NEXT: %[[OUTSIDE:.*]] = llvm.icmp "uge" %[[V]], %[[C]] : i32
// CHECK: llvm.cond_br %[[OUTSIDE]], ^{{.*}}, ^[[HEAD]](%{{.*}} : i64)
// CHECK: ^[[CALL]]:
// CHECK: llvm.call @__mlpc_indexed
func.func @indexed(%x: tensor<?x4xf32>, %t: tensor<?xi32> {mlpc.class_count = 4 : i64}) -> tensor<?x4xf32> {
  return %x : tensor<?x4xf32>
}
