//===- LowerToGpu.cpp - mlp entry points -> GPU kernels + launches --------===//
//
// Works on the mlp ops directly (after mlp-fuse-dense), where a dense layer,
// a softmax and an elementwise chain are still recognizable as such, and
// emits one hand-shaped kernel for each: the generic linalg-to-GPU mapping
// would give neither shared-memory staging nor warp reductions.
//
//===----------------------------------------------------------------------===//
#include "GpuKernels.h"
#include "mlp/MlpOps.h"
#include "mlpc/GPU/Passes.h"
#include "mlpc/Utils/Activation.h"
#include "mlpc/Utils/Attributes.h"

#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::mlpc {
#define GEN_PASS_DEF_LOWERTOGPU
#include "mlpc/GPU/Passes.h.inc"
} // namespace mlir::mlpc

using namespace mlir;
using namespace mlir::mlp;
namespace gk = mlir::mlpc::gpu_kernels;

static constexpr StringLiteral kKernelModule = "__mlpc_kernels";

/// batch_norm of a matrix is elementwise: its per-channel operands
/// broadcast along the last dimension.
static bool isElementwise(Operation *op) {
  if (auto bn = dyn_cast<BatchNormOp>(op))
    return cast<RankedTensorType>(bn.getType()).getRank() == 2;
  return isBinaryElementwise(op) || getActivationSpec(op).has_value();
}

static MemRefType toMemRef(Type t) {
  auto tensor = cast<RankedTensorType>(t);
  return MemRefType::get(tensor.getShape(), tensor.getElementType());
}

namespace {
/// Lowers one entry point.
class EntryLowering {
public:
  EntryLowering(func::FuncOp func, gpu::GPUModuleOp kernels)
      : func(func), kernels(kernels), b(func.getContext()),
        name(func.getSymName().str()) {}

  LogicalResult run();

private:
  func::FuncOp func;
  gpu::GPUModuleOp kernels;
  OpBuilder b;
  std::string name;
  func::FuncOp host;
  Value batch;
  DenseMap<Value, Value> buffers;    // tensor value -> its memref
  DenseMap<Value, unsigned> outputs; // value -> the result it is written to
  SmallVector<Value> allocs;
  unsigned counter = 0, weightCounter = 0;

  std::string kernelName(StringRef kind) {
    return (name + "_" + kind + Twine(counter++)).str();
  }
  gk::IndexConstants constants;
  /// An index constant, made once at the top of the host function.
  Value c(int64_t v) {
    return constants.get(b, loc(), &host.getBody().front(), v);
  }
  Location loc() { return host.getLoc(); }
  /// Size `d` of a value of `type` in the host function.
  Value dim(ShapedType type, int64_t d) {
    int64_t s = type.getDimSize(d);
    return ShapedType::isDynamic(s) ? batch : c(s);
  }
  Value ceilDiv(Value x, int64_t y) {
    return arith::CeilDivUIOp::create(b, loc(), x, c(y));
  }
  /// The buffer a kernel writes `v` into: the caller's output buffer if `v`
  /// is a result, else a new intermediate.
  Value destination(Value v);
  void launch(gpu::GPUFuncOp kernel, gpu::KernelDim3 grid,
              gpu::KernelDim3 block, ArrayRef<Value> tensors, Value dest);
  gpu::GPUFuncOp insertKernel(llvm::function_ref<gpu::GPUFuncOp(OpBuilder &)>);

  LogicalResult lowerConstant(arith::ConstantOp op);
  /// Per argument, the class count its indices must be below (0: not
  /// indices), for the host entry's check (mlpc::buildIndexChecks).
  void recordClassCounts();
  void lowerDense(Operation *op);
  void lowerSoftmax(Operation *op, int64_t axis, bool isLog);
  void lowerElementwise(Operation *root, Value dest);
  void elementwiseKernel(StringRef kind, Location l, ArrayRef<Value> leaves,
                         Value dest, gk::ScalarBody body, bool flat = false);
  LogicalResult lowerReshape(ReshapeOp op);
  LogicalResult lowerLayerNorm(LayerNormOp op);
  void
  lowerGather(Operation *op,
              llvm::function_ref<gpu::GPUFuncOp(OpBuilder &, StringRef)> build);
};
} // namespace

Value EntryLowering::destination(Value v) {
  auto it = outputs.find(v);
  if (it != outputs.end())
    return host.getArgument(func.getNumArguments() + it->second);
  auto type = toMemRef(v.getType());
  // Every dynamic dimension is the batch (a transpose may move it).
  SmallVector<Value> dyn(type.getNumDynamicDims(), batch);
  Value alloc = memref::AllocOp::create(b, loc(), type, dyn);
  allocs.push_back(alloc);
  return alloc;
}

gpu::GPUFuncOp EntryLowering::insertKernel(
    llvm::function_ref<gpu::GPUFuncOp(OpBuilder &)> build) {
  OpBuilder kb = OpBuilder::atBlockEnd(kernels.getBody());
  return build(kb);
}

void EntryLowering::launch(gpu::GPUFuncOp kernel, gpu::KernelDim3 grid,
                           gpu::KernelDim3 block, ArrayRef<Value> tensors,
                           Value dest) {
  SmallVector<Value> args;
  for (Value t : tensors)
    args.push_back(buffers.lookup(t));
  args.push_back(dest);
  args.push_back(batch);
  gpu::LaunchFuncOp::create(b, loc(), kernel, grid, block,
                            /*dynamicSharedMemorySize=*/Value(), args);
}

LogicalResult EntryLowering::lowerConstant(arith::ConstantOp op) {
  auto value = dyn_cast<ElementsAttr>(op.getValue());
  auto type = dyn_cast<RankedTensorType>(op.getType());
  if (!value || !type)
    return op.emitError("mlpc --target=nvptx: expected a tensor constant");
  // The weights live in the object's read-only data; the runtime uploads
  // them once, when the module is first loaded.
  OpBuilder mb(host);
  std::string sym = ("__mlpc_" + name + "_w" + Twine(weightCounter++)).str();
  auto memType = toMemRef(type);
  memref::GlobalOp::create(mb, op.getLoc(), sym, mb.getStringAttr("private"),
                           memType, value, /*constant=*/true,
                           mb.getI64IntegerAttr(64));
  buffers[op.getResult()] =
      memref::GetGlobalOp::create(b, op.getLoc(), memType, sym);
  return success();
}

/// What buildLossKernel needs for a loss op; nullopt for other ops.
static std::optional<gk::LossSpec> lossSpec(Operation *op) {
  using Kind = gk::LossSpec::Kind;
  std::optional<Kind> kind =
      llvm::TypeSwitch<Operation *, std::optional<Kind>>(op)
          .Case([](CrossEntropyOp) { return Kind::CrossEntropy; })
          .Case([](NllLossOp) { return Kind::Nll; })
          .Case([](BceWithLogitsOp) { return Kind::Bce; })
          .Case([](MseLossOp) { return Kind::Mse; })
          .Default([](Operation *) { return std::nullopt; });
  if (!kind)
    return std::nullopt;
  return gk::LossSpec{*kind, toMemRef(op->getOperand(0).getType()),
                      toMemRef(op->getOperand(1).getType()),
                      toMemRef(op->getResult(0).getType()),
                      op->getAttrOfType<StringAttr>("reduction").getValue()};
}

void EntryLowering::recordClassCounts() {
  SmallVector<int64_t> counts(func.getNumArguments(), 0);
  func.walk([&](Operation *op) {
    if (!isa<CrossEntropyOp, NllLossOp>(op))
      return;
    auto arg = dyn_cast<BlockArgument>(op->getOperand(1));
    if (!arg || !cast<ShapedType>(arg.getType()).getElementType().isInteger(32))
      return;
    int64_t classes =
        cast<ShapedType>(op->getOperand(0).getType()).getDimSize(1);
    int64_t &count = counts[arg.getArgNumber()];
    count = count ? std::min(count, classes) : classes;
  });
  if (llvm::any_of(counts, [](int64_t c) { return c > 0; }))
    host->setAttr(mlpc::kClassCountsAttr, b.getDenseI64ArrayAttr(counts));
}

void EntryLowering::lowerDense(Operation *op) {
  gk::DenseSpec spec;
  SmallVector<Value> inputs;
  if (auto dense = dyn_cast<DenseOp>(op)) {
    inputs = {dense.getX(), dense.getW(), dense.getB()};
    spec.transposeW = dense.getTransposeW();
    spec.activation = getActivationSpec(dense);
    spec.bias = toMemRef(dense.getB().getType());
  } else {
    auto mm = cast<MatmulOp>(op);
    inputs = {mm.getA(), mm.getB()};
    spec.transposeW = mm.getTransposeB();
  }
  spec.x = toMemRef(inputs[0].getType());
  spec.w = toMemRef(inputs[1].getType());
  spec.y = toMemRef(op->getResult(0).getType());
  std::string kname = kernelName(isa<DenseOp>(op) ? "dense" : "matmul");
  auto kernel = insertKernel([&](OpBuilder &kb) {
    return gk::buildDenseKernel(kb, op->getLoc(), kname, spec);
  });
  Value dest = destination(op->getResult(0));
  auto yType = cast<ShapedType>(op->getResult(0).getType());
  gpu::KernelDim3 grid{ceilDiv(dim(yType, 0), gk::kDenseTile),
                       ceilDiv(dim(yType, 1), gk::kDenseTile), c(1)};
  gpu::KernelDim3 block{c(gk::kDenseThreads), c(gk::kDenseThreads), c(1)};
  launch(kernel, grid, block, inputs, dest);
  buffers[op->getResult(0)] = dest;
}

void EntryLowering::lowerSoftmax(Operation *op, int64_t axis, bool isLog) {
  Value x = op->getOperand(0);
  auto type = cast<RankedTensorType>(x.getType());
  if (axis < 0)
    axis += type.getRank();
  std::string kname = kernelName(isLog ? "log_softmax" : "softmax");
  auto kernel = insertKernel([&](OpBuilder &kb) {
    return gk::buildSoftmaxKernel(kb, op->getLoc(), kname, toMemRef(type), axis,
                                  isLog);
  });
  Value rows = c(1);
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (d != axis)
      rows = arith::MulIOp::create(b, loc(), rows, dim(type, d));
  Value dest = destination(op->getResult(0));
  launch(kernel, {ceilDiv(rows, gk::kSoftmaxRowsPerBlock), c(1), c(1)},
         {c(32), c(gk::kSoftmaxRowsPerBlock), c(1)}, {x}, dest);
  buffers[op->getResult(0)] = dest;
}

void EntryLowering::elementwiseKernel(StringRef kind, Location l,
                                      ArrayRef<Value> leaves, Value dest,
                                      gk::ScalarBody body, bool flat) {
  SmallVector<MemRefType> leafTypes;
  for (Value v : leaves)
    leafTypes.push_back(toMemRef(v.getType()));
  auto outType = cast<MemRefType>(dest.getType());
  std::string kname = kernelName(kind);
  auto kernel = insertKernel([&](OpBuilder &kb) {
    return gk::buildElementwiseKernel(kb, l, kname, leafTypes, outType, body,
                                      flat);
  });
  Value elements = c(1);
  for (int64_t d = 0; d < outType.getRank(); ++d)
    elements = arith::MulIOp::create(b, loc(), elements, dim(outType, d));
  launch(kernel, {ceilDiv(elements, gk::kElementwiseThreads), c(1), c(1)},
         {c(gk::kElementwiseThreads), c(1), c(1)}, leaves, dest);
}

LogicalResult EntryLowering::lowerLayerNorm(LayerNormOp op) {
  auto type = cast<RankedTensorType>(op.getX().getType());
  int64_t axis = static_cast<int64_t>(op.getAxis());
  if (axis < 0)
    axis += type.getRank();
  int64_t length = 1;
  for (int64_t d = axis; d < type.getRank(); ++d)
    length *= type.getDimSize(d);
  auto fits = [&](Value p) {
    auto t = cast<RankedTensorType>(p.getType());
    return t.getNumElements() == 1 || t.getNumElements() == length;
  };
  if (axis == 0 && type.isDynamicDim(0))
    return op.emitError("mlpc --target=nvptx: layer_norm over the batch "
                        "dimension is not supported; normalize each row "
                        "(axis >= 1)");
  if (!fits(op.getScale()) || !fits(op.getBias()))
    return op.emitError("mlpc --target=nvptx: layer_norm's scale and bias "
                        "must have the normalized dimensions' shape or be "
                        "one value");
  std::string kname = kernelName("layer_norm");
  auto kernel = insertKernel([&](OpBuilder &kb) {
    return gk::buildLayerNormKernel(kb, op.getLoc(), kname, toMemRef(type),
                                    toMemRef(op.getScale().getType()),
                                    toMemRef(op.getBias().getType()), axis,
                                    op.getEpsilon().convertToFloat());
  });
  Value rows = c(1);
  for (int64_t d = 0; d < axis; ++d)
    rows = arith::MulIOp::create(b, loc(), rows, dim(type, d));
  Value dest = destination(op.getResult());
  launch(kernel, {ceilDiv(rows, gk::kSoftmaxRowsPerBlock), c(1), c(1)},
         {c(32), c(gk::kSoftmaxRowsPerBlock), c(1)},
         {op.getX(), op.getScale(), op.getBias()}, dest);
  buffers[op.getResult()] = dest;
  return success();
}

/// transpose, concat and reduce_mean: one thread per output element.
void EntryLowering::lowerGather(
    Operation *op,
    llvm::function_ref<gpu::GPUFuncOp(OpBuilder &, StringRef)> build) {
  std::string kname = kernelName(op->getName().stripDialect());
  auto kernel = insertKernel([&](OpBuilder &kb) { return build(kb, kname); });
  Value dest = destination(op->getResult(0));
  auto outType = cast<MemRefType>(dest.getType());
  Value elements = c(1);
  for (int64_t d = 0; d < outType.getRank(); ++d)
    elements = arith::MulIOp::create(b, loc(), elements, dim(outType, d));
  launch(kernel, {ceilDiv(elements, gk::kElementwiseThreads), c(1), c(1)},
         {c(gk::kElementwiseThreads), c(1), c(1)},
         SmallVector<Value>(op->getOperands()), dest);
  buffers[op->getResult(0)] = dest;
}

/// A reshape copies the elements in order into a buffer of the new shape.
/// Kernels size a dynamic dimension by the batch, so the batch must stay
/// the leading dimension with the same elements per row.
LogicalResult EntryLowering::lowerReshape(ReshapeOp op) {
  auto in = cast<RankedTensorType>(op.getX().getType());
  auto out = cast<RankedTensorType>(op.getType());
  auto perRow = [](RankedTensorType t) {
    int64_t n = 1;
    for (int64_t d : t.getShape().drop_front())
      n *= ShapedType::isDynamic(d) ? -1 : d;
    return n;
  };
  if (!in.hasStaticShape() && (!in.isDynamicDim(0) || !out.isDynamicDim(0) ||
                               perRow(in) != perRow(out)))
    return op.emitError("mlpc --target=nvptx: this reshape moves the batch "
                        "out of the leading dimension (")
           << in << " -> " << out
           << "); the GPU target reshapes only within each batch row";
  Value dest = destination(op.getResult());
  elementwiseKernel(
      "reshape", op.getLoc(), {op.getX()}, dest,
      [](OpBuilder &, Location, ArrayRef<Value> s) { return s[0]; },
      /*flat=*/true);
  buffers[op.getResult()] = dest;
  return success();
}

/// `root` is a materialized elementwise op: its expression tree extends
/// through operands made by elementwise ops that were not materialized.
void EntryLowering::lowerElementwise(Operation *root, Value dest) {
  SmallVector<Value> leaves;
  std::function<void(Value)> collect = [&](Value v) {
    Operation *def = v.getDefiningOp();
    if (def && isElementwise(def) && (def == root || !buffers.count(v))) {
      for (Value operand : def->getOperands())
        collect(operand);
      return;
    }
    if (!llvm::is_contained(leaves, v))
      leaves.push_back(v);
  };
  Value result = root->getResult(0);
  collect(result);
  elementwiseKernel(
      "elementwise", root->getLoc(), leaves, dest,
      [&](OpBuilder &eb, Location el, ArrayRef<Value> scalars) -> Value {
        DenseMap<Value, Value> scalar;
        for (auto [v, s] : llvm::zip(leaves, scalars))
          scalar[v] = s;
        std::function<Value(Value)> emit = [&](Value v) -> Value {
          if (Value s = scalar.lookup(v))
            return s;
          Operation *def = v.getDefiningOp();
          Value r;
          if (auto bn = dyn_cast<BatchNormOp>(def)) {
            r = mlpc::buildBatchNorm(eb, el, emit(bn.getX()),
                                     emit(bn.getScale()), emit(bn.getBias()),
                                     emit(bn.getMean()), emit(bn.getVar()),
                                     bn.getEpsilon().convertToFloat());
          } else if (isBinaryElementwise(def)) {
            r = mlpc::buildBinary(eb, el, def, emit(def->getOperand(0)),
                                  emit(def->getOperand(1)));
          } else {
            auto spec = *getActivationSpec(def);
            r = mlpc::buildActivation(eb, el, spec, emit(def->getOperand(0)));
          }
          return scalar[v] = r;
        };
        return emit(result);
      });
}

LogicalResult EntryLowering::run() {
  FunctionType type = func.getFunctionType();
  SmallVector<Type> args;
  for (Type t : llvm::concat<const Type>(type.getInputs(), type.getResults()))
    args.push_back(toMemRef(t));
  args.push_back(b.getIndexType());
  b.setInsertionPoint(func);
  host = func::FuncOp::create(b, func.getLoc(), mlpc::kernelName(name),
                              b.getFunctionType(args, {}));
  host.setPrivate();
  host->setAttr(mlpc::kEntryNameAttr, b.getStringAttr(name));
  host->setAttr(mlpc::kArgShapesAttr, mlpc::shapesAttr(b, type.getInputs()));
  host->setAttr(mlpc::kResultShapesAttr,
                mlpc::shapesAttr(b, type.getResults()));
  recordClassCounts();
  Block *entry = host.addEntryBlock();
  b.setInsertionPointToStart(entry);
  batch = entry->getArguments().back();
  for (auto [arg, memref] :
       llvm::zip(func.getArguments(), entry->getArguments()))
    buffers[arg] = memref;

  // Each result is computed straight into the caller's buffer, when it is
  // made by a kernel of its own and is not already another result.
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    Operation *def = v.getDefiningOp();
    if (def && isa<MlpDialect>(def->getDialect()) && !outputs.count(v))
      outputs[v] = i;
  }
  // An elementwise op is inlined into its user when that user is its only
  // one, is elementwise too and has the same shape; otherwise it is the
  // root of a kernel.
  auto materialized = [&](Operation *op) {
    Value r = op->getResult(0);
    if (!r.hasOneUse() || outputs.count(r))
      return true;
    Operation *user = *r.getUsers().begin();
    return !isElementwise(user) || user->getResult(0).getType() != r.getType();
  };

  for (Operation &op : func.getBody().front().without_terminator()) {
    if (auto cst = dyn_cast<arith::ConstantOp>(op)) {
      if (failed(lowerConstant(cst)))
        return failure();
    } else if (auto d = dyn_cast<DenseOp>(op);
               d && !d.getWeightType().isF32()) {
      return op.emitError("mlpc --target=nvptx: this dense layer has ")
             << d.getWeightType()
             << " weights, which the GPU kernels do not multiply yet; give "
                "it f32 weights or compile it for the CPU";
    } else if (isa<DenseOp, MatmulOp>(op)) {
      lowerDense(&op);
    } else if (auto s = dyn_cast<SoftmaxOp>(op)) {
      lowerSoftmax(&op, static_cast<int64_t>(s.getAxis()), false);
    } else if (auto s = dyn_cast<LogSoftmaxOp>(op)) {
      lowerSoftmax(&op, static_cast<int64_t>(s.getAxis()), true);
    } else if (auto t = dyn_cast<TransposeOp>(op)) {
      lowerGather(t, [&](OpBuilder &kb, StringRef kname) {
        return gk::buildTransposeKernel(
            kb, t.getLoc(), kname, toMemRef(t.getX().getType()),
            toMemRef(t.getType()), t.getPermutation());
      });
    } else if (auto cat = dyn_cast<ConcatOp>(op)) {
      SmallVector<MemRefType> types;
      for (Value v : cat.getInputs())
        types.push_back(toMemRef(v.getType()));
      int64_t rank = types.front().getRank();
      int64_t axis = static_cast<int64_t>(cat.getAxis());
      lowerGather(cat, [&](OpBuilder &kb, StringRef kname) {
        return gk::buildConcatKernel(kb, cat.getLoc(), kname, types,
                                     toMemRef(cat.getType()),
                                     axis < 0 ? axis + rank : axis);
      });
    } else if (auto rm = dyn_cast<ReduceMeanOp>(op)) {
      auto xType = toMemRef(rm.getX().getType());
      int64_t rank = xType.getRank();
      SmallVector<bool> reduced(rank, rm.getAxes().empty());
      for (int64_t a : rm.getAxes())
        reduced[a < 0 ? a + rank : a] = true;
      lowerGather(rm, [&](OpBuilder &kb, StringRef kname) {
        return gk::buildReduceMeanKernel(kb, rm.getLoc(), kname, xType,
                                         toMemRef(rm.getType()), reduced);
      });
    } else if (auto spec = lossSpec(&op)) {
      lowerGather(&op, [&](OpBuilder &kb, StringRef kname) {
        return gk::buildLossKernel(kb, op.getLoc(), kname, *spec);
      });
    } else if (auto ln = dyn_cast<LayerNormOp>(op)) {
      if (failed(lowerLayerNorm(ln)))
        return failure();
    } else if (auto reshape = dyn_cast<ReshapeOp>(op)) {
      if (failed(lowerReshape(reshape)))
        return failure();
    } else if (isElementwise(&op)) {
      if (!materialized(&op))
        continue;
      Value dest = destination(op.getResult(0));
      lowerElementwise(&op, dest);
      buffers[op.getResult(0)] = dest;
    } else {
      return op.emitError("mlpc --target=nvptx cannot lower '")
             << op.getName()
             << "' yet; the GPU target supports dense layers and matmuls, "
                "softmax and log_softmax, layer_norm, reduce_mean, transpose, "
                "concat, batch_norm of matrices, reshapes within batch rows, "
                "the "
                "elementwise ops, and tensor constants (compile for the CPU, "
                "which supports every mlp op)";
    }
  }
  // Results that no kernel wrote in place (an argument, a weight, a value
  // returned twice) are copied.
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    auto it = outputs.find(v);
    if (it != outputs.end() && it->second == i)
      continue;
    // A copy is an elementwise kernel whose body is its one input.
    elementwiseKernel(
        "copy", ret.getLoc(), {v}, host.getArgument(func.getNumArguments() + i),
        [](OpBuilder &, Location, ArrayRef<Value> s) { return s[0]; });
  }
  for (Value alloc : allocs)
    memref::DeallocOp::create(b, loc(), alloc);
  func::ReturnOp::create(b, loc());
  func.erase();
  return success();
}

namespace {
struct LowerToGpuPass : mlpc::impl::LowerToGpuBase<LowerToGpuPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    OpBuilder b(module.getContext());
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    b.getUnitAttr());
    b.setInsertionPointToEnd(module.getBody());
    auto kernels = gpu::GPUModuleOp::create(b, module.getLoc(), kKernelModule);
    SmallVector<func::FuncOp> entries;
    for (auto func : module.getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal())
        entries.push_back(func);
    for (func::FuncOp func : entries)
      if (failed(EntryLowering(func, kernels).run()))
        return signalPassFailure();
  }
};
} // namespace
