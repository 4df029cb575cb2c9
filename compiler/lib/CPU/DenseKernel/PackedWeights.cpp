//===- PackedWeights.cpp - a dense layer's weights in panel order ---------===//
//
// Packing at compile time, and the vector reads a register tile makes of
// the packed panels, the leftover columns, or unpacked weights.
//
//===----------------------------------------------------------------------===//
#include "PackedWeights.h"
#include "mlpc/Utils/Constants.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;
using namespace mlir::mlpc;

namespace {

/// A constant of `shape` holding `data`, as a resource blob named `name`.
Value resourceConstant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                       ArrayRef<float> data, StringRef name) {
  auto type = RankedTensorType::get(shape, b.getF32Type());
  auto blob = HeapAsmResourceBlob::allocateAndCopyInferAlign(data);
  auto attr = DenseF32ResourceElementsAttr::get(type, name, std::move(blob));
  return arith::ConstantOp::create(b, loc, type, cast<TypedAttr>(attr));
}

} // namespace

std::function<Value(OpBuilder &, Location, Value)>
PackedWeights::reader(OpBuilder &b, Location loc, Value j, int64_t off,
                      int64_t width, Value pad) const {
  auto cst = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  Type elem = elementType ? elementType : b.getF32Type();
  if (!pad)
    pad = elem.isInteger()
              ? arith::ConstantIntOp::create(b, loc, elem, 0).getResult()
              : arith::ConstantOp::create(b, loc, b.getFloatAttr(elem, 0.0))
                    .getResult();
  auto vt = VectorType::get({width * group}, elem);
  if (kn) {
    Value col =
        off ? arith::AddIOp::create(b, loc, j, cst(off)).getResult() : j;
    return [=, src = kn](OpBuilder &rb, Location l, Value k) -> Value {
      return vector::TransferReadOp::create(rb, l, vt, src, ValueRange{k, col},
                                            pad, ArrayRef<bool>{true});
    };
  }
  std::optional<int64_t> js = getConstantIntValue(j);
  if (js && *js + off >= packedCols) {
    Value col = cst((*js + off - packedCols) * group);
    return [=, src = rest](OpBuilder &rb, Location l, Value k) -> Value {
      return vector::TransferReadOp::create(rb, l, vt, src, ValueRange{k, col},
                                            pad, ArrayRef<bool>{true});
    };
  }
  Value panel = js ? cst((*js + off) / panelWidth)
                   : arith::DivUIOp::create(
                         b, loc, arith::AddIOp::create(b, loc, j, cst(off)),
                         cst(panelWidth))
                         .getResult();
  Value lane = cst(((js ? *js : 0) + off) % panelWidth * group);
  return [=, src = panels](OpBuilder &rb, Location l, Value k) -> Value {
    return vector::TransferReadOp::create(
        rb, l, vt, src, ValueRange{panel, k, lane}, pad, ArrayRef<bool>{true});
  };
}

PackedWeights mlpc::packNarrowWeights(OpBuilder &b, Location loc, Value w,
                                      bool transposed, int64_t panelWidth,
                                      int64_t vectorWidth, int64_t group,
                                      bool correction) {
  auto type = cast<RankedTensorType>(w.getType());
  int64_t n = type.getDimSize(transposed ? 0 : 1);
  int64_t k = type.getDimSize(transposed ? 1 : 0);
  Type elem = type.getElementType();
  size_t bytes = elem.getIntOrFloatBitWidth() / 8;
  std::vector<char> raw = *constantBytes(w);
  auto at = [&](int64_t kk, int64_t col) -> const char * {
    int64_t i = transposed ? col * k + kk : kk * n + col;
    return raw.data() + i * bytes;
  };
  PackedWeights wts;
  wts.elementType = elem;
  wts.group = group;
  wts.panelWidth = panelWidth;
  int64_t kg = (k + group - 1) / group;
  int64_t numPanels = n / panelWidth, restCols = n % panelWidth;
  wts.packedCols = numPanels * panelWidth;
  // Columns [c0, c0 + cols) as [kg][cols * group], zero past K.
  auto pack = [&](int64_t c0, int64_t cols, std::vector<char> &data) {
    for (int64_t g = 0; g < kg; ++g)
      for (int64_t c = 0; c < cols; ++c)
        for (int64_t t = 0; t < group; ++t) {
          int64_t kk = g * group + t;
          if (kk < k)
            data.insert(data.end(), at(kk, c0 + c), at(kk, c0 + c) + bytes);
          else
            data.insert(data.end(), bytes, 0);
        }
  };
  if (numPanels) {
    std::vector<char> data;
    for (int64_t p = 0; p < numPanels; ++p)
      pack(p * panelWidth, panelWidth, data);
    wts.panels = rawConstant(
        b, loc,
        RankedTensorType::get({numPanels, kg, panelWidth * group}, elem), data,
        "mlpc_weight_panels");
  }
  if (restCols) {
    // Zero columns up to whole vectors, which the tiles read.
    int64_t padded = (restCols + vectorWidth - 1) / vectorWidth * vectorWidth;
    std::vector<char> data, row;
    pack(wts.packedCols, restCols, row);
    int64_t rowBytes = restCols * group * bytes;
    for (int64_t g = 0; g < kg; ++g) {
      data.insert(data.end(), row.begin() + g * rowBytes,
                  row.begin() + (g + 1) * rowBytes);
      data.insert(data.end(), (padded - restCols) * group * bytes, 0);
    }
    wts.rest =
        rawConstant(b, loc, RankedTensorType::get({kg, padded * group}, elem),
                    data, "mlpc_weight_rest");
  }
  if (correction) {
    // Padded like the scales (see LayerEmitter).
    std::vector<int32_t> sums((n + panelWidth - 1) / panelWidth * panelWidth,
                              0);
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t c = 0; c < n; ++c)
        sums[c] += 128 * static_cast<int32_t>(
                             *reinterpret_cast<const int8_t *>(at(kk, c)));
    wts.correction =
        rawConstant(b, loc, RankedTensorType::get({n}, b.getI32Type()),
                    ArrayRef<char>(reinterpret_cast<const char *>(sums.data()),
                                   sums.size() * sizeof(int32_t)),
                    "mlpc_weight_correction");
  }
  return wts;
}

PackedWeights mlpc::packWeights(OpBuilder &b, Location loc, Value w,
                                bool transposed, int64_t panelWidth) {
  auto type = cast<RankedTensorType>(w.getType());
  int64_t n = type.getDimSize(transposed ? 0 : 1);
  int64_t k = type.getDimSize(transposed ? 1 : 0);
  PackedWeights wts;
  std::optional<SmallVector<float>> values = constantValues(w);
  if (!values) {
    wts.kn = w;
    if (transposed) {
      Value init = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{k, n},
                                           type.getElementType());
      wts.kn =
          linalg::TransposeOp::create(b, loc, w, init, ArrayRef<int64_t>{1, 0})
              .getResult()[0];
    }
    return wts;
  }
  auto at = [&](int64_t kk, int64_t col) {
    return transposed ? (*values)[col * k + kk] : (*values)[kk * n + col];
  };
  int64_t numPanels = n / panelWidth, restCols = n % panelWidth;
  wts.panelWidth = panelWidth;
  wts.packedCols = numPanels * panelWidth;
  if (numPanels) {
    SmallVector<float> data;
    data.reserve(numPanels * k * panelWidth);
    for (int64_t p = 0; p < numPanels; ++p)
      for (int64_t kk = 0; kk < k; ++kk)
        for (int64_t l = 0; l < panelWidth; ++l)
          data.push_back(at(kk, p * panelWidth + l));
    wts.panels = resourceConstant(b, loc, {numPanels, k, panelWidth}, data,
                                  "mlpc_weight_panels");
  }
  if (restCols) {
    SmallVector<float> data;
    data.reserve(k * restCols);
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t c = 0; c < restCols; ++c)
        data.push_back(at(kk, wts.packedCols + c));
    wts.rest =
        resourceConstant(b, loc, {k, restCols}, data, "mlpc_weight_rest");
  }
  return wts;
}

int64_t mlpc::packedBytes(int64_t k, int64_t n, int64_t elementBytes,
                          int64_t panelWidth, int64_t vectorWidth,
                          int64_t group, bool correction) {
  if (elementBytes == 4 && group == 1 && !correction)
    return k * n * 4; // packWeights: a permutation, no padding
  int64_t kg = (k + group - 1) / group;
  int64_t panels = n / panelWidth, rest = n % panelWidth;
  int64_t padded = (rest + vectorWidth - 1) / vectorWidth * vectorWidth;
  return (panels * panelWidth + padded) * kg * group * elementBytes +
         (correction ? n * 4 : 0);
}
