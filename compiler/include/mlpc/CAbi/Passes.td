//===- CAbi/Passes.td - the C entry points -----------------*- tablegen -*-===//
#ifndef MLPC_CABI_PASSES_TD
#define MLPC_CABI_PASSES_TD

include "mlir/Pass/PassBase.td"

def EmitCAbi : Pass<"mlp-emit-c-abi", "::mlir::ModuleOp"> {
  let summary = "Emit the C entry points: int32_t NAME(in..., out..., batch)";
  let description = [{
    Runs after lowering to the LLVM dialect. For each kernel marked by
    `mlp-entry-points` it adds the public function
    `int32_t NAME(const float *in..., float *out..., int64_t batch)` that
    checks its pointers, its batch and that no output shares memory with
    another buffer, returns a status code from `mlpc/runtime.h` on bad
    arguments, and otherwise calls the kernel with
    memref descriptors built from the pointers.
    It also gives each `_launch` declaration left by `mlp-outline-parallel`
    its body: the live-ins packed into a context, a task function that
    unpacks them, and a call to `mlpc_parallel_for`.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // MLPC_CABI_PASSES_TD
