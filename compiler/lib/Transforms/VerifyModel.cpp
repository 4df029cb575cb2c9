//===- VerifyModel.cpp - the model contract beyond op verifiers -----------===//
#include "mlp/MlpDialect.h"
#include "mlp/MlpOps.h"
#include "mlpc/Transforms/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MathExtras.h"

#include <numeric>

namespace mlir::mlpc {
#define GEN_PASS_DEF_VERIFYMODEL
#include "mlpc/Transforms/Passes.h.inc"
} // namespace mlir::mlpc

using namespace mlir;

namespace {

/// An i32 argument holds class indices: a [B] tensor that only the
/// targets of cross_entropy and nll_loss read, so that the entry point can
/// check each index against its loss's class count.
template <typename Fail>
LogicalResult checkClassIndices(func::FuncOp func, unsigned index, Fail fail) {
  BlockArgument arg = func.getArgument(index);
  if (cast<RankedTensorType>(arg.getType()).getRank() != 1)
    return fail() << "; i32 arguments are class indices, one per batch row: "
                     "give it shape [B], e.g. tensor<?xi32>";
  for (OpOperand &use : arg.getUses()) {
    Operation *user = use.getOwner();
    if (!isa<mlp::CrossEntropyOp, mlp::NllLossOp>(user) ||
        use.getOperandNumber() != 1)
      return fail() << "; an i32 argument may only be the class-index "
                       "target of mlp.cross_entropy or mlp.nll_loss, but '"
                    << user->getName() << "' reads it";
  }
  return success();
}

/// Entry arguments and results: ranked f32 (arguments: or i32 class
/// indices), rank >= 1, only dim 0 dynamic.
LogicalResult checkBoundaryType(func::FuncOp func, Type t, StringRef what,
                                unsigned index) {
  auto fail = [&]() {
    return func.emitError() << "entry point @" << func.getSymName() << ": "
                            << what << " #" << index << " has type " << t;
  };
  auto ranked = dyn_cast<RankedTensorType>(t);
  if (!ranked)
    return fail() << "; entry points take and return ranked tensors such as "
                     "tensor<?x784xf32>";
  if (ranked.getElementType().isInteger(32) && what == "argument")
    return checkClassIndices(func, index, fail);
  if (!ranked.getElementType().isF32())
    return fail() << (what == "argument"
                          ? "; arguments are f32, or i32 class indices for "
                            "a loss, convert it to one of these"
                          : "; results are f32, convert it to f32");
  if (ranked.getRank() == 0)
    return fail() << "; give it rank 1 or more (the leading dimension is "
                     "the batch)";
  for (int64_t d = 1; d < ranked.getRank(); ++d)
    if (ranked.isDynamicDim(d))
      return fail() << "; only the leading (batch) dimension may be "
                       "dynamic, make dimension "
                    << d << " static";
  return success();
}

/// Weights are packed at compile time and stored in the object: a single
/// constant tensor beyond this is refused (ELF sections and the packing
/// buffers would not cope), rather than crashing the compiler.
constexpr int64_t kMaxConstantBytes = int64_t(1) << 31;

LogicalResult checkConstantSize(arith::ConstantOp cst) {
  auto type = dyn_cast<RankedTensorType>(cst.getType());
  if (!type || !type.hasStaticShape())
    return success();
  int64_t bytes = std::max<int64_t>(type.getElementTypeBitWidth() / 8, 1);
  for (int64_t d : type.getShape())
    if (llvm::MulOverflow(bytes, d, bytes) || bytes > kMaxConstantBytes)
      return cst.emitError() << "constant " << type
                             << " is larger than mlpc's limit of 2 GiB per "
                                "weight tensor; split the layer";
  return success();
}

/// dense_resource weights: the blob must exist and have the type's size.
LogicalResult checkResource(arith::ConstantOp cst) {
  auto res = dyn_cast<DenseResourceElementsAttr>(cst.getValue());
  if (!res)
    return success();
  auto type = cast<ShapedType>(res.getType());
  StringRef key = res.getRawHandle().getKey();
  AsmResourceBlob *blob = res.getRawHandle().getBlob();
  if (!blob)
    return cst.emitError()
           << "dense_resource<" << key
           << "> has no data: add it to the file's {-# dialect_resources: { "
              "builtin: { "
           << key << ": \"0x...\" } } #-} section";
  int64_t want = type.getNumElements() *
                 (type.getElementType().getIntOrFloatBitWidth() / 8);
  int64_t have = blob->getData().size();
  if (have != want)
    return cst.emitError() << "dense_resource<" << key << "> holds " << have
                           << " bytes but " << type << " needs " << want
                           << "; re-export the weights with this shape";
  return success();
}

/// Whether a call chain from `from` leads back to `target`.
bool callsReach(func::FuncOp from, func::FuncOp target, SymbolTable &symbols,
                DenseSet<Operation *> &seen) {
  if (!seen.insert(from).second)
    return false;
  bool found = false;
  from.walk([&](func::CallOp call) {
    auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
    if (callee &&
        (callee == target || callsReach(callee, target, symbols, seen))) {
      found = true;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return found;
}

/// Why an entry point cannot have the C name `name` (a valid identifier),
/// or an empty string. The name becomes a global symbol and a declaration
/// in the generated header, which C and C++ programs include: a keyword
/// makes the header fail to compile, and a name the C library or mlpc's
/// runtime already defines clashes with the model's own calls to it (an
/// entry @malloc failed deep in the pipeline, on its declaration of
/// malloc) or takes that function's place in the program.
std::string reservedNameReason(StringRef name) {
  static const char *const keywords[] = {
      // C11
      "auto", "break", "case", "char", "const", "continue", "default", "do",
      "double", "else", "enum", "extern", "float", "for", "goto", "if",
      "inline", "int", "long", "register", "restrict", "return", "short",
      "signed", "sizeof", "static", "struct", "switch", "typedef", "union",
      "unsigned", "void", "volatile", "while", "bool", "true", "false",
      // C++, for programs that include the header from C++
      "alignas", "alignof", "and", "asm", "catch", "class", "constexpr",
      "delete", "explicit", "export", "friend", "mutable", "namespace", "new",
      "noexcept", "not", "nullptr", "operator", "or", "private", "protected",
      "public", "template", "this", "throw", "try", "typeid", "typename",
      "using", "virtual", "xor"};
  // What generated code, the runtime and a program around them rely on.
  static const char *const libc[] = {
      "malloc",  "calloc", "realloc", "free",    "aligned_alloc", "memcpy",
      "memmove", "memset", "memcmp",  "strlen",  "abort",         "exit",
      "atexit",  "getenv", "printf",  "fprintf", "puts",          "exp",
      "expf",    "log",    "logf",    "tanh",    "tanhf",         "erf",
      "erff",    "erfc",   "erfcf",   "fma",     "fmaf",          "sqrt",
      "sqrtf",   "pow",    "powf",    "fabs",    "fabsf",         "dlopen",
      "dlsym",   "dlclose"};
  if (llvm::is_contained(keywords, name))
    return "is a C or C++ keyword";
  if (name == "main")
    return "is the program's main()";
  if (llvm::is_contained(libc, name))
    return ("is the C library's " + name +
            "(), which the program and the model's own code call")
        .str();
  if (name.starts_with_insensitive("mlpc_"))
    return "is in the mlpc_ namespace of mlpc's runtime";
  if (name.size() > 1 && name[0] == '_' &&
      (llvm::isUpper(name[1]) || name[1] == '_'))
    return "is reserved for the C implementation (a leading _ and a capital "
           "or a second _)";
  return "";
}

/// Each dynamic dimension is the batch times a ratio that a reshape may
/// change ([N,12] -> [3N,4]). The C entry sizes every dynamic buffer by the
/// batch, so a result must come back to exactly the batch, and an op must
/// not combine two dynamic operands of different ratios: either would read
/// or write past a buffer. One diagnostic, at the first such op.
LogicalResult checkBatchRatios(func::FuncOp func) {
  // num/den of the value's one dynamic dimension; absent when all static.
  DenseMap<Value, std::pair<int64_t, int64_t>> ratio;
  auto dynamic = [](Value v) {
    auto t = dyn_cast<RankedTensorType>(v.getType());
    return t && !t.hasStaticShape();
  };
  for (BlockArgument arg : func.getArguments())
    if (dynamic(arg))
      ratio[arg] = {1, 1};
  auto staticElems = [](Value v) {
    int64_t n = 1;
    for (int64_t d : cast<RankedTensorType>(v.getType()).getShape())
      if (!ShapedType::isDynamic(d))
        n *= d;
    return n;
  };
  auto show = [](std::pair<int64_t, int64_t> r) {
    return r.second == 1
               ? std::to_string(r.first)
               : std::to_string(r.first) + "/" + std::to_string(r.second);
  };
  for (Operation &op : func.getBody().front()) {
    std::optional<std::pair<int64_t, int64_t>> seen;
    for (Value v : op.getOperands()) {
      auto it = ratio.find(v);
      if (it == ratio.end())
        continue;
      if (seen && *seen != it->second && !isa<func::ReturnOp>(op))
        return op.emitError()
               << "combines operands whose dynamic dimensions are "
               << show(*seen) << " and " << show(it->second)
               << " times the batch; reshape them to the same rows first";
      seen = it->second;
    }
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
        auto it = ratio.find(v);
        if (it != ratio.end() &&
            it->second != std::pair<int64_t, int64_t>{1, 1})
          return ret.emitError()
                 << "result #" << i << " has " << show(it->second)
                 << " times the batch rows, but the C entry point sizes "
                    "each result by the batch; reshape it back to the "
                    "batch's rows";
      }
      continue;
    }
    if (op.getNumResults() != 1 || !dynamic(op.getResult(0)) || !seen)
      continue;
    std::pair<int64_t, int64_t> r = *seen;
    if (auto reshape = dyn_cast<mlp::ReshapeOp>(op)) {
      r.first *= staticElems(reshape.getX());
      r.second *= staticElems(reshape.getResult());
      int64_t g = std::gcd(r.first, r.second);
      r = {r.first / g, r.second / g};
    }
    ratio[op.getResult(0)] = r;
  }
  return success();
}

struct VerifyModelPass : mlpc::impl::VerifyModelBase<VerifyModelPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool ok = true;
    unsigned entries = 0;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (!func.isPublic())
        continue;
      // A public declaration never gets here: func.func's verifier refuses
      // it ("symbol declaration cannot have public visibility").
      ++entries;
      StringRef name = func.getSymName();
      bool cIdentifier = !name.empty() && !llvm::isDigit(name.front()) &&
                         llvm::all_of(name, [](char c) {
                           return llvm::isAlnum(c) || c == '_';
                         });
      if (!cIdentifier) {
        func.emitError() << "entry point @" << name
                         << " is not a valid C identifier; rename it using "
                            "letters, digits and '_' only";
        ok = false;
      } else if (std::string why = reservedNameReason(name); !why.empty()) {
        func.emitError() << "entry point @" << name << " " << why
                         << "; rename it (it becomes a C function of that "
                            "name), e.g. @model_"
                         << name.ltrim('_');
        ok = false;
      }
      FunctionType type = func.getFunctionType();
      // One diagnostic per entry point: the first bad type is enough to act
      // on, and the others are usually the same mistake.
      auto checkAll = [&](TypeRange types, StringRef what) {
        for (auto [i, t] : llvm::enumerate(types))
          if (failed(checkBoundaryType(func, t, what, i)))
            return false;
        return true;
      };
      if (!checkAll(type.getInputs(), "argument") ||
          !checkAll(type.getResults(), "result")) {
        ok = false;
        continue;
      }
      if (type.getNumResults() == 0) {
        func.emitError() << "entry point @" << func.getSymName()
                         << " returns nothing; return its output tensors";
        ok = false;
      }
    }
    if (ok)
      for (auto func : module.getOps<func::FuncOp>())
        ok &= func.isExternal() || succeeded(checkBatchRatios(func));
    module.walk([&](arith::ConstantOp cst) {
      ok &= succeeded(checkConstantSize(cst)) && succeeded(checkResource(cst));
    });
    // A model is made of mlp ops, constants and calls (inlined by now).
    // Anything else (arith.mulf or math.exp on tensors, tensor slices) would
    // fail deep in the pipeline with a message about its internals, or give
    // an object that does not link (a slice needed MLIR's memrefCopy): one
    // error per kind of op, at its first use.
    llvm::StringSet<> reported;
    module.walk([&](Operation *op) {
      if (isa<ModuleOp, func::FuncOp, func::ReturnOp, func::CallOp,
              arith::ConstantOp>(op) ||
          isa<mlp::MlpDialect>(op->getDialect()))
        return;
      if (reported.insert(op->getName().getStringRef()).second)
        op->emitError() << "'" << op->getName()
                        << "' is not an op of mlp models; write the model "
                           "with mlp ops (mlp.matmul, mlp.add, mlp.relu, "
                           "...), arith.constant weights and func.call";
      ok = false;
    });
    // Every call was inlined before this pass (mlpc::addInlineCalls) but
    // those that cannot be.
    SymbolTable symbols(module);
    module.walk([&](func::CallOp call) {
      auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
      DenseSet<Operation *> seen;
      if (!callee || callee.isExternal())
        call.emitError() << "calls @" << call.getCallee()
                         << ", which has no body; define it in the model "
                            "(mlpc inlines every call)";
      else if (callsReach(callee, callee, symbols, seen))
        call.emitError() << "calls @" << call.getCallee()
                         << ", which calls itself (directly or through other "
                            "functions); mlpc inlines every call, so a model "
                            "cannot recurse: unroll it";
      else
        call.emitError() << "calls @" << call.getCallee()
                         << ", which was not inlined; run the inliner first "
                            "(as mlpc does)";
      ok = false;
    });
    if (ok && entries == 0) {
      module.emitError("the module has no public func.func entry point; a "
                       "model needs at least one");
      ok = false;
    }
    if (!ok)
      signalPassFailure();
  }
};
} // namespace
