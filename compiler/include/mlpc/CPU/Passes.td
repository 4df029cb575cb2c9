//===- CPU/Passes.td - the CPU backend's passes ------------*- tablegen -*-===//
#ifndef MLPC_CPU_PASSES_TD
#define MLPC_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def LowerDense : Pass<"mlp-lower-dense", "::mlir::func::FuncOp"> {
  let summary = "Lower mlp.dense to a register-tiled kernel with a fused epilogue";
  let description = [{
    Lowers each `mlp.dense` with static weights into loops over register
    tiles of `tile-rows` x `tile-cols` outputs: the K loop accumulates in
    vector registers with FMAs, then bias and activation are applied to the
    accumulators and the tile is stored once. Constant weights are packed at
    compile time into contiguous panels of `tile-cols` columns. Layers
    whose weights exceed 512 KiB but not 2 MiB, with panels short enough
    for several to fit in 256 KiB, run in column groups of that size, rows
    outer inside each group. Other layers over 512 KiB loop over the panels
    outside the rows, and while a panel has at most 16 row tiles each of
    them prefetches its share of the next panel (`memref.prefetch` on the
    packed weights), so that the next panel arrives in cache while this one
    is computed. Rows and columns that do not fill a tile are handled by
    narrower tiles, not by a scalar path. Layers of 2 MiB or more become
    an `scf.forall` over column chunks for the threads: one panel each, or
    one wide tile each for a batch smaller than a row tile; so do layers of
    256 KiB to 2 MiB for a batch smaller than a row tile. Each such loop
    states a chunk's work at the call's batch (`mlp.task_flops`), which the
    runtime weighs against what a split costs. A softmax or
    log_softmax over the last axis of a dense layer whose rows fit in one
    tile (N <= tile-cols) is computed in the same epilogue, stably, before
    the store. So is a residual connection: `mlp.add` of a dense layer
    without activation (and no other user) and a tensor of the layer's own
    shape, with the activation that follows the add, if any. The epilogue
    adds the bias, then the residual's element, then applies the
    activation, which is what the separate ops compute, bit for bit.

    Narrow weights are packed as they are stored. bf16 weights are widened
    to f32 for the FMAs (`bf16-product=widen`) or multiplied in pairs with
    the activations rounded to bf16 by vdpbf16ps (`dot`, AVX512-BF16). For
    i8 weights each row of the layer's input is first quantized to bytes
    with its scale (see `mlp.dense`), the K loop sums the byte products in
    i32 accumulators (`int8-product`: `vnni` groups of four with vpdpbusd
    on bytes offset by 128, whose sum the epilogue corrects by a constant
    per column; `maddwd` pairs widened to i16 with vpmaddwd, which never
    saturates; `generic` i32 multiplies), and the epilogue scales each sum
    to f32 before the bias. Each output element's value is the same in
    every tile, so the batch and the threads never change a result.
  }];
  let options = [
    Option<"tileRows", "tile-rows", "int64_t", "6",
           "Output rows per register tile">,
    Option<"tileCols", "tile-cols", "int64_t", "32",
           "Output columns per register tile (f32 lanes)">,
    Option<"vectorWidth", "vector-width", "int64_t", "16",
           "f32 lanes of one vector register; tiles are built of vectors "
           "no wider than this">,
    Option<"strategy", "strategy", "std::string", /*default=*/"\"auto\"",
           "Loop order of every dense layer: auto (chosen per layer from "
           "its shape and the target's tuning), rows-outer, column-groups, "
           "panels-outer or column-split (for tests and comparisons)">,
    Option<"int8Product", "int8-product", "std::string",
           /*default=*/"\"generic\"",
           "How i8 weights are multiplied: generic, maddwd or vnni">,
    Option<"bf16Product", "bf16-product", "std::string",
           /*default=*/"\"widen\"",
           "How bf16 weights are multiplied: widen or dot">
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::mlp::MlpDialect"];
}

def LowerIntrinsics : Pass<"mlp-lower-intrinsics", "::mlir::ModuleOp"> {
  let summary = "Turn mlp.intrinsic into llvm.call_intrinsic";
  let description = [{
    Replaces each `mlp.intrinsic` with the `llvm.call_intrinsic` it stands
    for. Runs after bufferization and buffer deallocation, which refuse ops
    with unknown memory effects, such as that call.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // MLPC_CPU_PASSES_TD
