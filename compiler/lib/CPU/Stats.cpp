//===- Stats.cpp - what each layer of a model costs (mlpc --stats) --------===//
//
// FLOPs per batch row, by the seed texts' count: a dense layer's product is
// 2·K·N (a multiply and an add per weight), its bias N, its activation one
// per output. The other ops count their arithmetic per element (docs/
// UserGuide.md lists them): softmax 5 (max, subtract, exp, sum, divide),
// layer_norm 6, batch_norm 4, other elementwise ops 1.
//
//===----------------------------------------------------------------------===//
#include "mlpc/CPU/Stats.h"

#include "DenseKernel/DenseKernel.h"
#include "mlp/MlpOps.h"
#include "mlpc/Utils/Attributes.h"
#include "mlpc/Utils/Layers.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"

using namespace mlir;
using namespace mlir::mlp;
using namespace mlir::mlpc;

namespace {
int64_t elementsPerRow(Type t) {
  auto shaped = cast<ShapedType>(t);
  int64_t n = 1;
  for (int64_t d : shaped.getShape().drop_front())
    n *= ShapedType::isDynamic(d) ? 1 : d;
  return n;
}

int64_t elements(Type t) {
  auto shaped = cast<ShapedType>(t);
  return shaped.hasStaticShape() ? shaped.getNumElements() : 0;
}

int64_t elementBytes(Type t) {
  return std::max<int64_t>(cast<ShapedType>(t).getElementTypeBitWidth() / 8, 1);
}

bool isConstant(Value v) { return matchPattern(v, m_Constant()); }

/// FLOPs per row of `op` (not a dense layer) into `s`.
void countFlops(Operation *op, LayerStats &s) {
  int64_t out = elementsPerRow(op->getResult(0).getType());
  int64_t in = elementsPerRow(op->getOperand(0).getType());
  if (auto mm = dyn_cast<MatmulOp>(op)) {
    s.matmulFlops = 2 * in * out;
  } else if (auto add = dyn_cast<AddOp>(op);
             add && llvm::any_of(op->getOperands(), [](Value v) {
               return isConstant(v) &&
                      cast<ShapedType>(v.getType()).getRank() == 1;
             })) {
    s.biasFlops = out; // a bias not fused into a dense layer (-O0)
  } else if (isBinaryElementwise(op)) {
    s.otherFlops = out;
  } else if (getActivationSpec(op)) {
    s.activationFlops = out;
  } else if (isa<SoftmaxOp, LogSoftmaxOp>(op)) {
    s.softmaxFlops = 5 * out;
  } else if (isa<LayerNormOp>(op)) {
    s.otherFlops = 6 * out;
  } else if (isa<BatchNormOp>(op)) {
    s.otherFlops = 4 * out;
  } else if (isa<ReduceMeanOp>(op)) {
    s.otherFlops = in;
  } else if (isa<CrossEntropyOp>(op)) {
    s.softmaxFlops = 5 * in; // its log_softmax
    s.otherFlops = 1;
  } else if (auto nll = dyn_cast<NllLossOp>(op)) {
    s.otherFlops = nll.hasClassTargets() ? 1 : 2 * in;
  } else if (isa<BceWithLogitsOp>(op)) {
    s.otherFlops = 6 * in;
  } else if (isa<MseLossOp>(op)) {
    s.otherFlops = 3 * in;
  }
}

/// The stats of one op after fusion; `kernel` tells what the dense
/// kernel's epilogue takes in.
LayerStats opStats(Operation *op, const DenseKernel &kernel) {
  LayerStats s;
  s.op = op->getName().stripDialect().str();
  s.name = layerName(op->getLoc());
  for (Value v : op->getOperands())
    if (!isConstant(v))
      s.inputs.emplace_back(cast<ShapedType>(v.getType()).getShape());
  Type resultType = op->getResult(0).getType();
  s.output.assign(cast<ShapedType>(resultType).getShape().begin(),
                  cast<ShapedType>(resultType).getShape().end());
  s.activationBytes = elementsPerRow(resultType) * elementBytes(resultType);
  auto dense = dyn_cast<DenseOp>(op);
  for (OpOperand &operand : op->getOpOperands()) {
    Value v = operand.get();
    if (!isConstant(v))
      continue;
    bool scale = dense && dense.getWScale() == v;
    if (!scale)
      s.params += elements(v.getType());
    s.weightBytes += dense && v == dense.getW()
                         ? kernel.packedWeightBytes(dense)
                         : elements(v.getType()) * elementBytes(v.getType());
  }
  if (!dense) {
    countFlops(op, s);
    return s;
  }
  int64_t k = elementsPerRow(dense.getX().getType());
  int64_t n = elementsPerRow(resultType);
  s.activation = dense.getActivation().str();
  s.matmulFlops = 2 * k * n;
  s.biasFlops = n;
  s.fused = "matmul + bias";
  if (s.activation != "none") {
    s.activationFlops = n;
    s.fused += " + " + s.activation;
  }
  if (DenseKernel::applies(dense)) {
    if (auto head = kernel.fusableHead(dense))
      s.fused += " + " + head->first->getName().stripDialect().str();
    else if (auto residual = DenseKernel::fusableResidual(dense))
      s.fused += std::string(" + residual add") +
                 (residual->activation ? " + activation" : "");
  }
  return s;
}

/// Marks the ops that a dense layer's epilogue takes in.
void markEpilogues(func::FuncOp func, const DenseKernel &kernel,
                   DenseMap<Operation *, unsigned> &index,
                   std::vector<LayerStats> &layers) {
  func.walk([&](DenseOp dense) {
    if (!DenseKernel::applies(dense) || !index.count(dense))
      return;
    std::string where =
        "in layer " + std::to_string(index[dense] + 1) + "'s kernel";
    SmallVector<Operation *> taken;
    if (auto head = kernel.fusableHead(dense)) {
      taken.push_back(head->first);
    } else if (auto residual = DenseKernel::fusableResidual(dense)) {
      taken.push_back(residual->add);
      if (residual->activation)
        taken.push_back(residual->activation);
    }
    for (Operation *op : taken)
      if (index.count(op))
        layers[index[op]].fused = where;
  });
}
} // namespace

LayerStats EntryStats::totals() const {
  LayerStats t;
  t.op = "total";
  for (const LayerStats &l : layers) {
    t.params += l.params;
    t.weightBytes += l.weightBytes;
    t.matmulFlops += l.matmulFlops;
    t.biasFlops += l.biasFlops;
    t.activationFlops += l.activationFlops;
    t.softmaxFlops += l.softmaxFlops;
    t.otherFlops += l.otherFlops;
    t.activationBytes += l.activationBytes;
  }
  return t;
}

std::vector<EntryStats> mlpc::collectStats(ModuleOp module,
                                           const TargetTuning &tuning) {
  std::vector<EntryStats> stats;
  DenseKernel kernel{tuning, std::nullopt};
  for (auto func : module.getOps<func::FuncOp>()) {
    if (!func.isPublic() || func.isExternal() || func->hasAttr(kTraceOfAttr))
      continue;
    EntryStats e;
    e.name = func.getSymName().str();
    DenseMap<Operation *, unsigned> index;
    func.walk([&](Operation *op) {
      if (!isa<MlpDialect>(op->getDialect()) || op->getNumResults() != 1)
        return;
      index[op] = e.layers.size();
      e.layers.push_back(opStats(op, kernel));
    });
    markEpilogues(func, kernel, index, e.layers);
    stats.push_back(std::move(e));
  }
  return stats;
}

void mlpc::addScratch(std::vector<EntryStats> &stats, ModuleOp lowered,
                      int64_t batch) {
  for (EntryStats &e : stats) {
    e.batch = batch;
    e.scratchBytes = 0;
    for (auto fn : lowered.getOps<LLVM::LLVMFuncOp>()) {
      auto entry = fn->getAttrOfType<StringAttr>(kEntryNameAttr);
      if (!entry || entry.getValue() != e.name)
        continue;
      auto plan = fn->getAttrOfType<DenseI64ArrayAttr>(kScratchPlanAttr);
      if (!plan)
        break;
      // A row-parallel entry runs its rows in chunks, each thread with
      // one chunk's scratch (mlp-emit-c-abi).
      int64_t rows = batch;
      if (fn->hasAttr(kRowParallelAttr)) {
        auto rowBytes = fn->getAttrOfType<IntegerAttr>(kScratchRowBytesAttr);
        auto block = fn->getAttrOfType<IntegerAttr>(kRowBlockAttr);
        auto weights = fn->getAttrOfType<IntegerAttr>(kRowWeightBytesAttr);
        int64_t chunk =
            chooseRowChunk(TargetTuning(), rowBytes ? rowBytes.getInt() : 0,
                           weights ? weights.getInt() : -1,
                           block ? std::max<int64_t>(block.getInt(), 1) : 1);
        if (chunk > 0)
          rows = std::min(rows, chunk);
      }
      ArrayRef<int64_t> p = plan.asArrayRef();
      for (size_t i = 0; i + 1 < p.size(); i += 2) {
        int64_t bytes = p[i] * (p[i + 1] ? rows : 1);
        e.scratchBytes +=
            (bytes + kScratchAlign - 1) / kScratchAlign * kScratchAlign;
      }
      break;
    }
  }
}

static std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? "," : "") +
         (ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d));
  return s + "]";
}

static std::string describe(const LayerStats &l) {
  std::string s = l.op;
  if (!l.activation.empty() && l.activation != "none")
    s += " " + l.activation;
  if (!l.name.empty())
    s += " '" + l.name + "'";
  return s;
}

void mlpc::printStats(llvm::raw_ostream &os, ArrayRef<EntryStats> stats) {
  auto row = [&](StringRef index, StringRef what, StringRef shapes,
                 const LayerStats &l, StringRef fused) {
    os << llvm::format("%4s  %-26s %-24s %9lld %12lld %10lld %6lld %6lld "
                       "%7lld %6lld %9lld  %s\n",
                       index.str().c_str(), what.str().c_str(),
                       shapes.str().c_str(), (long long)l.params,
                       (long long)l.weightBytes, (long long)l.matmulFlops,
                       (long long)l.biasFlops, (long long)l.activationFlops,
                       (long long)l.softmaxFlops, (long long)l.otherFlops,
                       (long long)l.activationBytes, fused.str().c_str());
  };
  for (const EntryStats &e : stats) {
    os << e.name << ": " << e.layers.size() << " ops after fusion";
    if (e.scratchBytes >= 0)
      os << "; scratch " << e.scratchBytes << " bytes per call at batch "
         << e.batch;
    os << "\n";
    os << llvm::format("%4s  %-26s %-24s %9s %12s %10s %6s %6s %7s %6s %9s  "
                       "%s\n",
                       "#", "op", "input -> output", "params", "weight B",
                       "matmul", "bias", "act", "softmax", "other", "act B/row",
                       "fused");
    for (auto [i, l] : llvm::enumerate(e.layers)) {
      std::string shapes;
      for (const auto &in : l.inputs)
        shapes += (shapes.empty() ? "" : ",") + shapeString(in);
      shapes += " -> " + shapeString(l.output);
      row(std::to_string(i + 1), describe(l), shapes, l, l.fused);
    }
    LayerStats t = e.totals();
    row("", "total", "", t, "");
    os << "      FLOPs are per batch row: " << t.flops() << " in all, "
       << t.matmulFlops << " in products\n\n";
  }
}

void mlpc::printStatsJson(llvm::raw_ostream &os, ArrayRef<EntryStats> stats) {
  llvm::json::OStream j(os);
  auto shape = [&](ArrayRef<int64_t> dims) {
    j.array([&] {
      for (int64_t d : dims)
        j.value(ShapedType::isDynamic(d) ? -1 : d);
    });
  };
  auto figures = [&](const LayerStats &l) {
    j.attribute("params", l.params);
    j.attribute("weight_bytes", l.weightBytes);
    j.attributeObject("flops_per_row", [&] {
      j.attribute("matmul", l.matmulFlops);
      j.attribute("bias", l.biasFlops);
      j.attribute("activation", l.activationFlops);
      j.attribute("softmax", l.softmaxFlops);
      j.attribute("other", l.otherFlops);
      j.attribute("total", l.flops());
    });
    j.attribute("activation_bytes_per_row", l.activationBytes);
  };
  j.object([&] {
    j.attributeArray("entries", [&] {
      for (const EntryStats &e : stats)
        j.object([&] {
          j.attribute("name", e.name);
          j.attribute("batch", e.batch);
          j.attribute("scratch_bytes", e.scratchBytes);
          j.attributeArray("layers", [&] {
            for (const LayerStats &l : e.layers)
              j.object([&] {
                j.attribute("op", l.op);
                if (!l.activation.empty())
                  j.attribute("activation", l.activation);
                j.attribute("name", l.name);
                j.attributeArray("inputs", [&] {
                  for (const auto &in : l.inputs)
                    shape(in);
                });
                j.attributeBegin("output");
                shape(l.output);
                j.attributeEnd();
                figures(l);
                j.attribute("fused", l.fused);
              });
          });
          j.attributeObject("totals", [&] { figures(e.totals()); });
        });
    });
  });
  os << "\n";
}
