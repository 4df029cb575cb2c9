//===- EntryPoints.cpp - public tensor functions -> DPS kernels -----------===//
//
// The C ABI passes results as caller-owned buffers. Turning each result into
// a memref argument with `materialize_in_destination` before bufferization
// lets one-shot bufferize write the last layer directly into the caller's
// buffer instead of allocating and copying.
//
//===----------------------------------------------------------------------===//
#include "mlpc/Transforms/Passes.h"
#include "mlpc/Utils/Attributes.h"

namespace mlir::mlpc {
#define GEN_PASS_DEF_ENTRYPOINTS
#include "mlpc/Transforms/Passes.h.inc"
} // namespace mlir::mlpc

using namespace mlir;

namespace {
struct EntryPointsPass : mlpc::impl::EntryPointsBase<EntryPointsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto func :
         llvm::make_early_inc_range(module.getOps<func::FuncOp>())) {
      if (!func.isPublic() || func.isExternal())
        continue;
      convert(func);
    }
  }

  void convert(func::FuncOp func) {
    OpBuilder b(func.getContext());
    FunctionType type = func.getFunctionType();
    auto toMemref = [](Type t) -> Type {
      auto tensor = cast<RankedTensorType>(t);
      return MemRefType::get(tensor.getShape(), tensor.getElementType());
    };
    Block &entry = func.getBody().front();
    b.setInsertionPointToStart(&entry);
    // Arguments: read-only views of the caller's input buffers.
    for (BlockArgument arg : entry.getArguments()) {
      Type tensorType = arg.getType();
      arg.setType(toMemref(tensorType));
      auto view = bufferization::ToTensorOp::create(
          b, func.getLoc(), tensorType, arg, b.getUnitAttr(), UnitAttr());
      arg.replaceAllUsesExcept(view, view);
    }
    // Results: one more argument each, written by materialize_in_destination.
    SmallVector<Value> outs;
    for (Type t : type.getResults())
      outs.push_back(entry.addArgument(toMemref(t), func.getLoc()));
    func.walk([&](func::ReturnOp ret) {
      b.setInsertionPoint(ret);
      for (auto [value, out] : llvm::zip(ret.getOperands(), outs))
        bufferization::MaterializeInDestinationOp::create(
            b, ret.getLoc(), TypeRange{}, value, out, /*restrict=*/true,
            /*writable=*/true);
      ret->setOperands({});
    });

    SmallVector<Type> argTypes(entry.getArgumentTypes());
    func.setFunctionType(b.getFunctionType(argTypes, {}));
    SmallVector<int64_t> classCounts;
    for (unsigned i = 0; i < type.getNumInputs(); ++i) {
      auto count = func.getArgAttrOfType<IntegerAttr>(i, mlpc::kClassCountAttr);
      classCounts.push_back(count ? count.getInt() : 0);
    }
    if (llvm::any_of(classCounts, [](int64_t c) { return c > 0; }))
      func->setAttr(mlpc::kClassCountsAttr,
                    b.getDenseI64ArrayAttr(classCounts));
    func->setAttr(mlpc::kEntryNameAttr, b.getStringAttr(func.getSymName()));
    func->setAttr(mlpc::kArgShapesAttr, mlpc::shapesAttr(b, type.getInputs()));
    func->setAttr(mlpc::kResultShapesAttr,
                  mlpc::shapesAttr(b, type.getResults()));
    func.setSymName(mlpc::kernelName(func.getSymName()));
    func.setPrivate();
    func.removeArgAttrsAttr();
    func.removeResAttrsAttr();
  }
};
} // namespace
