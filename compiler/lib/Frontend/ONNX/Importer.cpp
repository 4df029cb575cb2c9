//===- Importer.cpp - ONNX model, tensors and graph -----------------------===//
//
// Reads the model with the ONNX project's generated protobuf classes. The
// graph is translated in node order (ONNX requires a topological order);
// every value is a ranked f32 tensor whose only dynamic dimension, if any,
// derives from the batch. Compile-time tensors (initializers, Constant
// nodes) stay on the host until a node uses them as data, so shapes and
// axes given as int64 tensors never become IR.
//
//===----------------------------------------------------------------------===//
#include "Importer.h"
#include "mlpc/Frontend/ONNX.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstring>

using namespace mlir;
using namespace mlir::mlpc;
using namespace mlir::mlpc::onnx_import;

int64_t HostTensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d;
  return n;
}

namespace {
/// Weights at least this large go into a resource blob (not uniqued, and
/// printed apart from the IR); smaller ones stay readable dense attributes.
constexpr int64_t kResourceElements = 1024;

std::string typeName(int32_t t) {
  if (!onnx::TensorProto_DataType_IsValid(t))
    return "an unknown type (" + std::to_string(t) + ")";
  return onnx::TensorProto_DataType_Name(onnx::TensorProto_DataType(t));
}

/// The first `count` little-endian values of type T in `raw` (which holds
/// at least that many bytes).
template <typename T>
void decodeRaw(const std::string &raw, int64_t count, std::vector<T> &out) {
  out.resize(count);
  std::memcpy(out.data(), raw.data(), count * sizeof(T));
}
} // namespace

InFlightDiagnostic GraphImporter::error() {
  InFlightDiagnostic d = emitError(nodeLoc);
  if (node)
    d << "(" << node->op_type() << ", opset " << opset << ") ";
  return d;
}

FailureOr<HostTensor> GraphImporter::readTensor(const onnx::TensorProto &t,
                                                Location at) {
  HostTensor h;
  h.dataType = t.data_type();
  for (int64_t d : t.dims()) {
    if (d < 0)
      return emitError(at) << "tensor '" << t.name() << "' has a negative "
                           << "dimension " << d;
    h.dims.push_back(d);
  }
  int64_t count = 1;
  for (int64_t d : h.dims)
    if (llvm::MulOverflow(count, d, count) || count > (int64_t(1) << 40))
      return emitError(at) << "tensor '" << t.name()
                           << "' has more elements than mlpc can hold (2^40)";
  std::string raw;
  bool hasRaw = t.has_raw_data();
  if (t.data_location() == onnx::TensorProto_DataLocation_EXTERNAL) {
    std::string location;
    int64_t offset = 0, length = -1;
    for (const auto &kv : t.external_data()) {
      if (kv.key() == "location")
        location = kv.value();
      else if (kv.key() == "offset" && !llvm::to_integer(kv.value(), offset))
        return emitError(at)
               << "tensor '" << t.name() << "': bad external data offset '"
               << kv.value() << "'";
      else if (kv.key() == "length" && !llvm::to_integer(kv.value(), length))
        return emitError(at)
               << "tensor '" << t.name() << "': bad external data length '"
               << kv.value() << "'";
    }
    SmallString<256> file(llvm::sys::path::parent_path(path));
    llvm::sys::path::append(file, location);
    auto buffer = llvm::MemoryBuffer::getFile(file, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
    if (location.empty() || !buffer)
      return emitError(at) << "tensor '" << t.name()
                           << "' keeps its data in the external file '"
                           << location << "', which cannot be read (" << file
                           << "); put it next to the model";
    StringRef data = (*buffer)->getBuffer();
    if (offset < 0 || uint64_t(offset) > data.size())
      return emitError(at) << "tensor '" << t.name() << "': offset " << offset
                           << " is past the end of '" << location << "'";
    data = data.drop_front(offset);
    if (length >= 0)
      data = data.take_front(length);
    raw = data.str();
    hasRaw = true;
  } else if (hasRaw) {
    raw = t.raw_data();
  }
  auto sizeError = [&](int64_t have) {
    return emitError(at) << "tensor '" << t.name() << "' of shape ["
                         << llvm::join(llvm::map_range(h.dims,
                                                       [](int64_t d) {
                                                         return std::to_string(
                                                             d);
                                                       }),
                                       ", ")
                         << "] holds " << have << " values instead of " << count
                         << "; the file is damaged";
  };
  switch (h.dataType) {
  case onnx::TensorProto_DataType_FLOAT:
    if (hasRaw) {
      if (int64_t(raw.size()) != count * 4)
        return sizeError(raw.size() / 4);
      decodeRaw(raw, count, h.floats);
    } else {
      if (t.float_data_size() != count)
        return sizeError(t.float_data_size());
      h.floats.assign(t.float_data().begin(), t.float_data().end());
    }
    return h;
  case onnx::TensorProto_DataType_DOUBLE: {
    // Read as float where a float is wanted (rare: Constant exponents).
    std::vector<double> d;
    if (hasRaw) {
      if (int64_t(raw.size()) != count * 8)
        return sizeError(raw.size() / 8);
      decodeRaw(raw, count, d);
    } else {
      d.assign(t.double_data().begin(), t.double_data().end());
    }
    if (int64_t(d.size()) != count)
      return sizeError(d.size());
    h.floats.assign(d.begin(), d.end());
    return h;
  }
  case onnx::TensorProto_DataType_INT64:
    if (hasRaw) {
      if (int64_t(raw.size()) != count * 8)
        return sizeError(raw.size() / 8);
      decodeRaw(raw, count, h.ints);
    } else {
      h.ints.assign(t.int64_data().begin(), t.int64_data().end());
    }
    if (int64_t(h.ints.size()) != count)
      return sizeError(h.ints.size());
    return h;
  case onnx::TensorProto_DataType_BOOL:
  case onnx::TensorProto_DataType_INT8:
  case onnx::TensorProto_DataType_UINT8:
    // One byte each as raw data, else one int32_data entry each.
    if (hasRaw) {
      if (int64_t(raw.size()) != count)
        return sizeError(raw.size());
      for (char c : raw)
        h.ints.push_back(h.dataType == onnx::TensorProto_DataType_INT8
                             ? int64_t(int8_t(c))
                             : int64_t(uint8_t(c)));
    } else {
      h.ints.assign(t.int32_data().begin(), t.int32_data().end());
    }
    if (int64_t(h.ints.size()) != count)
      return sizeError(h.ints.size());
    return h;
  case onnx::TensorProto_DataType_INT32: {
    std::vector<int32_t> v;
    if (hasRaw) {
      if (int64_t(raw.size()) != count * 4)
        return sizeError(raw.size() / 4);
      decodeRaw(raw, count, v);
    } else {
      v.assign(t.int32_data().begin(), t.int32_data().end());
    }
    if (int64_t(v.size()) != count)
      return sizeError(v.size());
    h.ints.assign(v.begin(), v.end());
    return h;
  }
  default:
    // Kept without values: an error names it if a node needs them.
    return h;
  }
}

Value GraphImporter::scalar(float v) {
  auto type = f32Tensor({}, ctx);
  return arith::ConstantOp::create(b, nodeLoc, DenseElementsAttr::get(type, v));
}

Value GraphImporter::materialize(StringRef name, const HostTensor &t) {
  // At its first use, as a model written by hand has it (and the same
  // order of weights in the object).
  auto type = f32Tensor(t.dims, ctx);
  ElementsAttr value;
  if (t.numElements() >= kResourceElements) {
    // The resource's key must be unique in the module and printable.
    std::string key = "onnx_" + std::to_string(resourceCounter++) + "_";
    for (char c : name)
      key += llvm::isAlnum(c) ? c : '_';
    auto blob = HeapAsmResourceBlob::allocateAndCopyInferAlign(
        ArrayRef<float>(t.floats));
    value = DenseResourceElementsAttr::get(type, key, std::move(blob));
  } else {
    value = DenseElementsAttr::get(type, ArrayRef<float>(t.floats));
  }
  auto cst = arith::ConstantOp::create(
      b, NameLoc::get(StringAttr::get(ctx, name)), value);
  values[name] = cst;
  return cst;
}

FailureOr<Value> GraphImporter::valueOf(StringRef name) {
  auto it = values.find(name);
  if (it != values.end())
    return it->second;
  auto c = constants.find(name);
  if (c == constants.end())
    return error() << "input '" << name
                   << "' is neither a graph input, an initializer nor an "
                      "earlier node's output; the graph is not in "
                      "topological order or the tensor is missing";
  if (!c->second.isFloat() &&
      c->second.dataType != onnx::TensorProto_DataType_DOUBLE)
    return error() << "input '" << name << "' is a tensor of "
                   << typeName(c->second.dataType)
                   << "; mlpc computes in float32 only (cast the model's "
                      "data to float)";
  return materialize(name, c->second);
}

FailureOr<Value> GraphImporter::input(unsigned i) {
  if (!hasInput(i))
    return error() << "input #" << i << " is missing";
  return valueOf(node->input(i));
}

FailureOr<const HostTensor *> GraphImporter::constantInput(unsigned i,
                                                           StringRef what) {
  if (!hasInput(i))
    return error() << what << " (input #" << i << ") is missing";
  auto c = constants.find(node->input(i));
  if (c == constants.end())
    return error() << what << " ('" << node->input(i)
                   << "') is computed at run time; mlpc needs it as an "
                      "initializer or a Constant (fold the model's shape "
                      "computations first, e.g. with onnxsim)";
  return &c->second;
}

const onnx::AttributeProto *GraphImporter::attr(StringRef name) const {
  for (const auto &a : node->attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}
int64_t GraphImporter::intAttr(StringRef name, int64_t dflt) const {
  const auto *a = attr(name);
  return a ? a->i() : dflt;
}
float GraphImporter::floatAttr(StringRef name, float dflt) const {
  const auto *a = attr(name);
  return a ? a->f() : dflt;
}
std::string GraphImporter::stringAttr(StringRef name, StringRef dflt) const {
  const auto *a = attr(name);
  return a ? a->s() : dflt.str();
}
std::optional<SmallVector<int64_t>>
GraphImporter::intsAttr(StringRef name) const {
  const auto *a = attr(name);
  if (!a)
    return std::nullopt;
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

void GraphImporter::setOutput(unsigned i, Value v) {
  if (int(i) < node->output_size() && !node->output(i).empty())
    values[node->output(i)] = v;
}

void GraphImporter::setConstant(unsigned i, HostTensor t) {
  if (int(i) < node->output_size() && !node->output(i).empty())
    constants[node->output(i)] = std::move(t);
}

const HostTensor *GraphImporter::findConstant(unsigned i) const {
  if (!hasInput(i) || values.count(node->input(i)))
    return nullptr;
  auto c = constants.find(node->input(i));
  return c == constants.end() ? nullptr : &c->second;
}

Value GraphImporter::reshape(Value v, ArrayRef<int64_t> shape) {
  if (shapeOf(v) == shape)
    return v;
  return mlp::ReshapeOp::create(b, nodeLoc, f32Tensor(shape, ctx), v);
}

FailureOr<int64_t> GraphImporter::normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return error() << "axis " << axis << " is out of range for a tensor of "
                   << "rank " << rank;
  return axis < 0 ? axis + rank : axis;
}

FailureOr<Type> GraphImporter::boundaryType(const onnx::ValueInfoProto &info,
                                            StringRef what) {
  Location at = NameLoc::get(StringAttr::get(ctx, info.name()));
  if (!info.type().has_tensor_type())
    return emitError(at) << what << " '" << info.name()
                         << "' is not a tensor; mlpc takes and returns "
                            "float32 tensors";
  const auto &tt = info.type().tensor_type();
  if (tt.elem_type() != onnx::TensorProto_DataType_FLOAT)
    return emitError(at) << what << " '" << info.name() << "' is a tensor of "
                         << typeName(tt.elem_type())
                         << "; mlpc takes and returns float32 tensors only "
                            "(cast it in the model)";
  if (!tt.has_shape())
    return emitError(at) << what << " '" << info.name()
                         << "' has no shape; give it one (the leading "
                            "dimension may be symbolic, the batch)";
  SmallVector<int64_t> shape;
  for (auto [d, dim] : llvm::enumerate(tt.shape().dim())) {
    if (dim.has_dim_value() && dim.dim_value() == 0)
      return emitError(at) << what << " '" << info.name() << "': dimension "
                           << d
                           << " is 0; mlpc's entry points take and "
                              "return tensors with at least one element";
    if (dim.has_dim_value() && dim.dim_value() > 0) {
      shape.push_back(dim.dim_value());
      continue;
    }
    if (d != 0)
      return emitError(at) << what << " '" << info.name() << "': dimension "
                           << d << " is "
                           << (dim.has_dim_param() ? "'" + dim.dim_param() + "'"
                                                   : std::string("unknown"))
                           << "; only the leading (batch) dimension may be "
                              "symbolic, give the others fixed sizes";
    shape.push_back(ShapedType::kDynamic);
  }
  if (shape.empty())
    return emitError(at) << what << " '" << info.name()
                         << "' is a scalar; mlpc's entry points take "
                            "tensors of rank 1 or more (the leading "
                            "dimension is the batch)";
  return Type(f32Tensor(shape, ctx));
}

LogicalResult GraphImporter::importNode(const onnx::NodeProto &n,
                                        unsigned index) {
  node = &n;
  std::string label =
      n.name().empty()
          ? "#" + std::to_string(index) +
                (n.output_size() ? " -> '" + n.output(0) + "'" : "")
          : n.name();
  nodeLoc = NameLoc::get(StringAttr::get(ctx, label));
  if (!n.domain().empty() && n.domain() != "ai.onnx")
    return error() << "is in the domain '" << n.domain()
                   << "'; mlpc reads only the default ONNX domain";
  if (llvm::is_contained({"If", "Loop", "Scan", "SequenceMap"}, n.op_type()))
    return error() << "is control flow, which mlpc does not compile: a "
                      "model is a straight-line graph (export the branch "
                      "or loop body that inference takes)";
  auto it = translations().find(n.op_type());
  if (it == translations().end())
    return error() << "is not an op mlpc translates; it translates "
                   << llvm::join(supportedOnnxOps(), ", ");
  return it->second(*this);
}

LogicalResult GraphImporter::importGraph(const onnx::GraphProto &graph,
                                         ModuleOp module, StringRef name) {
  Location fileLoc = FileLineColLoc::get(ctx, path, 0, 0);
  for (const auto &init : graph.initializer()) {
    auto loc = NameLoc::get(StringAttr::get(ctx, init.name()), fileLoc);
    FailureOr<HostTensor> t = readTensor(init, loc);
    if (failed(t))
      return failure();
    constants[init.name()] = std::move(*t);
  }
  SmallVector<Type> argTypes, resultTypes;
  SmallVector<std::string> argNames;
  for (const auto &in : graph.input()) {
    // Old IR versions list the initializers among the inputs too.
    if (constants.count(in.name()))
      continue;
    FailureOr<Type> t = boundaryType(in, "input");
    if (failed(t))
      return failure();
    argTypes.push_back(*t);
    argNames.push_back(in.name());
  }
  for (const auto &out : graph.output()) {
    FailureOr<Type> t = boundaryType(out, "output");
    if (failed(t))
      return failure();
    resultTypes.push_back(*t);
  }
  if (resultTypes.empty())
    return emitError(fileLoc, "the graph has no outputs");
  b.setInsertionPointToEnd(module.getBody());
  auto func = func::FuncOp::create(b, fileLoc, name,
                                   b.getFunctionType(argTypes, resultTypes));
  entry = func.addEntryBlock();
  for (auto [arg, argName] : llvm::zip(entry->getArguments(), argNames))
    values[argName] = arg;
  b.setInsertionPointToEnd(entry);
  for (auto [i, n] : llvm::enumerate(graph.node()))
    if (failed(importNode(n, i)))
      return failure();
  node = nullptr;
  SmallVector<Value> results;
  for (auto [i, out] : llvm::enumerate(graph.output())) {
    nodeLoc = NameLoc::get(StringAttr::get(ctx, out.name()));
    FailureOr<Value> v = valueOf(out.name());
    if (failed(v))
      return failure();
    Type want = resultTypes[i];
    if (v->getType() != want) {
      // The declared shape may name the batch where the graph computes a
      // static size of 1 or the other way round; a reshape reconciles
      // equal element counts, the verifier catches the rest.
      auto have = cast<RankedTensorType>(v->getType());
      auto wantT = cast<RankedTensorType>(want);
      if (have.getNumElements() != wantT.getNumElements() &&
          have.hasStaticShape() == wantT.hasStaticShape())
        return emitError(nodeLoc)
               << "output '" << out.name() << "' is declared " << wantT
               << " but the graph computes " << have;
      *v = mlp::ReshapeOp::create(b, nodeLoc, want, *v);
    }
    results.push_back(*v);
  }
  func::ReturnOp::create(b, fileLoc, results);
  return success();
}

ArrayRef<StringRef> mlir::mlpc::supportedOnnxOps() {
  static SmallVector<StringRef> names = [] {
    SmallVector<StringRef> n;
    for (const auto &e : translations())
      n.push_back(e.getKey());
    llvm::sort(n);
    return n;
  }();
  return names;
}

std::string mlir::mlpc::entryNameFromPath(StringRef path) {
  std::string name;
  for (char c : llvm::sys::path::stem(path))
    name += llvm::isAlnum(c) ? c : '_';
  if (name.empty() || llvm::isDigit(name.front()))
    name = "m_" + name;
  return name;
}

OwningOpRef<ModuleOp> mlir::mlpc::importOnnx(MLIRContext *ctx,
                                             llvm::MemoryBufferRef bytes,
                                             StringRef path,
                                             StringRef entryName) {
  ctx->loadDialect<mlp::MlpDialect, func::FuncDialect, arith::ArithDialect>();
  Location fileLoc = FileLineColLoc::get(ctx, path, 0, 0);
  onnx::ModelProto model;
  StringRef data = bytes.getBuffer();
  if (data.size() > size_t(INT32_MAX) ||
      !model.ParseFromArray(data.data(), int(data.size())) ||
      !model.has_graph()) {
    emitError(fileLoc) << "is not an ONNX model (or it is truncated): "
                          "protobuf parsing failed"
                       << (data.size() > size_t(INT32_MAX)
                               ? "; models over 2 GiB must keep their "
                                 "weights in external data files"
                               : "");
    return nullptr;
  }
  int64_t opset = -1;
  for (const auto &imp : model.opset_import())
    if (imp.domain().empty() || imp.domain() == "ai.onnx")
      opset = imp.version();
  if (opset < kMinOnnxOpset || opset > kMaxOnnxOpset) {
    emitError(fileLoc) << "uses opset " << opset
                       << " of the default ONNX domain; mlpc reads opsets "
                       << kMinOnnxOpset << " to " << kMaxOnnxOpset
                       << " (convert it with onnx.version_converter)";
    return nullptr;
  }
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  GraphImporter importer(ctx, path, opset);
  if (failed(importer.importGraph(model.graph(), *module, entryName)))
    return nullptr;
  if (failed(verify(*module)))
    return nullptr;
  return module;
}
