//===- Pipeline.cpp - mlpc's pass pipelines -------------------------------===//
#include "mlpc/Pipeline.h"
#include "mlpc/Passes.h"

#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringMap.h"

using namespace mlir;

mlpc::PipelineOptions mlpc::tileForFeatures(StringRef features) {
  PipelineOptions opts;
  // As LLVM reads the string: "+name" or "-name" entries, a later one
  // overriding an earlier one for the same name ("+avx512f,-avx512f" has
  // no AVX-512), whole names only ("+fma4", AMD's four-operand FMA, is not
  // FMA3). resolveCpu lists the features implied by the others first.
  llvm::StringMap<bool> enabled;
  SmallVector<StringRef> entries;
  features.split(entries, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (StringRef e : entries)
    if (e.size() > 1 && (e[0] == '+' || e[0] == '-'))
      enabled[e.drop_front()] = e[0] == '+';
  auto has = [&](StringRef f) { return enabled.lookup(f); };
  opts.hasFma = has("fma");
  if (has("avx512f")) {
    // 32 zmm registers: 6 x 2 accumulators, 2 weight vectors, 1 broadcast.
    opts.tileRows = 6;
    opts.tileCols = 32;
    opts.vectorWidth = 16;
  } else if (has("avx")) {
    // 16 ymm registers: 6 x 2 accumulators, 2 weight vectors, 1 broadcast.
    opts.tileRows = 6;
    opts.tileCols = 16;
    opts.vectorWidth = 8;
  } else {
    // 16 xmm registers (SSE2 or other targets).
    opts.tileRows = 4;
    opts.tileCols = 8;
    opts.vectorWidth = 4;
  }
  return opts;
}

void mlpc::addInlineCalls(OpPassManager &pm) {
  // No cleanup pipeline between inlinings: canonicalization belongs after
  // mlp-verify-model, which must see the model as written.
  pm.addPass(createInlinerPass(llvm::StringMap<OpPassManager>{},
                               [](OpPassManager &) {}));
  pm.addPass(createSymbolDCEPass());
}

void mlpc::buildMlpToTensorPipeline(OpPassManager &pm,
                                    const PipelineOptions &opts) {
  addInlineCalls(pm);
  pm.addPass(createVerifyModel());
  pm.addPass(createMarkRowParallel());
  OpPassManager &fpm = pm.nest<func::FuncOp>();
  if (opts.optLevel > 0)
    fpm.addPass(createFuseDense());
  // The dense kernel first: it takes a softmax that follows a dense layer
  // into its epilogue; the softmax ops left are decomposed after it.
  LowerDenseOptions dense;
  dense.tileRows = opts.tileRows;
  dense.tileCols = opts.tileCols;
  dense.vectorWidth = opts.vectorWidth;
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
    math.expandFma = !opts.hasFma;
    fpm.addPass(createApproximateMath(math));
    fpm.addPass(createCanonicalizerPass());
    fpm.addPass(createCSEPass());
  }
}

LogicalResult mlpc::buildTensorToLLVMPipeline(OpPassManager &pm) {
  pm.addPass(createEntryPoints());
  // Upstream passes by name: their headers are slow to include, and the
  // textual form doubles as documentation of the pipeline.
  std::string pipeline =
      // One destination per kernel (see mlp-unshare-empty-tensors).
      "mlp-unshare-empty-tensors,"
      "eliminate-empty-tensors,"
      "one-shot-bufferize{bufferize-function-boundaries=0},"
      "canonicalize,"
      "mlp-plan-scratch,"
      "buffer-deallocation-pipeline,"
      "mlp-outline-parallel,"
      "convert-linalg-to-loops,"
      "convert-vector-to-scf,"
      "lower-affine,"
      "convert-scf-to-cf,"
      "canonicalize,cse,"
      // math ops LLVM has intrinsics for first; the rest (erf, tanh) become
      // libm calls, unrolled over vector lanes, before vectors are lowered.
      "convert-math-to-llvm,"
      "convert-math-to-libm,"
      "convert-vector-to-llvm,"
      "expand-strided-metadata,"
      "lower-affine,"
      "finalize-memref-to-llvm,"
      "convert-arith-to-llvm,"
      "convert-func-to-llvm,"
      "convert-cf-to-llvm,"
      "convert-arith-to-llvm,"
      "reconcile-unrealized-casts";
  if (failed(parsePassPipeline(pipeline, pm)))
    return failure();
  pm.addPass(createEmitCAbi());
  return success();
}
