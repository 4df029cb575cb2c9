//===- Passes.cpp - the NVPTX backend's pipelines -------------------------===//
#include "mlpc/GPU/Passes.h"
#include "mlpc/Transforms/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

ArrayRef<StringRef> mlpc::supportedGpuArchs() {
  static const StringRef archs[] = {"sm_70", "sm_72", "sm_75", "sm_80",
                                    "sm_86", "sm_87", "sm_89", "sm_90"};
  return archs;
}

bool mlpc::isSupportedGpuArch(StringRef arch) {
  return llvm::is_contained(supportedGpuArchs(), arch);
}

void mlpc::buildMlpToGpuPipeline(OpPassManager &pm, unsigned optLevel,
                                 bool trace) {
  addVerifyModel(pm);
  buildGpuFusionPipeline(pm, optLevel, trace);
  buildGpuKernelPipeline(pm);
}

void mlpc::buildGpuFusionPipeline(OpPassManager &pm, unsigned optLevel,
                                  bool trace) {
  if (optLevel > 0) {
    addSimplifyModel(pm);
    pm.nest<func::FuncOp>().addPass(createFuseDense());
  }
  if (trace)
    pm.addPass(createTraceEntries());
}

void mlpc::buildGpuLoweringPipeline(OpPassManager &pm, unsigned optLevel) {
  buildGpuFusionPipeline(pm, optLevel);
  buildGpuKernelPipeline(pm);
}

void mlpc::buildGpuKernelPipeline(OpPassManager &pm) {
  pm.addPass(createLowerToGpu());
  // Only CSE: it merges the launch sequences' repeated constants without
  // creating ops mlp-emit-gpu-host does not translate.
  pm.addPass(createCSEPass());
}

void mlpc::buildKernelsToPtxPipeline(OpPassManager &pm, StringRef arch) {
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  // exp, log, tanh and erfc as plain arithmetic (the CPU target's
  // functions, so both targets round the same way); the math ops left
  // (fma, fabs, floor) are expanded before convert-gpu-to-nvvm could turn
  // them into libdevice calls.
  // powf as exp(y log x) first (with its sign and special cases), which
  // the approximations then take; libdevice's powf is not there to call.
  math::MathExpandOpsPassOptions expand;
  expand.opMnemonics = {"powf"};
  kernels.addPass(math::createMathExpandOpsPass(expand));
  kernels.addPass(createApproximateMath());
  kernels.addPass(createExpandGpuMath());
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createSCFToControlFlowPass());
  kernels.addPass(memref::createExpandStridedMetadataPass());
  kernels.addPass(createLowerAffinePass());
  kernels.addPass(createConvertGpuOpsToNVVMOps());
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());
  GpuNVVMAttachTargetOptions target;
  target.chip = arch.str();
  target.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(target));
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = "isa";
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

namespace {
struct PtxPipelineOptions : PassPipelineOptions<PtxPipelineOptions> {
  Option<std::string> chip{*this, "chip",
                           llvm::cl::desc("GPU architecture, sm_70 to sm_90"),
                           llvm::cl::init("sm_80")};
};
} // namespace

void mlpc::registerGpuPipelines() {
  PassPipelineRegistration<GpuPipelineOptions>(
      "mlpc-gpu-pipeline",
      "mlp -> GPU kernels and host launch sequences: what mlpc "
      "--target=nvptx --emit=mlir prints",
      [](OpPassManager &pm, const GpuPipelineOptions &opts) {
        buildMlpToGpuPipeline(pm, opts.optLevel);
      });
  PassPipelineRegistration<PtxPipelineOptions>(
      "mlpc-gpu-to-ptx", "The GPU pipeline's kernels -> a gpu.binary of PTX",
      [](OpPassManager &pm, const PtxPipelineOptions &opts) {
        buildKernelsToPtxPipeline(pm, opts.chip);
      });
}

static gpu::BinaryOp findBinary(ModuleOp module) {
  auto range = module.getOps<gpu::BinaryOp>();
  return range.empty() ? gpu::BinaryOp() : *range.begin();
}

std::string mlpc::getPtx(ModuleOp module) {
  gpu::BinaryOp binary = findBinary(module);
  if (!binary)
    return "";
  for (Attribute a : binary.getObjects()) {
    auto object = cast<gpu::ObjectAttr>(a);
    if (object.getFormat() == gpu::CompilationTarget::Assembly)
      return object.getObject().str();
  }
  return "";
}

std::string mlpc::findPtxas(StringRef requested) {
  if (requested == "none")
    return "";
  if (!requested.empty())
    return requested.str();
  SmallVector<std::string> candidates;
  if (const char *cuda = std::getenv("CUDA_PATH"))
    candidates.push_back((Twine(cuda) + "/bin/ptxas").str());
  candidates.push_back("/usr/local/cuda/bin/ptxas");
  for (const std::string &c : candidates)
    if (llvm::sys::fs::can_execute(c))
      return c;
  if (auto onPath = llvm::sys::findProgramByName("ptxas"))
    return *onPath;
  return "";
}

bool mlpc::attachCubin(ModuleOp module, StringRef ptxas, StringRef arch,
                       std::string &error) {
  gpu::BinaryOp binary = findBinary(module);
  std::string ptx = getPtx(module);
  if (!binary || ptx.empty()) {
    error = "no PTX to assemble";
    return false;
  }
  SmallString<128> ptxPath, cubinPath, logPath;
  int fd;
  if (auto ec =
          llvm::sys::fs::createTemporaryFile("mlpc", "ptx", fd, ptxPath)) {
    error = "cannot create a temporary file: " + ec.message();
    return false;
  }
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << ptx;
  }
  llvm::sys::fs::createTemporaryFile("mlpc", "cubin", cubinPath);
  llvm::sys::fs::createTemporaryFile("mlpc", "log", logPath);
  llvm::scope_exit cleanup([&] {
    for (StringRef p : {ptxPath.str(), cubinPath.str(), logPath.str()})
      llvm::sys::fs::remove(p);
  });
  std::string archFlag = ("-arch=" + arch).str();
  SmallVector<StringRef> args{ptxas, "-O3", archFlag, ptxPath, "-o", cubinPath};
  std::optional<StringRef> redirects[] = {std::nullopt, logPath.str(),
                                          logPath.str()};
  std::string execError;
  int rc = llvm::sys::ExecuteAndWait(ptxas, args, std::nullopt, redirects, 0, 0,
                                     &execError);
  if (rc != 0) {
    auto log = llvm::MemoryBuffer::getFile(logPath);
    error = ("'" + ptxas + " " + archFlag + "' failed: " +
             (log ? (*log)->getBuffer().trim() : StringRef(execError)))
                .str();
    return false;
  }
  auto cubin = llvm::MemoryBuffer::getFile(cubinPath, /*IsText=*/false);
  if (!cubin) {
    error = "cannot read ptxas output: " + cubin.getError().message();
    return false;
  }
  MLIRContext *ctx = module.getContext();
  SmallVector<Attribute> objects(binary.getObjects().begin(),
                                 binary.getObjects().end());
  auto target = NVVM::NVVMTargetAttr::get(ctx, /*optLevel=*/3,
                                          "nvptx64-nvidia-cuda", arch);
  objects.push_back(gpu::ObjectAttr::get(
      ctx, target, gpu::CompilationTarget::Binary,
      StringAttr::get(ctx, (*cubin)->getBuffer()), DictionaryAttr(), nullptr));
  binary.setObjectsAttr(ArrayAttr::get(ctx, objects));
  return true;
}

void mlpc::buildGpuHostToLLVMPipeline(OpPassManager &pm) {
  pm.addPass(createEmitGpuHost());
}
