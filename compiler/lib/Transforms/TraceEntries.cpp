//===- TraceEntries.cpp - NAME_trace: an entry that keeps every layer -----===//
//
// A traced value must not change how NAME's own ops are compiled: returning
// a dense layer's output would take it out of the epilogue that fuses it
// with a following softmax or residual add, which rounds differently. So
// the traced values come from a copy of the model (its own ops, which
// fusion leaves apart because they are results), and NAME's ops stay as
// they are for NAME's results.
//
//===----------------------------------------------------------------------===//
#include "mlp/MlpOps.h"
#include "mlpc/Transforms/Passes.h"
#include "mlpc/Utils/Attributes.h"
#include "mlpc/Utils/Layers.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/StringSet.h"

namespace mlir::mlpc {
#define GEN_PASS_DEF_TRACEENTRIES
#include "mlpc/Transforms/Passes.h.inc"
} // namespace mlir::mlpc

using namespace mlir;
using namespace mlir::mlp;

namespace {
/// One traced value and what the header says about it.
struct Traced {
  Value value;
  std::string name, layer;
};

/// "dense relu 'fc1'": the op, its activation and its source name.
std::string describe(Operation *op, StringRef activation) {
  std::string s = op->getName().stripDialect().str();
  if (!activation.empty())
    s += " " + activation.str();
  if (std::string name = mlpc::layerName(op->getLoc()); !name.empty())
    s += " '" + name + "'";
  return s;
}

/// Names traced values as the seed texts' caches do: dense layer l gives
/// z<l> and, with an activation, a<l>; a softmax or activation op that
/// directly follows a dense layer without one is that layer's a<l>. Unfused
/// (-O0), a matmul is matmul<l> and its bias add z<l>. Any other op is
/// named after itself and the last layer ("add2").
class TraceNames {
public:
  std::string dense() { return "z" + std::to_string(++layer); }
  /// Unfused (-O0): a matmul starts layer l, its bias add is z<l>.
  std::string matmul() { return "matmul" + std::to_string(++layer); }
  std::string z() const { return "z" + std::to_string(layer); }
  std::string activation() const { return "a" + std::to_string(layer); }
  std::string other(Operation *op) {
    std::string base =
        op->getName().stripDialect().str() + std::to_string(layer);
    std::string name = base;
    for (unsigned i = 2; !used.insert(name).second; ++i)
      name = base + "_" + std::to_string(i);
    return name;
  }

private:
  unsigned layer = 0;
  llvm::StringSet<> used;
};

/// Whether `op` adds a rank-1 constant (a bias) to `product`.
bool isBias(Operation *op, Value product) {
  auto add = dyn_cast<AddOp>(op);
  if (!add || !product)
    return false;
  Value other = add.getA() == product   ? add.getB()
                : add.getB() == product ? add.getA()
                                        : Value();
  return other && cast<ShapedType>(other.getType()).getRank() == 1 &&
         matchPattern(other, m_Constant());
}

/// Copies the ops of `body` (before its return) at b's insertion point,
/// with each dense layer's activation split off, and lists every mlp op's
/// result in order.
SmallVector<Traced> copyTraced(OpBuilder &b, Block &body, IRMapping &map) {
  SmallVector<Traced> traced;
  TraceNames names;
  Value plainDense; // the last z: a dense layer without an activation, or
                    // (unfused, -O0) a bias add after a matmul
  Value product;    // the last matmul
  // The copies go into the same block: walk a list of the originals.
  SmallVector<Operation *> originals;
  for (Operation &op : body.without_terminator())
    originals.push_back(&op);
  for (Operation *op : originals) {
    // Constants are shared with NAME's ops, not copied.
    if (op->hasTrait<OpTrait::ConstantLike>())
      continue;
    if (!isa<MlpDialect>(op->getDialect()) || op->getNumResults() != 1) {
      b.clone(*op, map);
      continue;
    }
    auto dense = dyn_cast<DenseOp>(op);
    if (!dense) {
      Value v = b.clone(*op, map)->getResult(0);
      map.map(op->getResult(0), v);
      std::string name;
      if (isa<MatmulOp>(op)) {
        name = names.matmul();
        product = op->getResult(0);
      } else if (isBias(op, product)) {
        name = names.z();
        plainDense = op->getResult(0);
      } else if (plainDense && op->getOperand(0) == plainDense &&
                 (isa<SoftmaxOp, LogSoftmaxOp>(op) || getActivationSpec(op))) {
        name = names.activation();
      } else {
        name = names.other(op);
      }
      if (!isa<MatmulOp>(op) && name[0] != 'z')
        plainDense = {};
      traced.push_back({v, name, describe(op, "")});
      continue;
    }
    std::string z = names.dense();
    if (dense.getActivation() == "none") {
      Value v = b.clone(*op, map)->getResult(0);
      map.map(op->getResult(0), v);
      traced.push_back({v, z, describe(op, "")});
      plainDense = op->getResult(0);
      continue;
    }
    auto pre = cast<DenseOp>(b.clone(*op, map));
    pre.setActivation("none");
    // The activation's parameters, back to their defaults.
    pre.setAlpha(APFloat(0.01f));
    pre.setBeta(APFloat(0.0f));
    Value a = mlpc::createActivationOp(b, op->getLoc(),
                                       getActivationSpec(dense), pre);
    map.map(op->getResult(0), a);
    std::string what = describe(op, dense.getActivation());
    traced.push_back({pre, z, what + ", pre-activation"});
    traced.push_back({a, names.activation(), what});
    plainDense = {};
  }
  return traced;
}

struct TraceEntriesPass : mlpc::impl::TraceEntriesBase<TraceEntriesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<func::FuncOp> entries;
    for (auto func : module.getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal() &&
          !func->hasAttr(mlpc::kTraceOfAttr))
        entries.push_back(func);
    for (func::FuncOp func : entries)
      if (failed(trace(func, symbols)))
        return signalPassFailure();
  }

  LogicalResult trace(func::FuncOp func, SymbolTable &symbols) {
    std::string name = (func.getSymName() + "_trace").str();
    if (symbols.lookup(name))
      return func.emitError() << "--trace adds an entry point @" << name
                              << ", but the model already has one; rename "
                                 "it or compile without --trace";
    if (!llvm::hasSingleElement(func.getBody()))
      return func.emitError("--trace needs entry points of one block");
    auto traced = cast<func::FuncOp>(func->clone());
    traced.setSymName(name);
    symbols.insert(traced, std::next(Block::iterator(func)));

    Block &body = traced.getBody().front();
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    OpBuilder b(ret);
    IRMapping map;
    SmallVector<Traced> layers = copyTraced(b, body, map);
    SmallVector<Value> results(ret.getOperands());
    SmallVector<Attribute> names, descriptions;
    for (unsigned i = 0; i < results.size(); ++i) {
      names.push_back(b.getStringAttr("out" + std::to_string(i)));
      descriptions.push_back(
          b.getStringAttr("the result of " + func.getSymName().str()));
    }
    for (const Traced &t : layers) {
      results.push_back(t.value);
      names.push_back(b.getStringAttr(t.name));
      descriptions.push_back(b.getStringAttr(t.layer));
    }
    func::ReturnOp::create(b, ret.getLoc(), results);
    ret.erase();
    SmallVector<Type> types;
    for (Value v : results)
      types.push_back(v.getType());
    traced.setFunctionType(b.getFunctionType(traced.getArgumentTypes(), types));
    traced.removeResAttrsAttr();
    for (unsigned i = 0; i < results.size(); ++i) {
      traced.setResultAttr(i, mlpc::kTraceNameAttr, names[i]);
      traced.setResultAttr(i, mlpc::kTraceLayerAttr, descriptions[i]);
    }
    traced->setAttr(mlpc::kTraceOfAttr, func.getSymNameAttr());
    // The copy does NAME's work again: the runtime splits rows by it.
    if (auto flops = traced->getAttrOfType<IntegerAttr>(mlpc::kRowParallelAttr))
      traced->setAttr(mlpc::kRowParallelAttr,
                      b.getI64IntegerAttr(2 * flops.getInt()));
    return success();
  }
};
} // namespace
