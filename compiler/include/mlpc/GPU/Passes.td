//===- GPU/Passes.td - the NVPTX backend's passes ----------*- tablegen -*-===//
#ifndef MLPC_GPU_PASSES_TD
#define MLPC_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def LowerToGpu : Pass<"mlp-lower-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Lower mlp entry points to GPU kernels and a launch sequence";
  let description = [{
    The NVPTX target's first lowering (after `mlp-fuse-dense`). Each public
    `func.func @NAME` over tensors becomes kernels in one
    `gpu.module @__mlpc_kernels` and a private host function `@__mlpc_NAME`
    over memrefs (inputs, then outputs, then the batch as `index`) that
    launches them in order with `gpu.launch_func`:

    * each `mlp.dense` or `mlp.matmul`: a tiled matmul staging x and w in
      shared memory, with bias and activation applied to the accumulators
      before the one store of each output;
    * each `mlp.softmax` / `mlp.log_softmax`: a stable kernel, one warp per
      row, max and sum by warp shuffles;
    * each maximal chain of elementwise ops (`mlp.add`, activations) whose
      intermediates have a single use: one kernel.

    Weights become `memref.global` constants, intermediates `memref.alloc`s
    of the host function; results are written in the caller's buffers.

    Example: `mlp.dense %x, %w, %b {activation = "relu"}` becomes a
    `gpu.func @NAME_dense0(%x, %w, %b, %y, %batch) kernel` whose epilogue is
    `arith.addf` (bias) and `arith.maximumf` (relu) before `memref.store`,
    and `gpu.launch_func @__mlpc_kernels::@NAME_dense0 blocks in
    (ceil(batch / 64), ceil(N / 64), 1) threads in (16, 16, 1)`.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def ExpandGpuMath : Pass<"mlp-expand-gpu-math"> {
  let summary = "Lower the math ops left in GPU kernels without libdevice";
  let description = [{
    After `mlp-approximate-math`, GPU kernels still hold the `math.fma`,
    `math.absf` and `math.floor` of the polynomials, which
    `convert-gpu-to-nvvm` would turn into libdevice calls (and so need the
    CUDA toolkit's libdevice.bc when compiling). This pass rewrites them:
    `math.fma` to `llvm.intr.fma` (one `fma.rn.f32`), `math.absf` to
    clearing the sign bit, and `math.floor` to a truncating conversion
    corrected by one where it rounded up (exact for |x| < 2^23; larger
    values, infinities and NaN are already integral and pass through).

    Example: `%y = math.absf %x : f32` becomes `arith.bitcast` to i32,
    `arith.andi` with 0x7fffffff and `arith.bitcast` back.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

def EmitGpuHost : Pass<"mlp-emit-gpu-host", "::mlir::ModuleOp"> {
  let summary = "Emit the C entry points of the NVPTX target";
  let description = [{
    Runs after `gpu-module-to-binary` has turned `@__mlpc_kernels` into a
    `gpu.binary` (PTX, and optionally a cubin). Embeds the binary, the
    kernel names and the weights in one `mlpc_gpu_program` (see
    `mlpc/runtime.h`) and lowers each host function made by
    `mlp-lower-to-gpu` to the LLVM dialect, calling the runtime:
    `mlpc_gpu_load` (once-only module load and weight upload),
    `mlpc_gpu_alloc` / `mlpc_gpu_free` (stream-ordered intermediates) and
    `mlpc_gpu_launch`, with a status check after each. Public functions:
    `int32_t NAME(in..., out..., int64_t batch)` on host buffers and
    `int32_t NAME_device(in..., out..., int64_t batch, void *stream)` on
    device buffers, both checking pointers and batch first.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // MLPC_GPU_PASSES_TD
