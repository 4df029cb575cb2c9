//===- gpu_emulate.cpp - mlpc's GPU kernels as CPU code, for testing ------===//
//
//   mlpc-gpu-emulate model.mlir -o model_emu.o [-O0]
//
// There is no GPU where the tests run, so the kernels' numerics are checked
// by executing the very gpu.func IR that mlpc lowers to PTX (after
// mlp-lower-to-gpu, mlp-approximate-math and mlp-expand-gpu-math) on the
// CPU. Each kernel K becomes
//
//   void __emu_K(void **params, const int64_t ids[9], char *shared);
//
// taking the cuLaunchKernel parameter array as is; ids are (block id,
// thread id, block dim) x (x, y, z). gpu.barrier and gpu.shuffle become
// calls to __emu_barrier() and __emu_shuffle_xor(value, offset), which the
// test's emulator implements with one OS thread per GPU thread. Only the
// NVVM/PTX stage is left out, and that one is checked by ptxas.
//
//===----------------------------------------------------------------------===//
#include "mlpc/CodeGen/CodeGen.h"
#include "mlpc/CodeGen/Registration.h"
#include "mlpc/GPU/Passes.h"
#include "mlpc/Transforms/Passes.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::opt<std::string> input(cl::Positional, cl::Required,
                                  cl::desc("<model.mlir>"));
static cl::opt<std::string> output("o", cl::Required, cl::desc("object"));
static cl::opt<unsigned> optLevel("O", cl::Prefix, cl::init(3));
static cl::opt<bool> trace("trace", cl::desc("as mlpc --trace"));

namespace {
constexpr int kNumIds = 9;

struct KernelInfo {
  std::string name;
  SmallVector<Type> args;            // memrefs and indices, as launched
  SmallVector<MemRefType> workgroup; // shared memory buffers
};

/// gpu.func -> func.func @__emu_body_K(args..., workgroup..., ids...).
LogicalResult toCpuFunction(gpu::GPUFuncOp kernel, ModuleOp module,
                            KernelInfo &info) {
  OpBuilder b(module.getContext());
  Location loc = kernel.getLoc();
  info.name = kernel.getName().str();
  info.args.assign(kernel.getArgumentTypes().begin(),
                   kernel.getArgumentTypes().end());
  SmallVector<Type> types(info.args);
  for (BlockArgument wg : kernel.getWorkgroupAttributions()) {
    auto t = cast<MemRefType>(wg.getType());
    auto plain = MemRefType::get(t.getShape(), t.getElementType());
    info.workgroup.push_back(plain);
    wg.setType(plain);
    types.push_back(plain);
  }
  if (!kernel.getPrivateAttributions().empty())
    return kernel.emitError("private attributions are not emulated");
  types.append(kNumIds, b.getIndexType());

  b.setInsertionPointToEnd(module.getBody());
  auto func = func::FuncOp::create(b, loc, "__emu_body_" + info.name,
                                   b.getFunctionType(types, {}));
  func.getBody().takeBody(kernel.getBody());
  Block &entry = func.getBody().front();
  SmallVector<Value> ids;
  for (int i = 0; i < kNumIds; ++i)
    ids.push_back(entry.addArgument(b.getIndexType(), loc));

  auto barrier = module.lookupSymbol<func::FuncOp>("__emu_barrier");
  auto shuffle = module.lookupSymbol<func::FuncOp>("__emu_shuffle_xor");
  SmallVector<Operation *> replaced;
  WalkResult walk = func.walk([&](Operation *op) -> WalkResult {
    b.setInsertionPoint(op);
    auto dim = [](gpu::Dimension d) { return static_cast<int>(d); };
    if (auto id = dyn_cast<gpu::BlockIdOp>(op)) {
      id.replaceAllUsesWith(ids[0 + dim(id.getDimension())]);
    } else if (auto id = dyn_cast<gpu::ThreadIdOp>(op)) {
      id.replaceAllUsesWith(ids[3 + dim(id.getDimension())]);
    } else if (auto id = dyn_cast<gpu::BlockDimOp>(op)) {
      id.replaceAllUsesWith(ids[6 + dim(id.getDimension())]);
    } else if (isa<gpu::BarrierOp>(op)) {
      func::CallOp::create(b, loc, barrier, ValueRange{});
    } else if (auto s = dyn_cast<gpu::ShuffleOp>(op)) {
      if (s.getMode() != gpu::ShuffleMode::XOR)
        return op->emitError("only xor shuffles are emulated");
      Value r = func::CallOp::create(b, loc, shuffle,
                                     ValueRange{s.getValue(), s.getOffset()})
                    .getResult(0);
      Value valid = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
      s.getShuffleResult().replaceAllUsesWith(r);
      s.getValid().replaceAllUsesWith(valid);
    } else if (isa<gpu::ReturnOp>(op)) {
      func::ReturnOp::create(b, loc);
    } else if (op->getDialect() && op->getDialect()->getNamespace() == "gpu") {
      return op->emitError("not emulated: ") << op->getName();
    } else {
      return WalkResult::advance();
    }
    replaced.push_back(op);
    return WalkResult::advance();
  });
  for (Operation *op : replaced)
    op->erase();
  return failure(walk.wasInterrupted());
}

/// llvm.func @__emu_K(ptr params, ptr ids, ptr shared) calling the lowered
/// body with the fields the params array points to.
void buildWrapper(ModuleOp module, const KernelInfo &info) {
  MLIRContext *ctx = module.getContext();
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  Location loc = module.getLoc();
  Type ptr = LLVM::LLVMPointerType::get(ctx), i64 = b.getI64Type();
  auto body = module.lookupSymbol<LLVM::LLVMFuncOp>("__emu_body_" + info.name);
  auto fn = LLVM::LLVMFuncOp::create(
      b, loc, "__emu_" + info.name,
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx),
                                  {ptr, ptr, ptr}));
  Block *entry = fn.addEntryBlock(b);
  b.setInsertionPointToStart(entry);
  auto at = [&](Value base, Type elem, int64_t i) -> Value {
    return LLVM::GEPOp::create(b, loc, ptr, elem, base,
                               ArrayRef<LLVM::GEPArg>{int32_t(i)});
  };
  auto cst = [&](int64_t v) -> Value {
    return LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(v));
  };
  SmallVector<Value> operands;
  int64_t p = 0;
  auto param = [&](Type t) {
    Value slot =
        LLVM::LoadOp::create(b, loc, ptr, at(entry->getArgument(0), ptr, p++));
    operands.push_back(LLVM::LoadOp::create(b, loc, t, slot));
  };
  for (Type t : info.args) {
    if (auto m = dyn_cast<MemRefType>(t)) {
      param(ptr);
      param(ptr);
      for (int64_t i = 0; i < 1 + 2 * m.getRank(); ++i)
        param(i64);
    } else {
      param(i64);
    }
  }
  int64_t offset = 0;
  for (MemRefType m : info.workgroup) {
    Value base =
        LLVM::GEPOp::create(b, loc, ptr, b.getI8Type(), entry->getArgument(2),
                            ArrayRef<LLVM::GEPArg>{int32_t(offset)});
    operands.append({base, base, cst(0)});
    for (int64_t d : m.getShape())
      operands.push_back(cst(d));
    int64_t stride = 1;
    SmallVector<Value> strides(m.getRank());
    for (int64_t d = m.getRank() - 1; d >= 0; --d) {
      strides[d] = cst(stride);
      stride *= m.getDimSize(d);
    }
    operands.append(strides);
    offset += m.getNumElements() * 4;
  }
  for (int i = 0; i < kNumIds; ++i)
    operands.push_back(
        LLVM::LoadOp::create(b, loc, i64, at(entry->getArgument(1), i64, i)));
  LLVM::CallOp::create(b, loc, body, operands);
  LLVM::ReturnOp::create(b, loc, ValueRange{});
}

int run() {
  DialectRegistry registry;
  mlpc::registerEverything(registry);
  MLIRContext context(registry);
  context.disableMultithreading();
  std::string error;
  auto file = openInputFile(input, &error);
  if (!file) {
    llvm::errs() << error << "\n";
    return 1;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(&context));
  if (!module)
    return 1;

  // The kernels exactly as the NVPTX pipeline sees them before NVVM.
  PassManager front(&context);
  mlpc::buildMlpToGpuPipeline(front, optLevel, trace);
  OpPassManager &kernels = front.nest<gpu::GPUModuleOp>();
  kernels.addPass(mlpc::createApproximateMath());
  kernels.addPass(mlpc::createExpandGpuMath());
  if (failed(front.run(*module)))
    return 1;

  OpBuilder b = OpBuilder::atBlockEnd(module->getBody());
  Type f32 = b.getF32Type();
  func::FuncOp::create(b, module->getLoc(), "__emu_barrier",
                       b.getFunctionType({}, {}))
      .setPrivate();
  func::FuncOp::create(b, module->getLoc(), "__emu_shuffle_xor",
                       b.getFunctionType({f32, b.getI32Type()}, {f32}))
      .setPrivate();
  SmallVector<KernelInfo> infos;
  SmallVector<Operation *> dead;
  for (Operation &op : module->getBody()->getOperations()) {
    if (auto gm = dyn_cast<gpu::GPUModuleOp>(op)) {
      for (auto k : gm.getOps<gpu::GPUFuncOp>()) {
        infos.emplace_back();
        if (failed(toCpuFunction(k, *module, infos.back())))
          return 1;
      }
      dead.push_back(&op);
    } else if (isa<memref::GlobalOp>(op) ||
               (isa<func::FuncOp>(op) && op.hasAttr("mlpc.entry_name"))) {
      dead.push_back(&op);
    }
  }
  for (Operation *op : dead)
    op->erase();
  (*module)->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());

  PassManager low(&context);
  if (failed(parsePassPipeline(
          "convert-scf-to-cf,expand-strided-metadata,"
          "lower-affine,finalize-memref-to-llvm,convert-math-to-llvm,"
          "convert-arith-to-llvm,convert-func-to-llvm,convert-cf-to-llvm,"
          "reconcile-unrealized-casts",
          low)) ||
      failed(low.run(*module)))
    return 1;
  for (const KernelInfo &info : infos)
    buildWrapper(*module, info);

  SmallString<0> bytes;
  llvm::raw_svector_ostream os(bytes);
  mlpc::TargetSpec target;
  target.optLevel = 2;
  if (!mlpc::emitModule(*module, target, mlpc::OutputKind::Object, os, error)) {
    llvm::errs() << error << "\n";
    return 1;
  }
  auto out = openOutputFile(output, &error);
  if (!out) {
    llvm::errs() << error << "\n";
    return 1;
  }
  out->os() << bytes;
  out->keep();
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "mlpc GPU kernel emulator\n");
  return run();
}
