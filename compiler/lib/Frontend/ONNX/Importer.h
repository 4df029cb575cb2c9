//===- Importer.h - the ONNX graph importer's state -------------*- C++ -*-===//
//
// Private to the ONNX frontend: Importer.cpp reads the model, its tensors
// and its graph; Ops.cpp translates each node type.
//
//===----------------------------------------------------------------------===//
#ifndef MLPC_FRONTEND_ONNX_IMPORTER_H
#define MLPC_FRONTEND_ONNX_IMPORTER_H

#include "mlp/MlpOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"

#include <onnx/onnx_pb.h>

#include <optional>
#include <vector>

namespace mlir::mlpc::onnx_import {

/// A tensor whose values are known at compile time (an initializer or a
/// Constant node's value), kept as read: floats for the model's data,
/// integers for shapes and axes.
struct HostTensor {
  int32_t dataType = 0; // onnx::TensorProto_DataType
  SmallVector<int64_t> dims;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  bool isFloat() const { return dataType == onnx::TensorProto_DataType_FLOAT; }
  int64_t numElements() const;
};

/// Translates one graph into the body of one func.func.
class GraphImporter {
public:
  GraphImporter(MLIRContext *ctx, StringRef path, int64_t opset)
      : ctx(ctx), b(ctx), path(path.str()), opset(opset) {}

  /// Reads the tensor (raw, typed or external data) into a HostTensor.
  FailureOr<HostTensor> readTensor(const onnx::TensorProto &t, Location loc);

  /// Builds the entry point `name` from `graph` in `module`.
  LogicalResult importGraph(const onnx::GraphProto &graph, ModuleOp module,
                            StringRef name);

  // What the node translations (Ops.cpp) use.
  const onnx::NodeProto *node = nullptr;
  Location loc() const { return nodeLoc; }
  InFlightDiagnostic error();
  /// Input `i` of the node as an f32 tensor value (weights become
  /// constants); fails with a diagnostic if it is missing or not float.
  FailureOr<Value> input(unsigned i);
  bool hasInput(unsigned i) const {
    return int(i) < node->input_size() && !node->input(i).empty();
  }
  /// Input `i`'s compile-time value, or a diagnostic naming `what`.
  FailureOr<const HostTensor *> constantInput(unsigned i, StringRef what);
  /// The node's attribute `name`, or null.
  const onnx::AttributeProto *attr(StringRef name) const;
  int64_t intAttr(StringRef name, int64_t dflt) const;
  float floatAttr(StringRef name, float dflt) const;
  std::string stringAttr(StringRef name, StringRef dflt) const;
  std::optional<SmallVector<int64_t>> intsAttr(StringRef name) const;
  /// Binds output `i` of the node to `v`.
  void setOutput(unsigned i, Value v);
  /// Binds output `i` of the node to a compile-time tensor.
  void setConstant(unsigned i, HostTensor t);
  /// Adds a compile-time tensor under `name`.
  void defineConstant(StringRef name, HostTensor t) {
    constants[name] = std::move(t);
  }
  /// Input `i`'s compile-time value, or null (no diagnostic).
  const HostTensor *findConstant(unsigned i) const;
  /// An f32 scalar constant (rank 0).
  Value scalar(float v);
  /// `v` reshaped to `shape` (nothing if it has it already).
  Value reshape(Value v, ArrayRef<int64_t> shape);
  /// `axis` of a rank-`rank` tensor in [0, rank), or a diagnostic.
  FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank);

  MLIRContext *ctx;
  OpBuilder b;
  std::string path;
  int64_t opset;

private:
  Location nodeLoc = UnknownLoc::get(ctx);
  Block *entry = nullptr;
  llvm::StringMap<Value> values;
  llvm::StringMap<HostTensor> constants;
  unsigned resourceCounter = 0;

  FailureOr<Value> valueOf(StringRef name);
  Value materialize(StringRef name, const HostTensor &t);
  LogicalResult importNode(const onnx::NodeProto &n, unsigned index);
  FailureOr<Type> boundaryType(const onnx::ValueInfoProto &info,
                               StringRef what);
};

/// Translates the current node of `g`; the table of translations.
using Translation = LogicalResult (*)(GraphImporter &g);
const llvm::StringMap<Translation> &translations();

/// The shape of a ranked tensor value.
inline ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}
inline RankedTensorType f32Tensor(ArrayRef<int64_t> shape, MLIRContext *ctx) {
  return RankedTensorType::get(shape, Float32Type::get(ctx));
}

} // namespace mlir::mlpc::onnx_import

#endif // MLPC_FRONTEND_ONNX_IMPORTER_H
