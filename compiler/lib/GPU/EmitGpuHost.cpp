//===- EmitGpuHost.cpp - C entry points of the NVPTX target ---------------===//
//
// Input: the host functions of mlp-lower-to-gpu (memref.get_global, alloc,
// dealloc, gpu.launch_func and index arithmetic, nothing else) and the
// gpu.binary that gpu-module-to-binary made of their kernels. Output: LLVM
// dialect only. Everything CUDA-specific happens in the runtime (dlopen'ed
// driver), so the object has no link-time dependency on CUDA:
//
//   static mlpc_gpu_program __mlpc_gpu_program = {PTX, cubin, kernel names,
//                                                 weights, ...};
//   static int32_t __mlpc_NAME_gpu(void *const *bufs, int64_t batch,
//                                  void *stream);  // load once, launch all
//   int32_t NAME_device(in..., out..., int64_t batch, void *stream);
//   int32_t NAME(in..., out..., int64_t batch);  // via mlpc_gpu_run_host
//
//===----------------------------------------------------------------------===//
#include "mlpc/CAbi/EntryABI.h"
#include "mlpc/Utils/Attributes.h"
#include "mlpc/GPU/Passes.h"
#include "mlpc/abi.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"

namespace mlir::mlpc {
#define GEN_PASS_DEF_EMITGPUHOST
#include "mlpc/GPU/Passes.h.inc"
} // namespace mlir::mlpc

using namespace mlir;

static constexpr StringLiteral kProgramName = "__mlpc_gpu_program";

namespace {
class GpuHostEmitter : mlpc::LLVMEmitter {
public:
  explicit GpuHostEmitter(ModuleOp module)
      : LLVMEmitter(module.getContext(), module.getLoc()), module(module),
        i8(b.getI8Type()) {}

  LogicalResult run();

private:
  ModuleOp module;
  Type i8;
  LLVM::GlobalOp program;
  /// The program's globals go first in the module, in creation order.
  Operation *lastGlobal = nullptr;
  void atGlobals() {
    if (lastGlobal)
      b.setInsertionPointAfter(lastGlobal);
    else
      b.setInsertionPointToStart(module.getBody());
  }
  template <typename... Args> LLVM::GlobalOp global(Args &&...args) {
    atGlobals();
    auto g = LLVM::GlobalOp::create(b, loc, std::forward<Args>(args)...);
    lastGlobal = g;
    return g;
  }
  llvm::StringMap<int32_t> kernelIndex;
  SmallVector<std::string> kernelNames;
  llvm::StringMap<int32_t> weightIndex;
  SmallVector<memref::GlobalOp> weights;

  /// Calls runtime function `name`, declaring it on first use.
  Value call(StringRef name, Type result, ValueRange args) {
    SmallVector<Type> types(args.getTypes());
    auto fn = mlpc::declareFunction(module, name, result, types);
    auto op = LLVM::CallOp::create(b, loc, fn, args);
    return op.getNumResults() ? op.getResult() : Value();
  }
  Value voidCall(StringRef name, ValueRange args) {
    return call(name, LLVM::LLVMVoidType::get(ctx), args);
  }
  LLVM::GlobalOp bytesGlobal(StringRef name, StringRef data);
  LLVM::GlobalOp pointerArrayGlobal(StringRef name,
                                    ArrayRef<LLVM::GlobalOp> targets);
  LogicalResult collect(ArrayRef<func::FuncOp> hosts);
  LogicalResult emitProgram(gpu::BinaryOp binary);
  FailureOr<LLVM::LLVMFuncOp> emitHostFunction(func::FuncOp host);
  LogicalResult emitEntries(func::FuncOp host, LLVM::LLVMFuncOp impl);
};
} // namespace

LLVM::GlobalOp GpuHostEmitter::bytesGlobal(StringRef name, StringRef data) {
  OpBuilder::InsertionGuard guard(b);
  auto type = LLVM::LLVMArrayType::get(i8, data.size());
  return global(type, /*isConstant=*/true, LLVM::Linkage::Internal, name,
                b.getStringAttr(data), /*alignment=*/16);
}

LLVM::GlobalOp
GpuHostEmitter::pointerArrayGlobal(StringRef name,
                                   ArrayRef<LLVM::GlobalOp> targets) {
  OpBuilder::InsertionGuard guard(b);
  auto type = LLVM::LLVMArrayType::get(ptrTy, targets.size());
  LLVM::GlobalOp array = global(type, /*isConstant=*/true,
                                LLVM::Linkage::Internal, name, Attribute(),
                                /*alignment=*/8);
  Block *init = b.createBlock(&array.getInitializerRegion());
  b.setInsertionPointToStart(init);
  Value value = LLVM::UndefOp::create(b, loc, type);
  for (auto [i, t] : llvm::enumerate(targets))
    value = LLVM::InsertValueOp::create(b, loc, value,
                                        LLVM::AddressOfOp::create(b, loc, t),
                                        ArrayRef<int64_t>{int64_t(i)});
  LLVM::ReturnOp::create(b, loc, value);
  return array;
}

LogicalResult GpuHostEmitter::collect(ArrayRef<func::FuncOp> hosts) {
  for (func::FuncOp host : hosts) {
    WalkResult walk = host.walk([&](Operation *op) -> WalkResult {
      if (auto launch = dyn_cast<gpu::LaunchFuncOp>(op)) {
        StringRef k = launch.getKernelName().getValue();
        if (kernelIndex.try_emplace(k, kernelNames.size()).second)
          kernelNames.push_back(k.str());
      } else if (auto get = dyn_cast<memref::GetGlobalOp>(op)) {
        StringRef w = get.getName();
        auto global = module.lookupSymbol<memref::GlobalOp>(w);
        if (!global || !global.getInitialValue())
          return op->emitError("mlp-emit-gpu-host: ")
                 << w << " is not an initialized memref.global";
        if (weightIndex.try_emplace(w, weights.size()).second)
          weights.push_back(global);
      } else if (!isa<func::FuncOp, func::ReturnOp, arith::ConstantOp,
                      arith::MulIOp, arith::AddIOp, arith::CeilDivUIOp,
                      memref::AllocOp, memref::DeallocOp>(op)) {
        return op->emitError("mlp-emit-gpu-host: unexpected op in a host "
                             "function; run mlp-lower-to-gpu first");
      }
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return failure();
  }
  return success();
}

LogicalResult GpuHostEmitter::emitProgram(gpu::BinaryOp binary) {
  StringRef ptx, cubin;
  int32_t cubinArch = 0;
  for (Attribute a : binary.getObjects()) {
    auto object = cast<gpu::ObjectAttr>(a);
    auto target = dyn_cast<NVVM::NVVMTargetAttr>(object.getTarget());
    if (!target)
      return binary.emitError("mlp-emit-gpu-host: expected NVVM objects");
    if (object.getFormat() == gpu::CompilationTarget::Assembly) {
      ptx = object.getObject().getValue();
    } else if (object.getFormat() == gpu::CompilationTarget::Binary) {
      cubin = object.getObject().getValue();
      StringRef chip = target.getChip();
      if (!chip.consume_front("sm_") ||
          chip.take_while(llvm::isDigit).getAsInteger(10, cubinArch))
        return binary.emitError("mlp-emit-gpu-host: unexpected chip ")
               << target.getChip();
    }
  }
  if (ptx.empty())
    return binary.emitError("mlp-emit-gpu-host: the binary has no PTX; run "
                            "gpu-module-to-binary{format=isa}");

  // Weights: the memref.globals become plain LLVM globals of nested arrays
  // (what finalize-memref-to-llvm would make), readable by the runtime.
  SmallVector<LLVM::GlobalOp> weightGlobals;
  SmallVector<int64_t> weightBytes;
  for (memref::GlobalOp w : weights) {
    MemRefType type = w.getType();
    Type llvmType = b.getF32Type();
    for (int64_t d : llvm::reverse(type.getShape()))
      llvmType = LLVM::LLVMArrayType::get(llvmType, d);
    OpBuilder::InsertionGuard guard(b);
    weightGlobals.push_back(global(llvmType, /*isConstant=*/true,
                                   LLVM::Linkage::Internal, w.getSymName(),
                                   *w.getInitialValue(), /*alignment=*/64));
    weightBytes.push_back(type.getNumElements() * 4);
    w.erase();
  }

  std::string ptxText = ptx.str();
  ptxText.push_back('\0');
  LLVM::GlobalOp ptxGlobal = bytesGlobal("__mlpc_gpu_ptx", ptxText);
  LLVM::GlobalOp cubinGlobal =
      cubin.empty() ? LLVM::GlobalOp() : bytesGlobal("__mlpc_gpu_cubin", cubin);
  SmallVector<LLVM::GlobalOp> nameGlobals;
  for (auto [i, k] : llvm::enumerate(kernelNames))
    nameGlobals.push_back(
        bytesGlobal(("__mlpc_gpu_kernel_name" + Twine(i)).str(), k + '\0'));
  LLVM::GlobalOp names =
      pointerArrayGlobal("__mlpc_gpu_kernel_names", nameGlobals);
  LLVM::GlobalOp weightArray =
      pointerArrayGlobal("__mlpc_gpu_weights", weightGlobals);
  LLVM::GlobalOp sizes;
  {
    OpBuilder::InsertionGuard guard(b);
    auto sizesType = RankedTensorType::get({int64_t(weightBytes.size())}, i64);
    sizes = global(
        LLVM::LLVMArrayType::get(i64, weightBytes.size()),
        /*isConstant=*/true, LLVM::Linkage::Internal, "__mlpc_gpu_weight_bytes",
        DenseElementsAttr::get(sizesType, ArrayRef<int64_t>(weightBytes)),
        /*alignment=*/8);
  }

  // The mlpc_gpu_program of mlpc/runtime.h, field for field.
  auto structType = LLVM::LLVMStructType::getLiteral(
      ctx, {i32, i32, ptrTy, ptrTy, i64, i32, i32, ptrTy, ptrTy, ptrTy, ptrTy});
  OpBuilder::InsertionGuard guard(b);
  program = global(structType, /*isConstant=*/false, LLVM::Linkage::Internal,
                   kProgramName, Attribute(), /*alignment=*/8);
  b.setInsertionPointToStart(b.createBlock(&program.getInitializerRegion()));
  Value null = LLVM::ZeroOp::create(b, loc, ptrTy);
  auto addr = [&](LLVM::GlobalOp g) -> Value {
    return g ? Value(LLVM::AddressOfOp::create(b, loc, g)) : null;
  };
  SmallVector<Value> fields{cst32(MLPC_GPU_ABI_VERSION),
                            cst32(kernelNames.size()),
                            addr(ptxGlobal),
                            addr(cubinGlobal),
                            cst64(cubin.size()),
                            cst32(cubinArch),
                            cst32(weights.size()),
                            addr(names),
                            addr(weightArray),
                            addr(sizes),
                            null};
  Value value = LLVM::UndefOp::create(b, loc, structType);
  for (auto [i, f] : llvm::enumerate(fields))
    value = LLVM::InsertValueOp::create(b, loc, value, f,
                                        ArrayRef<int64_t>{int64_t(i)});
  LLVM::ReturnOp::create(b, loc, value);
  return success();
}

FailureOr<LLVM::LLVMFuncOp>
GpuHostEmitter::emitHostFunction(func::FuncOp host) {
  b.setInsertionPoint(host);
  auto fn = LLVM::LLVMFuncOp::create(
      b, host.getLoc(), (host.getSymName() + "_gpu").str(),
      LLVM::LLVMFunctionType::get(i32, {ptrTy, i64, ptrTy}),
      LLVM::Linkage::Internal);
  Region &body = fn.getBody();
  Block *entry = fn.addEntryBlock(b);
  Value bufs = entry->getArgument(0), batch = entry->getArgument(1),
        stream = entry->getArgument(2);
  b.setInsertionPointToStart(entry);
  Value one = cst64(1);
  // The module and one slot per intermediate, null until set: the failure
  // path frees whatever is live (mlpc_gpu_free ignores null).
  Value null = LLVM::ZeroOp::create(b, loc, ptrTy);
  Value modSlot = LLVM::AllocaOp::create(b, loc, ptrTy, ptrTy, one, 8);
  LLVM::StoreOp::create(b, loc, null, modSlot);
  // In program order: the failure path frees them in this order, and a
  // DenseMap's order (pointer hashes) would vary from run to run, and with
  // it the object.
  llvm::MapVector<Value, Value> allocSlot;
  host.walk([&](memref::AllocOp alloc) {
    Value slot = LLVM::AllocaOp::create(b, loc, ptrTy, ptrTy, one, 8);
    LLVM::StoreOp::create(b, loc, null, slot);
    allocSlot[alloc.getResult()] = slot;
  });
  Block *fail = addBlock(body, {i32});
  auto check = [&](Value status) {
    Block *next = addBlock(body);
    Value bad = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne, status,
                                     cst32(MLPC_OK));
    LLVM::CondBrOp::create(b, loc, bad, fail, ValueRange{status}, next,
                           ValueRange{});
    b.setInsertionPointToStart(next);
  };
  check(call("mlpc_gpu_load", i32,
             {LLVM::AddressOfOp::create(b, loc, program), modSlot}));
  Value mod = LLVM::LoadOp::create(b, loc, ptrTy, modSlot);

  // Host values: pointers and sizes of each memref, i64 for each index.
  DenseMap<Value, Value> scalar;
  DenseMap<Value, SmallVector<Value>> sizes;
  auto staticOrMapped = [&](MemRefType type, ValueRange dynamic) {
    SmallVector<Value> s;
    unsigned next = 0;
    for (int64_t d : type.getShape())
      s.push_back(ShapedType::isDynamic(d) ? scalar.lookup(dynamic[next++])
                                           : cst64(d));
    return s;
  };
  Block &hostEntry = host.getBody().front();
  scalar[hostEntry.getArguments().back()] = batch;
  for (BlockArgument arg : hostEntry.getArguments().drop_back()) {
    Value slot = LLVM::GEPOp::create(
        b, loc, ptrTy, ptrTy, bufs,
        ArrayRef<LLVM::GEPArg>{int32_t(arg.getArgNumber())});
    scalar[arg] = LLVM::LoadOp::create(b, loc, ptrTy, slot);
    auto type = cast<MemRefType>(arg.getType());
    SmallVector<Value> dyn(type.getNumDynamicDims(),
                           hostEntry.getArguments().back());
    sizes[arg] = staticOrMapped(type, dyn);
  }

  for (Operation &op : hostEntry) {
    if (auto c = dyn_cast<arith::ConstantOp>(op)) {
      scalar[c] = cst64(cast<IntegerAttr>(c.getValue()).getInt());
    } else if (auto m = dyn_cast<arith::MulIOp>(op)) {
      scalar[m] = LLVM::MulOp::create(b, loc, scalar.lookup(m.getLhs()),
                                      scalar.lookup(m.getRhs()));
    } else if (auto a = dyn_cast<arith::AddIOp>(op)) {
      scalar[a] = LLVM::AddOp::create(b, loc, scalar.lookup(a.getLhs()),
                                      scalar.lookup(a.getRhs()));
    } else if (auto d = dyn_cast<arith::CeilDivUIOp>(op)) {
      Value den = scalar.lookup(d.getRhs());
      Value num =
          LLVM::AddOp::create(b, loc, scalar.lookup(d.getLhs()),
                              LLVM::SubOp::create(b, loc, den, cst64(1)));
      scalar[d] = LLVM::UDivOp::create(b, loc, num, den);
    } else if (auto g = dyn_cast<memref::GetGlobalOp>(op)) {
      scalar[g] = call("mlpc_gpu_weight", ptrTy,
                       {mod, cst32(weightIndex.lookup(g.getName()))});
      sizes[g] = staticOrMapped(g.getType(), {});
    } else if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
      SmallVector<Value> s =
          staticOrMapped(alloc.getType(), alloc.getDynamicSizes());
      Value bytes = cst64(4);
      for (Value v : s)
        bytes = LLVM::MulOp::create(b, loc, bytes, v);
      Value slot = allocSlot.lookup(alloc.getResult());
      check(call("mlpc_gpu_alloc", i32, {mod, bytes, stream, slot}));
      scalar[alloc] = LLVM::LoadOp::create(b, loc, ptrTy, slot);
      sizes[alloc] = s;
    } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
      Value slot = allocSlot.lookup(dealloc.getMemref());
      voidCall("mlpc_gpu_free",
               {mod, LLVM::LoadOp::create(b, loc, ptrTy, slot), stream});
      LLVM::StoreOp::create(b, loc, null, slot);
    } else if (auto launch = dyn_cast<gpu::LaunchFuncOp>(op)) {
      // Kernel parameters as convert-gpu-to-nvvm lays them out: a memref is
      // (allocated, aligned, offset, sizes..., strides...), an index an i64.
      SmallVector<Value> fields;
      for (Value operand : launch.getKernelOperands()) {
        auto type = dyn_cast<MemRefType>(operand.getType());
        if (!type) {
          fields.push_back(scalar.lookup(operand));
          continue;
        }
        Value p = scalar.lookup(operand);
        ArrayRef<Value> s = sizes[operand];
        fields.append({p, p, cst64(0)});
        fields.append(s.begin(), s.end());
        SmallVector<Value> strides(s.size());
        Value stride = cst64(1);
        for (int64_t d = s.size() - 1; d >= 0; --d) {
          strides[d] = stride;
          stride = LLVM::MulOp::create(b, loc, stride, s[d]);
        }
        fields.append(strides);
      }
      Value storage, params;
      {
        // In the entry block: one fixed stack slot per launch.
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(entry);
        Value n = cst64(fields.size());
        storage = LLVM::AllocaOp::create(b, loc, ptrTy, i64, n, 8);
        params = LLVM::AllocaOp::create(b, loc, ptrTy, ptrTy, n, 8);
      }
      for (auto [i, f] : llvm::enumerate(fields)) {
        SmallVector<LLVM::GEPArg, 1> at{int32_t(i)};
        Value slot = LLVM::GEPOp::create(b, loc, ptrTy, i64, storage, at);
        LLVM::StoreOp::create(b, loc, f, slot);
        LLVM::StoreOp::create(
            b, loc, slot,
            LLVM::GEPOp::create(b, loc, ptrTy, ptrTy, params, at));
      }
      auto dim32 = [&](Value v) -> Value {
        return LLVM::TruncOp::create(b, loc, i32, scalar.lookup(v));
      };
      gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
      gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
      check(call("mlpc_gpu_launch", i32,
                 {mod,
                  cst32(kernelIndex.lookup(launch.getKernelName().getValue())),
                  scalar.lookup(grid.x), scalar.lookup(grid.y),
                  scalar.lookup(grid.z), dim32(block.x), dim32(block.y),
                  dim32(block.z), cst32(0), stream, params}));
    } else if (isa<func::ReturnOp>(op)) {
      LLVM::ReturnOp::create(b, loc, cst32(MLPC_OK));
    }
  }

  b.setInsertionPointToStart(fail);
  for (auto &[alloc, slot] : allocSlot)
    voidCall("mlpc_gpu_free",
             {LLVM::LoadOp::create(b, loc, ptrTy, modSlot),
              LLVM::LoadOp::create(b, loc, ptrTy, slot), stream});
  LLVM::ReturnOp::create(b, loc, fail->getArgument(0));
  return fn;
}

LogicalResult GpuHostEmitter::emitEntries(func::FuncOp host,
                                          LLVM::LLVMFuncOp impl) {
  auto name = host->getAttrOfType<StringAttr>(mlpc::kEntryNameAttr).str();
  unsigned numInputs = 0;
  FailureOr<SmallVector<ArrayRef<int64_t>>> entryShapes =
      mlpc::entryShapes(host, &numInputs);
  if (failed(entryShapes))
    return host.emitError("mlp-emit-gpu-host: host function lacks its entry "
                          "shapes; run mlp-lower-to-gpu first");
  ArrayRef<ArrayRef<int64_t>> shapes = *entryShapes;
  int64_t n = shapes.size();

  // Both entries: checks, then the buffer pointers into an array.
  auto build = [&](StringRef fnName, bool device) {
    b.setInsertionPointAfter(impl);
    auto fn = mlpc::createEntryFunction(
        b, loc, fnName, n, device ? TypeRange{ptrTy} : TypeRange{});
    ValueRange ptrs = fn.getArguments().take_front(n);
    Value batch = fn.getArgument(n);
    mlpc::buildEntryChecks(b, loc, fn.getBody(), ptrs, batch, shapes,
                           numInputs);
    SmallVector<Value> sizes;
    for (ArrayRef<int64_t> s : shapes)
      sizes.push_back(mlpc::buildBufferBytes(b, loc, batch, s));
    Value array = stackArray(ptrTy, ptrs);
    Value bytes = stackArray(i64, sizes);
    Value status;
    if (device)
      status =
          LLVM::CallOp::create(b, loc, impl,
                               ValueRange{array, batch, fn.getArgument(n + 1)})
              .getResult();
    else
      status = call("mlpc_gpu_run_host", i32,
                    {LLVM::AddressOfOp::create(b, loc, program),
                     LLVM::AddressOfOp::create(b, loc, impl), cst32(numInputs),
                     cst32(n - numInputs), array, bytes, batch});
    LLVM::ReturnOp::create(b, loc, status);
  };
  build(name, /*device=*/false);
  build(name + "_device", /*device=*/true);
  return success();
}

LogicalResult GpuHostEmitter::run() {
  SmallVector<func::FuncOp> hosts;
  for (auto f : module.getOps<func::FuncOp>())
    if (f->hasAttr(mlpc::kEntryNameAttr))
      hosts.push_back(f);
  SmallVector<gpu::BinaryOp> binaries(module.getOps<gpu::BinaryOp>());
  if (binaries.size() != 1)
    return module.emitError("mlp-emit-gpu-host: expected one gpu.binary "
                            "(from mlp-lower-to-gpu and "
                            "gpu-module-to-binary), found ")
           << binaries.size();
  if (failed(collect(hosts)) || failed(emitProgram(binaries.front())))
    return failure();
  for (func::FuncOp host : hosts) {
    FailureOr<LLVM::LLVMFuncOp> impl = emitHostFunction(host);
    if (failed(impl))
      return failure();
    if (failed(emitEntries(host, *impl)))
      return failure();
    host.erase();
  }
  binaries.front().erase();
  module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
  return success();
}

namespace {
struct EmitGpuHostPass : mlpc::impl::EmitGpuHostBase<EmitGpuHostPass> {
  void runOnOperation() override {
    if (failed(GpuHostEmitter(getOperation()).run()))
      signalPassFailure();
  }
};
} // namespace
