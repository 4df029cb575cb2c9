//===- CodeGen.cpp - LLVM dialect -> LLVM IR, assembly, object ------------===//
#include "mlpc/CodeGen/CodeGen.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;

/// "+name" for every feature that `cpu` with `features` has on `triple`
/// (empty if LLVM does not know the target or the CPU).
static std::string impliedFeatures(const std::string &triple,
                                   const std::string &cpu,
                                   const std::string &features) {
  llvm::InitializeAllTargetInfos();
  llvm::InitializeAllTargets();
  llvm::InitializeAllTargetMCs();
  llvm::Triple t(triple.empty() ? llvm::sys::getDefaultTargetTriple() : triple);
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(t, error);
  if (!target)
    return "";
  // A CPU-less subtarget first: asking for an unknown CPU would print
  // LLVM's own warning before mlpc's error.
  std::unique_ptr<llvm::MCSubtargetInfo> probe(
      target->createMCSubtargetInfo(t, "", ""));
  if (!probe || !probe->isCPUStringValid(cpu))
    return "";
  std::unique_ptr<llvm::MCSubtargetInfo> sti(
      target->createMCSubtargetInfo(t, cpu, features));
  std::string implied;
  for (const llvm::SubtargetFeatureKV &kv : sti->getAllProcessorFeatures())
    if (sti->checkFeatures("+" + std::string(kv.Key)))
      implied += (implied.empty() ? "+" : ",+") + std::string(kv.Key);
  return implied;
}

std::pair<std::string, std::string> mlpc::resolveCpu(const TargetSpec &spec) {
  bool host = spec.cpu.empty() || spec.cpu == "native";
  std::string cpu = host ? llvm::sys::getHostCPUName().str() : spec.cpu;
  std::string features;
  if (host) {
    // The host's exact feature set, so that a CPU newer than this LLVM
    // knows still gets every extension it reports.
    for (const auto &[name, enabled] : llvm::sys::getHostCPUFeatures())
      features += (features.empty() ? "" : ",") +
                  std::string(enabled ? "+" : "-") + name.str();
  }
  if (!spec.features.empty())
    features += (features.empty() ? "" : ",") + spec.features;
  // Every feature the CPU and the entries above amount to, spelled out
  // (haswell: +avx2, +fma, ...; +avx512f: +fma too): the kernel's tile,
  // vector width and use of fma, chosen from this string, would otherwise
  // see only --mattr for a named CPU (SSE tiles for --mcpu=haswell), and
  // not what --mattr implies on the host. Listed first, so that the
  // entries themselves still win.
  std::string implied = impliedFeatures(spec.triple, cpu, features);
  if (!implied.empty())
    features = implied + (features.empty() ? "" : "," + features);
  return {cpu, features};
}

static llvm::OptimizationLevel optimizationLevel(unsigned level) {
  switch (level) {
  case 0:
    return llvm::OptimizationLevel::O0;
  case 1:
    return llvm::OptimizationLevel::O1;
  case 2:
    return llvm::OptimizationLevel::O2;
  default:
    return llvm::OptimizationLevel::O3;
  }
}

/// Rewrites each constant array of numbers of 64 KiB or more (the weights)
/// as the string of its bytes, same size and alignment, for printing.
/// LLVM prints an array of floats one element at a time, making a uniqued
/// ConstantFP for each: the 1024-4096-4096-1024 model's 25 M weights took
/// 132 s and 3.9 GB to print as LLVM IR, where its object takes 8 s. Loads
/// address the global through `ptr`, whatever its value type, so the IR
/// means the same. Weights arrive as flat arrays (flattenConstantArrays).
static void weightsAsBytes(llvm::Module &module) {
  constexpr uint64_t kMinBytes = 64 * 1024;
  const llvm::DataLayout &layout = module.getDataLayout();
  for (llvm::GlobalVariable &global :
       llvm::make_early_inc_range(module.globals())) {
    if (!global.hasInitializer() || !global.isConstant())
      continue;
    // Strings are bytes already (a GPU binary).
    auto *numbers = dyn_cast<llvm::ConstantDataArray>(global.getInitializer());
    if (!numbers || numbers->isString() ||
        numbers->getRawDataValues().size() < kMinBytes)
      continue;
    auto *data = llvm::ConstantDataArray::getString(
        module.getContext(), numbers->getRawDataValues(), /*AddNull=*/false);
    auto *replacement = new llvm::GlobalVariable(
        module, data->getType(), /*isConstant=*/true, global.getLinkage(), data,
        "", &global, global.getThreadLocalMode(), global.getAddressSpace());
    replacement->copyAttributesFrom(&global);
    replacement->setAlignment(layout.getPreferredAlign(&global));
    replacement->takeName(&global);
    global.replaceAllUsesWith(replacement);
    global.eraseFromParent();
  }
}

/// Gives each constant global that holds a multi-dimensional array of
/// numbers (the packed weights, [N/P][K][P]) the one-dimensional array type
/// of the same elements. LLVM builds a nested array constant from one
/// uniqued ConstantDataArray per innermost row: 1.6 M of them, each hashed
/// and allocated, for the 1024-4096-4096-1024 model's 16-float panel rows.
/// The bytes, and so the object, are the same: nested arrays of numbers
/// have no padding, and with opaque pointers no instruction depends on a
/// global's value type (the memref lowering's GEP of zeros to its base
/// states its own element type).
static void flattenConstantArrays(ModuleOp module) {
  for (auto global : module.getOps<LLVM::GlobalOp>()) {
    auto nested = dyn_cast<LLVM::LLVMArrayType>(global.getGlobalType());
    if (!global.getConstant() || !nested ||
        !isa<LLVM::LLVMArrayType>(nested.getElementType()))
      continue;
    auto value = dyn_cast_or_null<ElementsAttr>(global.getValueOrNull());
    Type element = nested;
    int64_t count = 1;
    while (auto array = dyn_cast<LLVM::LLVMArrayType>(element)) {
      count *= array.getNumElements();
      element = array.getElementType();
    }
    if (!value || value.getNumElements() != count ||
        !LLVM::isCompatibleType(value.getElementType()))
      continue;
    auto flatType =
        RankedTensorType::get({value.getNumElements()}, value.getElementType());
    Attribute flat;
    if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
      flat = DenseResourceElementsAttr::get(flatType, resource.getRawHandle());
    else if (auto dense = dyn_cast<DenseElementsAttr>(value))
      flat = dense.reshape(flatType);
    if (!flat)
      continue;
    global.setValueAttr(flat);
    global.setGlobalType(LLVM::LLVMArrayType::get(element, count));
  }
}

void mlpc::releaseWeightBlobs(MLIRContext *context, ModuleOp keep) {
  llvm::StringSet<> used;
  if (keep)
    keep->walk([&](Operation *op) {
      op->getAttrDictionary().walk([&](DenseResourceElementsAttr attr) {
        used.insert(attr.getRawHandle().getKey());
      });
    });
  DialectResourceBlobManager &manager =
      DenseResourceElementsHandle::getManagerInterface(context)
          .getBlobManager();
  SmallVector<std::string> unused;
  manager.getBlobMap(
      [&](const llvm::StringMap<DialectResourceBlobManager::BlobEntry> &map) {
        for (const auto &entry : map)
          if (entry.getValue().getBlob() && !used.contains(entry.getKey()))
            unused.push_back(entry.getKey().str());
      });
  for (const std::string &name : unused)
    if (DialectResourceBlobManager::BlobEntry *entry = manager.lookup(name))
      entry->setBlob(AsmResourceBlob());
}

bool mlpc::emitModule(ModuleOp module, const TargetSpec &spec, OutputKind kind,
                      llvm::raw_pwrite_stream &os, std::string &error,
                      llvm::function_ref<void()> translated) {
  llvm::InitializeAllTargetInfos();
  llvm::InitializeAllTargets();
  llvm::InitializeAllTargetMCs();
  llvm::InitializeAllAsmPrinters();

  llvm::Triple triple(spec.triple.empty() ? llvm::sys::getDefaultTargetTriple()
                                          : spec.triple);
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return false;
  auto [cpu, features] = resolveCpu(spec);
  llvm::TargetOptions options;
  auto cgLevel = spec.optLevel == 0   ? llvm::CodeGenOptLevel::None
                 : spec.optLevel == 1 ? llvm::CodeGenOptLevel::Less
                 : spec.optLevel == 2 ? llvm::CodeGenOptLevel::Default
                                      : llvm::CodeGenOptLevel::Aggressive;
  std::unique_ptr<llvm::TargetMachine> tm(
      target->createTargetMachine(triple, cpu, features, options,
                                  llvm::Reloc::PIC_, std::nullopt, cgLevel));
  if (!tm) {
    error = "cannot create a target machine for " + triple.str() + " / " + cpu;
    return false;
  }
  if (!tm->getMCSubtargetInfo()->isCPUStringValid(cpu)) {
    error = "unknown CPU '" + cpu + "' for " + triple.str() +
            "; use --mcpu=native, a name such as x86-64, x86-64-v3, haswell or "
            "znver4, or leave it out";
    return false;
  }

  flattenConstantArrays(module);
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, context, "mlpc_model");
  if (!llvmModule) {
    error = "translation to LLVM IR failed";
    return false;
  }
  if (translated)
    translated();
  llvmModule->setTargetTriple(triple);
  llvmModule->setDataLayout(tm->createDataLayout());
  llvmModule->setPICLevel(llvm::PICLevel::BigPIC);
  for (llvm::Function &f : *llvmModule) {
    if (f.isDeclaration())
      continue;
    // Vectorizers and the backend read the target from each function.
    f.addFnAttr("target-cpu", cpu);
    if (!features.empty())
      f.addFnAttr("target-features", features);
    f.addFnAttr(llvm::Attribute::NoUnwind);
    // The dense kernel's vectors are sized for the register file on purpose.
    // CPUs tuned "prefer-256-bit" (e.g. Zen 4) would otherwise split 512-bit
    // vectors into halves, doubling the instructions per FMA.
    if (llvm::StringRef(features).contains("+avx512f")) {
      f.addFnAttr("prefer-vector-width", "512");
      f.addFnAttr("min-legal-vector-width", "512");
    }
  }

  if (spec.optLevel > 0) {
    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    llvm::PassBuilder pb(tm.get());
    pb.registerModuleAnalyses(mam);
    pb.registerCGSCCAnalyses(cgam);
    pb.registerFunctionAnalyses(fam);
    pb.registerLoopAnalyses(lam);
    pb.crossRegisterProxies(lam, fam, cgam, mam);
    llvm::ModulePassManager mpm =
        pb.buildPerModuleDefaultPipeline(optimizationLevel(spec.optLevel));
    mpm.run(*llvmModule, mam);
  }

  if (kind == OutputKind::LLVMIR) {
    weightsAsBytes(*llvmModule);
    llvmModule->print(os, nullptr);
    return true;
  }
  llvm::legacy::PassManager pm;
  auto fileType = kind == OutputKind::Assembly
                      ? llvm::CodeGenFileType::AssemblyFile
                      : llvm::CodeGenFileType::ObjectFile;
  if (tm->addPassesToEmitFile(pm, os, nullptr, fileType)) {
    error = "the target cannot emit this file type";
    return false;
  }
  pm.run(*llvmModule);
  return true;
}
