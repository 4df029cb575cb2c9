//===- Passes.cpp - the CPU backend's pipelines ---------------------------===//
#include "mlpc/CPU/Passes.h"
#include "mlpc/CAbi/Passes.h"
#include "mlpc/Transforms/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlpc::CpuPipelineOptions::setTuning(const TargetTuning &t) {
  tileRows = t.tileRows;
  tileCols = t.tileCols;
  vectorWidth = t.vectorWidth;
  fma = t.hasFma;
  int8Product = int8ProductName(t.int8).str();
  bf16Product = bf16ProductName(t.bf16).str();
}

void mlpc::buildCpuTensorPipeline(OpPassManager &pm,
                                  const CpuPipelineOptions &opts) {
  buildCpuFusionPipeline(pm, opts);
  buildCpuKernelPipeline(pm, opts);
}

void mlpc::buildCpuFusionPipeline(OpPassManager &pm,
                                  const CpuPipelineOptions &opts) {
  addVerifyModel(pm);
  if (opts.optLevel > 0)
    addSimplifyModel(pm);
  pm.addPass(createMarkRowParallel());
  if (opts.optLevel > 0)
    pm.nest<func::FuncOp>().addPass(createFuseDense());
  // After fusion, so that each layer is one dense op with its bias.
  if (opts.precision != "f32" || !opts.keepF32.empty()) {
    NarrowWeightsOptions narrow;
    narrow.precision = opts.precision;
    narrow.keepF32.assign(opts.keepF32.begin(), opts.keepF32.end());
    pm.addPass(createNarrowWeights(narrow));
  }
  // After fusion and narrowing: NAME_trace's copy of NAME computes its
  // results exactly as NAME does.
  if (opts.trace)
    pm.addPass(createTraceEntries());
}

void mlpc::buildCpuKernelPipeline(OpPassManager &pm,
                                  const CpuPipelineOptions &opts) {
  OpPassManager &fpm = pm.nest<func::FuncOp>();
  // The dense kernel first: it takes a softmax that follows a dense layer
  // into its epilogue; the softmax ops left are decomposed after it.
  LowerDenseOptions dense;
  dense.tileRows = opts.tileRows;
  dense.tileCols = opts.tileCols;
  dense.vectorWidth = opts.vectorWidth;
  dense.strategy = opts.denseStrategy;
  dense.int8Product = opts.int8Product;
  dense.bf16Product = opts.bf16Product;
  fpm.addPass(createLowerDense(dense));
  StableSoftmaxOptions softmax;
  softmax.vectorWidth = opts.vectorWidth;
  fpm.addPass(createStableSoftmax(softmax));
  fpm.addPass(createLowerToLinalg());
  if (opts.optLevel > 0) {
    // Chains that fusion into mlp.dense could not absorb (a residual add
    // and its activation, softmax's normalization) become one loop nest.
    // Fusion needs each producer's result to have no user but the next op:
    // the sizes of an op's output are first taken from its init instead of
    // from its input (a tensor.dim that otherwise kept a residual add and
    // its relu as two passes over memory).
    fpm.addPass(memref::createResolveRankedShapeTypeResultDimsPass());
    fpm.addPass(createLinalgElementwiseOpFusionPass());
    ApproximateMathOptions math;
    math.expandFma = !opts.fma;
    fpm.addPass(createApproximateMath(math));
    fpm.addPass(createCanonicalizerPass());
    fpm.addPass(createCSEPass());
  }
}

void mlpc::buildCpuToLLVMPipeline(OpPassManager &pm) {
  pm.addPass(createEntryPoints());
  // One destination per kernel (see mlp-unshare-empty-tensors).
  pm.addPass(createUnshareEmptyTensors());
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = false;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createPlanScratch());
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createOutlineParallel());
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // math ops LLVM has intrinsics for first; the rest (erf, tanh) become
  // libm calls, unrolled over vector lanes, before vectors are lowered.
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createLowerIntrinsics());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createEmitCAbi());
}

void mlpc::registerCpuPipelines() {
  PassPipelineRegistration<CpuPipelineOptions>(
      "mlpc-cpu-pipeline",
      "mlp -> linalg/vector on tensors for a CPU: what mlpc --emit=mlir "
      "prints",
      buildCpuTensorPipeline);
  PassPipelineRegistration<>(
      "mlpc-cpu-to-llvm",
      "The CPU pipeline's tensors -> LLVM dialect with the C entry points",
      buildCpuToLLVMPipeline);
}
