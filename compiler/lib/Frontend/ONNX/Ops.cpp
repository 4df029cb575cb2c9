//===- Ops.cpp - one translation per ONNX op type -------------------------===//
//
// Each translation reads the node's inputs and attributes with the
// semantics of the model's opset and emits the equivalent mlp ops; shapes
// are computed here, and the ops' verifiers check them again.
//
//===----------------------------------------------------------------------===//
#include "Importer.h"

#include <limits>

using namespace mlir;
using namespace mlir::mlpc::onnx_import;
namespace mlp = mlir::mlp;

namespace {

/// Unary ops without parameters.
template <typename OpT> LogicalResult unary(GraphImporter &g) {
  FailureOr<Value> x = g.input(0);
  if (failed(x))
    return failure();
  g.setOutput(0, OpT::create(g.b, g.loc(), x->getType(), *x));
  return success();
}

LogicalResult identity(GraphImporter &g) {
  FailureOr<Value> x = g.input(0);
  if (failed(x))
    return failure();
  g.setOutput(0, *x);
  return success();
}

LogicalResult dropout(GraphImporter &g) {
  if (g.node->output_size() > 1 && !g.node->output(1).empty())
    return g.error() << "its mask output is used; mlpc compiles inference, "
                        "where Dropout passes its input through";
  // Opset 12 on: training_mode is an input (a constant false, or absent).
  if (g.hasInput(2)) {
    FailureOr<const HostTensor *> mode = g.constantInput(2, "training_mode");
    if (failed(mode))
      return failure();
    if (llvm::any_of((*mode)->ints, [](int64_t v) { return v != 0; }))
      return g.error() << "is in training mode; mlpc compiles inference";
  }
  return identity(g);
}

LogicalResult cast(GraphImporter &g) {
  int64_t to = g.intAttr("to", 0);
  if (to != onnx::TensorProto_DataType_FLOAT)
    return g.error() << "casts to "
                     << onnx::TensorProto_DataType_Name(
                            onnx::TensorProto_DataType(to))
                     << "; mlpc computes in float32 only";
  if (const HostTensor *c = g.findConstant(0); c && !c->isFloat()) {
    // Integer constants (weights stored as int) become float ones here.
    HostTensor t = *c;
    t.dataType = onnx::TensorProto_DataType_FLOAT;
    t.floats.assign(c->ints.begin(), c->ints.end());
    if (int64_t(t.floats.size()) != t.numElements())
      return g.error() << "casts a tensor of an unsupported type";
    t.ints.clear();
    g.setConstant(0, std::move(t));
    return success();
  }
  return identity(g);
}

/// numpy broadcasting of two shapes (the op's verifier reports a mismatch).
SmallVector<int64_t> broadcast(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    out[i] = da == 1 ? db : da;
  }
  return out;
}

/// Before opset 7, binary ops and Gemm broadcast only with the attribute
/// `broadcast`, and an `axis` aligned the second operand elsewhere than at
/// the end; numpy's rule covers the first case but not the second.
LogicalResult checkLegacyBroadcast(GraphImporter &g) {
  if (g.opset < 7 && g.attr("axis") && g.intAttr("broadcast", 0))
    return g.error() << "broadcasts along axis " << g.intAttr("axis", 0)
                     << " (the legacy broadcasting of opsets before 7); "
                        "convert the model to opset 7 or later with "
                        "onnx.version_converter";
  return success();
}

template <typename OpT> LogicalResult binary(GraphImporter &g) {
  if (failed(checkLegacyBroadcast(g)))
    return failure();
  FailureOr<Value> a = g.input(0), b = g.input(1);
  if (failed(a) || failed(b))
    return failure();
  auto type = f32Tensor(broadcast(shapeOf(*a), shapeOf(*b)), g.ctx);
  g.setOutput(0, OpT::create(g.b, g.loc(), type, *a, *b));
  return success();
}

/// Pow's exponent may be an integer tensor (opset 12 on): a constant one
/// becomes float.
LogicalResult pow(GraphImporter &g) {
  if (const HostTensor *e = g.findConstant(1);
      e && !e->isFloat() && !e->ints.empty()) {
    HostTensor t = *e;
    t.dataType = onnx::TensorProto_DataType_FLOAT;
    t.floats.assign(e->ints.begin(), e->ints.end());
    t.ints.clear();
    std::string name = g.node->input(1) + "_as_float";
    g.defineConstant(name, std::move(t));
    onnx::NodeProto copy = *g.node;
    copy.set_input(1, name);
    const onnx::NodeProto *saved = g.node;
    g.node = &copy;
    LogicalResult r = binary<mlp::PowOp>(g);
    g.node = saved;
    return r;
  }
  return binary<mlp::PowOp>(g);
}

LogicalResult leakyRelu(GraphImporter &g) {
  FailureOr<Value> x = g.input(0);
  if (failed(x))
    return failure();
  g.setOutput(0, mlp::LeakyReluOp::create(
                     g.b, g.loc(), x->getType(), *x,
                     g.b.getF32FloatAttr(g.floatAttr("alpha", 0.01f))));
  return success();
}

LogicalResult elu(GraphImporter &g) {
  FailureOr<Value> x = g.input(0);
  if (failed(x))
    return failure();
  g.setOutput(
      0, mlp::EluOp::create(g.b, g.loc(), x->getType(), *x,
                            g.b.getF32FloatAttr(g.floatAttr("alpha", 1.0f))));
  return success();
}

LogicalResult selu(GraphImporter &g) {
  FailureOr<Value> x = g.input(0);
  if (failed(x))
    return failure();
  g.setOutput(0, mlp::SeluOp::create(
                     g.b, g.loc(), x->getType(), *x,
                     g.b.getF32FloatAttr(
                         g.floatAttr("alpha", 1.67326319217681884765625f)),
                     g.b.getF32FloatAttr(
                         g.floatAttr("gamma", 1.05070102214813232421875f))));
  return success();
}

LogicalResult hardSigmoid(GraphImporter &g) {
  FailureOr<Value> x = g.input(0);
  if (failed(x))
    return failure();
  g.setOutput(0, mlp::HardSigmoidOp::create(
                     g.b, g.loc(), x->getType(), *x,
                     g.b.getF32FloatAttr(g.floatAttr("alpha", 0.2f)),
                     g.b.getF32FloatAttr(g.floatAttr("beta", 0.5f))));
  return success();
}

LogicalResult gelu(GraphImporter &g) {
  FailureOr<Value> x = g.input(0);
  if (failed(x))
    return failure();
  std::string approx = g.stringAttr("approximate", "none");
  if (approx != "none" && approx != "tanh")
    return g.error() << "approximate = '" << approx
                     << "' is not one of 'none' and 'tanh'";
  g.setOutput(0, mlp::GeluOp::create(g.b, g.loc(), x->getType(), *x,
                                     g.b.getStringAttr(approx)));
  return success();
}

/// A scalar bound of Clip (opset 11 on: an optional input).
FailureOr<float> clipBound(GraphImporter &g, unsigned i, float dflt,
                           StringRef what) {
  if (!g.hasInput(i))
    return dflt;
  FailureOr<const HostTensor *> t = g.constantInput(i, what);
  if (failed(t))
    return failure();
  if ((*t)->floats.size() != 1)
    return g.error() << what << " must be one float value";
  return (*t)->floats[0];
}

LogicalResult clip(GraphImporter &g) {
  FailureOr<Value> x = g.input(0);
  if (failed(x))
    return failure();
  float lo = -std::numeric_limits<float>::max();
  float hi = std::numeric_limits<float>::max();
  if (g.opset < 11) {
    lo = g.floatAttr("min", lo);
    hi = g.floatAttr("max", hi);
  } else {
    FailureOr<float> l = clipBound(g, 1, lo, "min"),
                     h = clipBound(g, 2, hi, "max");
    if (failed(l) || failed(h))
      return failure();
    lo = *l;
    hi = *h;
  }
  if (lo > hi) {
    // ONNX defines min > max as every element becoming max.
    g.setOutput(0, mlp::ClipOp::create(g.b, g.loc(), x->getType(), *x,
                                       g.b.getF32FloatAttr(hi),
                                       g.b.getF32FloatAttr(hi)));
    return success();
  }
  g.setOutput(0, mlp::ClipOp::create(g.b, g.loc(), x->getType(), *x,
                                     g.b.getF32FloatAttr(lo),
                                     g.b.getF32FloatAttr(hi)));
  return success();
}

/// Softmax and LogSoftmax: before opset 13 over the input coerced to 2-D
/// at `axis` (default 1), from 13 on along `axis` (default -1).
template <typename OpT> LogicalResult softmax(GraphImporter &g) {
  FailureOr<Value> x = g.input(0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> shape = shapeOf(*x);
  int64_t rank = shape.size();
  FailureOr<int64_t> axis =
      g.normalizeAxis(g.intAttr("axis", g.opset < 13 ? 1 : -1), rank);
  if (failed(axis))
    return failure();
  if (g.opset >= 13 || *axis == rank - 1) {
    g.setOutput(0, OpT::create(g.b, g.loc(), x->getType(), *x,
                               g.b.getI64IntegerAttr(*axis)));
    return success();
  }
  auto product = [&](ArrayRef<int64_t> dims) {
    int64_t n = 1;
    for (int64_t d : dims) {
      if (ShapedType::isDynamic(d))
        return ShapedType::kDynamic;
      n *= d;
    }
    return n;
  };
  int64_t rows = product(shape.take_front(*axis));
  int64_t cols = product(shape.drop_front(*axis));
  if (ShapedType::isDynamic(cols))
    return g.error() << "normalizes over the batch dimension (axis " << *axis
                     << " of a tensor whose leading dimension is dynamic); "
                        "mlpc computes each batch row on its own";
  Value flat = g.reshape(*x, {rows, cols});
  Value y =
      OpT::create(g.b, g.loc(), flat.getType(), flat, g.b.getI64IntegerAttr(1));
  g.setOutput(0, g.reshape(y, shape));
  return success();
}

LogicalResult gemm(GraphImporter &g) {
  FailureOr<Value> a = g.input(0), w = g.input(1);
  if (failed(a) || failed(w))
    return failure();
  if (shapeOf(*a).size() != 2 || shapeOf(*w).size() != 2)
    return g.error() << "A and B must be matrices";
  Value x = *a;
  if (g.intAttr("transA", 0)) {
    ArrayRef<int64_t> s = shapeOf(x);
    x = mlp::TransposeOp::create(g.b, g.loc(), f32Tensor({s[1], s[0]}, g.ctx),
                                 x, g.b.getDenseI64ArrayAttr({1, 0}));
  }
  bool transB = g.intAttr("transB", 0);
  int64_t n = shapeOf(*w)[transB ? 0 : 1];
  auto type = f32Tensor({shapeOf(x)[0], n}, g.ctx);
  Value y =
      mlp::MatmulOp::create(g.b, g.loc(), type, x, *w, g.b.getBoolAttr(transB));
  float alpha = g.floatAttr("alpha", 1.0f), beta = g.floatAttr("beta", 1.0f);
  if (alpha != 1.0f)
    y = mlp::MulOp::create(g.b, g.loc(), type, y, g.scalar(alpha));
  if (g.hasInput(2) && beta != 0.0f) {
    FailureOr<Value> c = g.input(2);
    if (failed(c))
      return failure();
    Value bias = *c;
    if (beta != 1.0f)
      bias = mlp::MulOp::create(g.b, g.loc(), bias.getType(), bias,
                                g.scalar(beta));
    y = mlp::AddOp::create(
        g.b, g.loc(), f32Tensor(broadcast(shapeOf(y), shapeOf(bias)), g.ctx), y,
        bias);
  }
  g.setOutput(0, y);
  return success();
}

LogicalResult matmul(GraphImporter &g) {
  FailureOr<Value> a = g.input(0), b = g.input(1);
  if (failed(a) || failed(b))
    return failure();
  if (shapeOf(*a).size() != 2 || shapeOf(*b).size() != 2)
    return g.error() << "multiplies tensors of rank " << shapeOf(*a).size()
                     << " and " << shapeOf(*b).size()
                     << "; mlpc supports MatMul of two matrices (reshape "
                        "batched operands to 2-D)";
  auto type = f32Tensor({shapeOf(*a)[0], shapeOf(*b)[1]}, g.ctx);
  g.setOutput(0, mlp::MatmulOp::create(g.b, g.loc(), type, *a, *b,
                                       g.b.getBoolAttr(false)));
  return success();
}

/// The product of `shape`'s sizes (dynamic if one is).
int64_t product(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (ShapedType::isDynamic(d))
      return ShapedType::kDynamic;
    n *= d;
  }
  return n;
}

LogicalResult flatten(GraphImporter &g) {
  FailureOr<Value> x = g.input(0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> shape = shapeOf(*x);
  int64_t rank = shape.size();
  int64_t axis = g.intAttr("axis", 1);
  if (axis < -rank || axis > rank)
    return g.error() << "axis " << axis << " is out of range for rank " << rank;
  if (axis < 0)
    axis += rank;
  g.setOutput(0, g.reshape(*x, {product(shape.take_front(axis)),
                                product(shape.drop_front(axis))}));
  return success();
}

/// Reshape's target from its constant shape input: 0 copies the input's
/// size (unless allowzero), -1 takes what is left.
LogicalResult reshape(GraphImporter &g) {
  FailureOr<Value> x = g.input(0);
  if (failed(x))
    return failure();
  SmallVector<int64_t> target;
  if (g.opset < 5) {
    target = g.intsAttr("shape").value_or(SmallVector<int64_t>{});
  } else {
    FailureOr<const HostTensor *> t = g.constantInput(1, "the shape");
    if (failed(t))
      return failure();
    target.assign((*t)->ints.begin(), (*t)->ints.end());
  }
  ArrayRef<int64_t> in = shapeOf(*x);
  bool allowZero = g.intAttr("allowzero", 0);
  int inferred = -1;
  for (auto [i, d] : llvm::enumerate(target)) {
    if (d == 0 && !allowZero) {
      if (i >= in.size())
        return g.error() << "shape entry " << i
                         << " is 0 (copy the input's size) but the input "
                            "has rank "
                         << in.size();
      d = in[i];
    } else if (d == -1) {
      if (inferred >= 0)
        return g.error() << "the shape has more than one -1";
      inferred = i;
    } else if (d < 0) {
      return g.error() << "shape entry " << i << " is " << d;
    }
  }
  if (inferred >= 0) {
    int64_t known = 1;
    bool dynKnown = false;
    for (auto [i, d] : llvm::enumerate(target))
      if (int(i) != inferred) {
        if (ShapedType::isDynamic(d))
          dynKnown = true;
        else
          known *= d;
      }
    int64_t total = product(in);
    if (ShapedType::isDynamic(total)) {
      if (dynKnown) {
        // The batch is kept where a 0 copied it; -1 is then static.
        int64_t inStatic = 1;
        for (int64_t d : in)
          if (!ShapedType::isDynamic(d))
            inStatic *= d;
        if (known == 0 || inStatic % known != 0)
          return g.error() << "cannot infer the -1 of the shape";
        target[inferred] = inStatic / known;
      } else {
        target[inferred] = ShapedType::kDynamic;
      }
    } else {
      if (known == 0 || total % known != 0)
        return g.error() << "cannot reshape " << total << " elements with "
                         << "the -1 of the shape";
      target[inferred] = total / known;
    }
  }
  g.setOutput(0, g.reshape(*x, target));
  return success();
}

/// Squeeze and Unsqueeze's axes: an attribute before opset 13, then an
/// optional constant input.
FailureOr<std::optional<SmallVector<int64_t>>> axesOf(GraphImporter &g,
                                                      int64_t inputOpset) {
  if (g.opset < inputOpset)
    return g.intsAttr("axes");
  if (!g.hasInput(1))
    return std::optional<SmallVector<int64_t>>();
  FailureOr<const HostTensor *> t = g.constantInput(1, "axes");
  if (failed(t))
    return failure();
  return std::optional<SmallVector<int64_t>>(
      SmallVector<int64_t>((*t)->ints.begin(), (*t)->ints.end()));
}

LogicalResult squeeze(GraphImporter &g) {
  FailureOr<Value> x = g.input(0);
  auto axes = axesOf(g, 13);
  if (failed(x) || failed(axes))
    return failure();
  ArrayRef<int64_t> in = shapeOf(*x);
  SmallVector<bool> drop(in.size(), false);
  if (!*axes) {
    for (auto [i, d] : llvm::enumerate(in))
      drop[i] = d == 1;
  } else {
    for (int64_t a : **axes) {
      FailureOr<int64_t> axis = g.normalizeAxis(a, in.size());
      if (failed(axis))
        return failure();
      if (in[*axis] != 1)
        return g.error() << "squeezes dimension " << *axis << " of size "
                         << (ShapedType::isDynamic(in[*axis])
                                 ? std::string("? (the batch)")
                                 : std::to_string(in[*axis]))
                         << "; only dimensions of size 1 can be removed";
      drop[*axis] = true;
    }
  }
  SmallVector<int64_t> out;
  for (auto [i, d] : llvm::enumerate(in))
    if (!drop[i])
      out.push_back(d);
  g.setOutput(0, g.reshape(*x, out));
  return success();
}

LogicalResult unsqueeze(GraphImporter &g) {
  FailureOr<Value> x = g.input(0);
  auto axes = axesOf(g, 13);
  if (failed(x) || failed(axes))
    return failure();
  if (!*axes)
    return g.error() << "has no axes";
  ArrayRef<int64_t> in = shapeOf(*x);
  int64_t rank = in.size() + (*axes)->size();
  SmallVector<bool> added(rank, false);
  for (int64_t a : **axes) {
    FailureOr<int64_t> axis = g.normalizeAxis(a, rank);
    if (failed(axis))
      return failure();
    added[*axis] = true;
  }
  SmallVector<int64_t> out;
  auto next = in.begin();
  for (int64_t i = 0; i < rank; ++i)
    out.push_back(added[i] ? 1 : *next++);
  g.setOutput(0, g.reshape(*x, out));
  return success();
}

LogicalResult concat(GraphImporter &g) {
  SmallVector<Value> inputs;
  for (int i = 0; i < g.node->input_size(); ++i) {
    FailureOr<Value> v = g.input(i);
    if (failed(v))
      return failure();
    inputs.push_back(*v);
  }
  if (inputs.empty())
    return g.error() << "has no inputs";
  SmallVector<int64_t> shape(shapeOf(inputs[0]));
  // Concat-1's axis was optional, defaulting to 1.
  FailureOr<int64_t> axis =
      g.normalizeAxis(g.intAttr("axis", g.opset < 4 ? 1 : 0), shape.size());
  if (failed(axis))
    return failure();
  for (Value v : ArrayRef<Value>(inputs).drop_front())
    if (shapeOf(v).size() == shape.size())
      shape[*axis] = ShapedType::isDynamic(shape[*axis]) ||
                             ShapedType::isDynamic(shapeOf(v)[*axis])
                         ? ShapedType::kDynamic
                         : shape[*axis] + shapeOf(v)[*axis];
  if (inputs.size() == 1) {
    g.setOutput(0, inputs[0]);
    return success();
  }
  g.setOutput(0, mlp::ConcatOp::create(g.b, g.loc(), f32Tensor(shape, g.ctx),
                                       inputs, g.b.getI64IntegerAttr(*axis)));
  return success();
}

LogicalResult batchNorm(GraphImporter &g) {
  if (g.intAttr("training_mode", 0))
    return g.error() << "is in training mode; mlpc compiles inference";
  for (int i = 1; i < g.node->output_size(); ++i)
    if (!g.node->output(i).empty())
      return g.error() << "its running statistics output '" << g.node->output(i)
                       << "' is used; mlpc compiles inference";
  SmallVector<Value> in;
  for (unsigned i = 0; i < 5; ++i) {
    FailureOr<Value> v = g.input(i);
    if (failed(v))
      return failure();
    in.push_back(*v);
  }
  g.setOutput(0,
              mlp::BatchNormOp::create(
                  g.b, g.loc(), in[0].getType(), in[0], in[1], in[2], in[3],
                  in[4], g.b.getF32FloatAttr(g.floatAttr("epsilon", 1e-5f))));
  return success();
}

/// LayerNormalization's optional outputs Mean and InvStdDev, from their
/// definition: separate ops, since they are rarely asked for.
void layerNormStatistics(GraphImporter &g, Value x, int64_t axis, float eps) {
  ArrayRef<int64_t> shape = shapeOf(x);
  SmallVector<int64_t> axes, statShape(shape);
  for (int64_t d = axis; d < int64_t(shape.size()); ++d) {
    axes.push_back(d);
    statShape[d] = 1;
  }
  auto statType = f32Tensor(statShape, g.ctx);
  auto mean = [&](Value v) -> Value {
    return mlp::ReduceMeanOp::create(g.b, g.loc(), statType, v,
                                     g.b.getDenseI64ArrayAttr(axes),
                                     g.b.getBoolAttr(true));
  };
  Value m = mean(x);
  Value d = mlp::SubOp::create(g.b, g.loc(), x.getType(), x, m);
  Value var = mean(mlp::MulOp::create(g.b, g.loc(), x.getType(), d, d));
  Value sd = mlp::SqrtOp::create(
      g.b, g.loc(), statType,
      mlp::AddOp::create(g.b, g.loc(), statType, var, g.scalar(eps)));
  g.setOutput(1, m);
  g.setOutput(2,
              mlp::DivOp::create(g.b, g.loc(), statType, g.scalar(1.0f), sd));
}

LogicalResult layerNorm(GraphImporter &g) {
  FailureOr<Value> x = g.input(0), scale = g.input(1);
  if (failed(x) || failed(scale))
    return failure();
  Value bias;
  if (g.hasInput(2)) {
    FailureOr<Value> bv = g.input(2);
    if (failed(bv))
      return failure();
    bias = *bv;
  } else {
    bias = g.scalar(0.0f);
  }
  FailureOr<int64_t> axis =
      g.normalizeAxis(g.intAttr("axis", -1), shapeOf(*x).size());
  if (failed(axis))
    return failure();
  float eps = g.floatAttr("epsilon", 1e-5f);
  g.setOutput(0, mlp::LayerNormOp::create(
                     g.b, g.loc(), x->getType(), *x, *scale, bias,
                     g.b.getI64IntegerAttr(*axis), g.b.getF32FloatAttr(eps)));
  if (g.node->output_size() > 1)
    layerNormStatistics(g, *x, *axis, eps);
  return success();
}

LogicalResult reduceMean(GraphImporter &g) {
  FailureOr<Value> x = g.input(0);
  auto axes = axesOf(g, 18);
  if (failed(x) || failed(axes))
    return failure();
  SmallVector<int64_t> list = axes->value_or(SmallVector<int64_t>{});
  if (list.empty() && g.opset >= 18 && g.intAttr("noop_with_empty_axes", 0))
    return identity(g);
  ArrayRef<int64_t> in = shapeOf(*x);
  bool keep = g.intAttr("keepdims", 1);
  SmallVector<bool> reduced(in.size(), list.empty());
  for (int64_t &a : list) {
    FailureOr<int64_t> axis = g.normalizeAxis(a, in.size());
    if (failed(axis))
      return failure();
    a = *axis;
    reduced[a] = true;
  }
  SmallVector<int64_t> out;
  for (auto [i, d] : llvm::enumerate(in))
    if (!reduced[i])
      out.push_back(d);
    else if (keep)
      out.push_back(1);
  g.setOutput(0, mlp::ReduceMeanOp::create(g.b, g.loc(), f32Tensor(out, g.ctx),
                                           *x, g.b.getDenseI64ArrayAttr(list),
                                           g.b.getBoolAttr(keep)));
  return success();
}

/// Shape gives a compile-time tensor when the input's shape is static; the
/// batch's size is known only at run time.
LogicalResult shape(GraphImporter &g) {
  FailureOr<Value> x = g.input(0);
  if (failed(x))
    return failure();
  ArrayRef<int64_t> dims = shapeOf(*x);
  int64_t rank = dims.size();
  int64_t start = g.intAttr("start", 0), end = g.intAttr("end", rank);
  start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
  end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
  HostTensor t;
  t.dataType = onnx::TensorProto_DataType_INT64;
  for (int64_t d = start; d < end; ++d) {
    if (ShapedType::isDynamic(dims[d]))
      return g.error() << "takes the shape of '" << g.node->input(0)
                       << "', whose dimension " << d
                       << " is the batch, known only at run time; mlpc "
                          "needs shapes at compile time (use 0 or -1 in "
                          "Reshape's constant shape for the batch)";
    t.ints.push_back(dims[d]);
  }
  t.dims = {int64_t(t.ints.size())};
  g.setConstant(0, std::move(t));
  return success();
}

LogicalResult constant(GraphImporter &g) {
  // value_float(s) and value_int(s): a scalar or a list.
  auto set = [&](int32_t type, std::vector<float> floats,
                 std::vector<int64_t> ints, bool list) {
    HostTensor t;
    t.dataType = type;
    if (list)
      t.dims = {int64_t(floats.size() + ints.size())};
    t.floats = std::move(floats);
    t.ints = std::move(ints);
    g.setConstant(0, std::move(t));
    return success();
  };
  constexpr int32_t kFloat = onnx::TensorProto_DataType_FLOAT;
  constexpr int32_t kInt = onnx::TensorProto_DataType_INT64;
  if (const auto *a = g.attr("value_float"))
    return set(kFloat, {a->f()}, {}, false);
  if (const auto *a = g.attr("value_floats"))
    return set(kFloat, {a->floats().begin(), a->floats().end()}, {}, true);
  if (const auto *a = g.attr("value_int"))
    return set(kInt, {}, {a->i()}, false);
  if (const auto *a = g.attr("value_ints"))
    return set(kInt, {}, {a->ints().begin(), a->ints().end()}, true);
  const onnx::AttributeProto *value = g.attr("value");
  if (!value || !value->has_t())
    return g.error() << "has no tensor, float or int value (sparse and "
                        "string constants are not supported)";
  FailureOr<HostTensor> t = g.readTensor(value->t(), g.loc());
  if (failed(t))
    return failure();
  g.setConstant(0, std::move(*t));
  return success();
}

llvm::StringMap<Translation> buildTable() {
  llvm::StringMap<Translation> t;
  t["Relu"] = unary<mlp::ReluOp>;
  t["Sigmoid"] = unary<mlp::SigmoidOp>;
  t["Tanh"] = unary<mlp::TanhOp>;
  t["Erf"] = unary<mlp::ErfOp>;
  t["Exp"] = unary<mlp::ExpOp>;
  t["Log"] = unary<mlp::LogOp>;
  t["Neg"] = unary<mlp::NegOp>;
  t["Sqrt"] = unary<mlp::SqrtOp>;
  t["Softplus"] = unary<mlp::SoftplusOp>;
  t["HardSwish"] = unary<mlp::HardSwishOp>;
  t["LeakyRelu"] = leakyRelu;
  t["Elu"] = elu;
  t["Selu"] = selu;
  t["HardSigmoid"] = hardSigmoid;
  t["Gelu"] = gelu;
  t["Clip"] = clip;
  t["PRelu"] = binary<mlp::PReluOp>;
  t["Add"] = binary<mlp::AddOp>;
  t["Sub"] = binary<mlp::SubOp>;
  t["Mul"] = binary<mlp::MulOp>;
  t["Div"] = binary<mlp::DivOp>;
  t["Pow"] = pow;
  t["Softmax"] = softmax<mlp::SoftmaxOp>;
  t["LogSoftmax"] = softmax<mlp::LogSoftmaxOp>;
  t["Gemm"] = gemm;
  t["MatMul"] = matmul;
  t["Flatten"] = flatten;
  t["Reshape"] = reshape;
  t["Squeeze"] = squeeze;
  t["Unsqueeze"] = unsqueeze;
  t["Concat"] = concat;
  t["Identity"] = identity;
  t["Dropout"] = dropout;
  t["Cast"] = cast;
  t["BatchNormalization"] = batchNorm;
  t["LayerNormalization"] = layerNorm;
  t["ReduceMean"] = reduceMean;
  t["Constant"] = constant;
  t["Shape"] = shape;
  return t;
}
} // namespace

const llvm::StringMap<Translation> &mlir::mlpc::onnx_import::translations() {
  static const llvm::StringMap<Translation> table = buildTable();
  return table;
}
