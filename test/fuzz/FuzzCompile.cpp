//===- FuzzCompile.cpp - libFuzzer: MLIR text through a whole pipeline ----===//
//
// Each input is an MLIR module that goes through what `mlpc` does with it:
// the CPU pipeline to an AVX-512 object (mlpc-fuzz-cpu), or, built with
// MLPC_FUZZ_NVPTX, the NVPTX pipeline to PTX and the host object
// (mlpc-fuzz-nvptx). A diagnostic is an answer; a crash, an assertion, a
// sanitizer report or a hang is a finding. test/fuzz/README.md says how to
// run them for long.
//
//===----------------------------------------------------------------------===//
#include "mlpc/CPU/Passes.h"
#include "mlpc/CodeGen/CodeGen.h"
#include "mlpc/CodeGen/Registration.h"
#include "mlpc/Transforms/Passes.h"
#ifdef MLPC_FUZZ_NVPTX
#include "mlpc/GPU/Passes.h"
#endif

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>

using namespace mlir;

namespace {
const DialectRegistry &registry() {
  static const DialectRegistry r = [] {
    DialectRegistry reg;
    mlpc::registerEverything(reg);
    return reg;
  }();
  return r;
}

/// The object, as mlpc would write it, into memory.
void emitObject(ModuleOp module) {
  mlpc::TargetSpec spec;
  spec.cpu = "skylake-avx512";
  llvm::SmallString<0> object;
  llvm::raw_svector_ostream os(object);
  std::string error;
  (void)mlpc::emitModule(module, spec, mlpc::OutputKind::Object, os, error);
}

#ifndef MLPC_FUZZ_NVPTX
void compile(MLIRContext &context, ModuleOp module) {
  mlpc::CpuPipelineOptions opts; // AVX-512's tile, as on the target below
  PassManager high(&context);
  mlpc::buildCpuTensorPipeline(high, opts);
  if (failed(high.run(module)))
    return;
  PassManager low(&context);
  mlpc::buildCpuToLLVMPipeline(low);
  if (failed(low.run(module)))
    return;
  emitObject(module);
}
#else
void compile(MLIRContext &context, ModuleOp module) {
  PassManager front(&context);
  mlpc::buildMlpToGpuPipeline(front, /*optLevel=*/3);
  mlpc::buildKernelsToPtxPipeline(front, "sm_80");
  if (failed(front.run(module)) || mlpc::getPtx(module).empty())
    return;
  PassManager host(&context);
  mlpc::buildGpuHostToLLVMPipeline(host);
  if (failed(host.run(module)))
    return;
  emitObject(module);
}
#endif
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  MLIRContext context(registry(), MLIRContext::Threading::DISABLED);
  // Diagnostics are answers, not findings: keep them off the terminal.
  ScopedDiagnosticHandler quiet(&context,
                                [](Diagnostic &) { return success(); });
  // MLIR's lexer reads up to a terminating NUL, as every file that mlpc
  // reads through a MemoryBuffer has one; the fuzzer's bytes do not.
  std::string text(reinterpret_cast<const char *>(data), size);
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(text, ParserConfig(&context));
  if (module)
    compile(context, *module);
  return 0;
}
