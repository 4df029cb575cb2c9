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
#include "mlpc/GPU/Passes.h"
#include "mlpc/Utils/Attributes.h"
#include "mlpc/abi.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"

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
    Attribute value = *w.getInitialValue();
    // A scalar as one-element array: an LLVM global of type float needs a
    // FloatAttr, and the runtime only copies the bytes.
    if (type.getRank() == 0) {
      llvmType = LLVM::LLVMArrayType::get(llvmType, 1);
      auto elements = cast<DenseElementsAttr>(value);
      value = elements.reshape(RankedTensorType::get({1}, b.getF32Type()));
    }
    OpBuilder::InsertionGuard guard(b);
    weightGlobals.push_back(global(llvmType, /*isConstant=*/true,
                                   LLVM::Linkage::Internal, w.getSymName(),
                                   value, /*alignment=*/64));
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

namespace {
/// The lowering of one host function made by mlp-lower-to-gpu into
/// `int32_t NAME_gpu(void *const *bufs, int64_t batch, void *stream)`: one
/// method per op of the host function, each mapping the op's results to
/// LLVM values (pointers, i64 sizes) as it goes; every runtime call's status
/// is checked, and a failure frees the intermediates still live.
class HostFunctionLowering : mlpc::LLVMEmitter {
public:
  HostFunctionLowering(ModuleOp module, LLVM::GlobalOp program,
                       const llvm::StringMap<int32_t> &kernelIndex,
                       const llvm::StringMap<int32_t> &weightIndex)
      : LLVMEmitter(module.getContext(), module.getLoc()), module(module),
        program(program), kernelIndex(kernelIndex), weightIndex(weightIndex) {}

  LLVM::LLVMFuncOp lower(func::FuncOp host);

private:
  ModuleOp module;
  LLVM::GlobalOp program;
  const llvm::StringMap<int32_t> &kernelIndex, &weightIndex;
  Block *entry = nullptr, *fail = nullptr;
  Value stream, mod, modSlot, null;
  /// Host values: the pointer of each memref and i64 of each index...
  DenseMap<Value, Value> scalar;
  /// ...and each memref's sizes.
  DenseMap<Value, SmallVector<Value>> sizes;
  /// Each intermediate's stack slot, in program order: the failure path
  /// frees them in this order, and a DenseMap's order (pointer hashes)
  /// would vary from run to run, and with it the object.
  llvm::MapVector<Value, Value> allocSlot;

  Value call(StringRef name, Type result, ValueRange args) {
    SmallVector<Type> types(args.getTypes());
    auto fn = mlpc::declareFunction(module, name, result, types);
    auto op = LLVM::CallOp::create(b, loc, fn, args);
    return op.getNumResults() ? op.getResult() : Value();
  }
  /// Branches to the failure path unless `status` is MLPC_OK.
  void check(Value status);
  SmallVector<Value> staticOrMapped(MemRefType type, ValueRange dynamic);
  void emitPrologue(func::FuncOp host, LLVM::LLVMFuncOp fn);

  void lowerOp(arith::ConstantOp op) {
    scalar[op] = cst64(cast<IntegerAttr>(op.getValue()).getInt());
  }
  void lowerOp(arith::MulIOp op) {
    scalar[op] = LLVM::MulOp::create(b, loc, scalar.lookup(op.getLhs()),
                                     scalar.lookup(op.getRhs()));
  }
  void lowerOp(arith::AddIOp op) {
    scalar[op] = LLVM::AddOp::create(b, loc, scalar.lookup(op.getLhs()),
                                     scalar.lookup(op.getRhs()));
  }
  void lowerOp(arith::CeilDivUIOp op);
  void lowerOp(memref::GetGlobalOp op);
  void lowerOp(memref::AllocOp op);
  void lowerOp(memref::DeallocOp op);
  void lowerOp(gpu::LaunchFuncOp op);
  void lowerOp(func::ReturnOp) {
    LLVM::ReturnOp::create(b, loc, cst32(MLPC_OK));
  }
};
} // namespace

void HostFunctionLowering::check(Value status) {
  Block *next = addBlock(*fail->getParent());
  Value bad = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne, status,
                                   cst32(MLPC_OK));
  LLVM::CondBrOp::create(b, loc, bad, fail, ValueRange{status}, next,
                         ValueRange{});
  b.setInsertionPointToStart(next);
}

SmallVector<Value> HostFunctionLowering::staticOrMapped(MemRefType type,
                                                        ValueRange dynamic) {
  SmallVector<Value> s;
  unsigned next = 0;
  for (int64_t d : type.getShape())
    s.push_back(ShapedType::isDynamic(d) ? scalar.lookup(dynamic[next++])
                                         : cst64(d));
  return s;
}

/// The slots (module, intermediates), the module's load, and the host
/// function's arguments: buffer pointers from `bufs`, and the batch.
void HostFunctionLowering::emitPrologue(func::FuncOp host,
                                        LLVM::LLVMFuncOp fn) {
  Value bufs = entry->getArgument(0), batch = entry->getArgument(1);
  b.setInsertionPointToStart(entry);
  Value one = cst64(1);
  // The module and one slot per intermediate, null until set: the failure
  // path frees whatever is live (mlpc_gpu_free ignores null).
  null = LLVM::ZeroOp::create(b, loc, ptrTy);
  modSlot = LLVM::AllocaOp::create(b, loc, ptrTy, ptrTy, one, 8);
  LLVM::StoreOp::create(b, loc, null, modSlot);
  host.walk([&](memref::AllocOp alloc) {
    Value slot = LLVM::AllocaOp::create(b, loc, ptrTy, ptrTy, one, 8);
    LLVM::StoreOp::create(b, loc, null, slot);
    allocSlot[alloc.getResult()] = slot;
  });
  fail = addBlock(fn.getBody(), {i32});
  check(call("mlpc_gpu_load", i32,
             {LLVM::AddressOfOp::create(b, loc, program), modSlot}));
  mod = LLVM::LoadOp::create(b, loc, ptrTy, modSlot);

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
}

void HostFunctionLowering::lowerOp(arith::CeilDivUIOp op) {
  Value den = scalar.lookup(op.getRhs());
  Value num = LLVM::AddOp::create(b, loc, scalar.lookup(op.getLhs()),
                                  LLVM::SubOp::create(b, loc, den, cst64(1)));
  scalar[op] = LLVM::UDivOp::create(b, loc, num, den);
}

void HostFunctionLowering::lowerOp(memref::GetGlobalOp op) {
  scalar[op] = call("mlpc_gpu_weight", ptrTy,
                    {mod, cst32(weightIndex.lookup(op.getName()))});
  sizes[op] = staticOrMapped(op.getType(), {});
}

void HostFunctionLowering::lowerOp(memref::AllocOp op) {
  SmallVector<Value> s = staticOrMapped(op.getType(), op.getDynamicSizes());
  Value bytes = cst64(4);
  for (Value v : s)
    bytes = LLVM::MulOp::create(b, loc, bytes, v);
  Value slot = allocSlot.lookup(op.getResult());
  check(call("mlpc_gpu_alloc", i32, {mod, bytes, stream, slot}));
  scalar[op] = LLVM::LoadOp::create(b, loc, ptrTy, slot);
  sizes[op] = s;
}

void HostFunctionLowering::lowerOp(memref::DeallocOp op) {
  Value slot = allocSlot.lookup(op.getMemref());
  call("mlpc_gpu_free", LLVM::LLVMVoidType::get(ctx),
       {mod, LLVM::LoadOp::create(b, loc, ptrTy, slot), stream});
  LLVM::StoreOp::create(b, loc, null, slot);
}

void HostFunctionLowering::lowerOp(gpu::LaunchFuncOp op) {
  // Kernel parameters as convert-gpu-to-nvvm lays them out: a memref is
  // (allocated, aligned, offset, sizes..., strides...), an index an i64.
  SmallVector<Value> fields;
  for (Value operand : op.getKernelOperands()) {
    if (isa<MemRefType>(operand.getType()))
      mlpc::appendMemRefFields(b, loc, scalar.lookup(operand), sizes[operand],
                               fields);
    else
      fields.push_back(scalar.lookup(operand));
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
        b, loc, slot, LLVM::GEPOp::create(b, loc, ptrTy, ptrTy, params, at));
  }
  auto dim32 = [&](Value v) -> Value {
    return LLVM::TruncOp::create(b, loc, i32, scalar.lookup(v));
  };
  gpu::KernelDim3 grid = op.getGridSizeOperandValues();
  gpu::KernelDim3 block = op.getBlockSizeOperandValues();
  check(call("mlpc_gpu_launch", i32,
             {mod, cst32(kernelIndex.lookup(op.getKernelName().getValue())),
              scalar.lookup(grid.x), scalar.lookup(grid.y),
              scalar.lookup(grid.z), dim32(block.x), dim32(block.y),
              dim32(block.z), cst32(0), stream, params}));
}

LLVM::LLVMFuncOp HostFunctionLowering::lower(func::FuncOp host) {
  b.setInsertionPoint(host);
  auto fn = LLVM::LLVMFuncOp::create(
      b, host.getLoc(), (host.getSymName() + "_gpu").str(),
      LLVM::LLVMFunctionType::get(i32, {ptrTy, i64, ptrTy}),
      LLVM::Linkage::Internal);
  entry = fn.addEntryBlock(b);
  stream = entry->getArgument(2);
  emitPrologue(host, fn);
  for (Operation &op : host.getBody().front())
    llvm::TypeSwitch<Operation *>(&op)
        .Case<arith::ConstantOp, arith::MulIOp, arith::AddIOp,
              arith::CeilDivUIOp, memref::GetGlobalOp, memref::AllocOp,
              memref::DeallocOp, gpu::LaunchFuncOp, func::ReturnOp>(
            [&](auto concrete) { lowerOp(concrete); });

  b.setInsertionPointToStart(fail);
  for (auto &[alloc, slot] : allocSlot)
    call("mlpc_gpu_free", LLVM::LLVMVoidType::get(ctx),
         {LLVM::LoadOp::create(b, loc, ptrTy, modSlot),
          LLVM::LoadOp::create(b, loc, ptrTy, slot), stream});
  LLVM::ReturnOp::create(b, loc, fail->getArgument(0));
  return fn;
}

FailureOr<LLVM::LLVMFuncOp>
GpuHostEmitter::emitHostFunction(func::FuncOp host) {
  return HostFunctionLowering(module, program, kernelIndex, weightIndex)
      .lower(host);
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
    // Class indices in host memory are checked here; on the device, an
    // index outside the classes gives its row a NaN loss instead.
    if (auto counts =
            host->getAttrOfType<DenseI64ArrayAttr>(mlpc::kClassCountsAttr);
        counts && !device)
      mlpc::buildIndexChecks(b, loc, fn.getBody(), ptrs, batch, shapes,
                             counts.asArrayRef());
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
