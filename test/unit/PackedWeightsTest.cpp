//===- PackedWeightsTest.cpp - packed weight bytes, as --stats counts them ===//
//
// packedBytes (what mlpc --stats reports for a layer's weights) against the
// constants the packers actually make, for f32, bf16 and int8 weights,
// with and without columns after the last panel and K not a multiple of
// the group.
//
//===----------------------------------------------------------------------===//
#include "PackedWeights.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::mlpc;

namespace {
int64_t bytesOf(Value v) {
  if (!v)
    return 0;
  auto t = cast<ShapedType>(v.getType());
  return t.getNumElements() *
         std::max<int64_t>(t.getElementTypeBitWidth() / 8, 1);
}

struct Case {
  int64_t k, n, elementBytes, panel, vector, group;
  bool correction;
};

void PrintTo(const Case &c, std::ostream *os) {
  *os << c.k << "x" << c.n << "_" << c.elementBytes * 8 << "bit_group"
      << c.group << (c.correction ? "_correction" : "");
}

class PackedBytes : public ::testing::TestWithParam<Case> {};

TEST_P(PackedBytes, MatchThePackersConstants) {
  Case c = GetParam();
  MLIRContext ctx;
  ctx.loadDialect<arith::ArithDialect, tensor::TensorDialect,
                  vector::VectorDialect>();
  Location loc = UnknownLoc::get(&ctx);
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  OpBuilder b = OpBuilder::atBlockBegin(module->getBody());
  Type elem = c.elementBytes == 4   ? Type(b.getF32Type())
              : c.elementBytes == 2 ? Type(b.getBF16Type())
                                    : Type(b.getI8Type());
  auto type = RankedTensorType::get({c.k, c.n}, elem);
  Attribute one = elem.isInteger(8) ? Attribute(b.getI8IntegerAttr(1))
                                    : Attribute(b.getFloatAttr(elem, 1.0));
  Value w = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, ArrayRef<Attribute>{one}));
  PackedWeights p =
      c.elementBytes == 4
          ? packWeights(b, loc, w, /*transposed=*/false, c.panel)
          : packNarrowWeights(b, loc, w, /*transposed=*/false, c.panel,
                              c.vector, c.group, c.correction);
  EXPECT_EQ(bytesOf(p.panels) + bytesOf(p.rest) + bytesOf(p.correction),
            packedBytes(c.k, c.n, c.elementBytes, c.panel, c.vector, c.group,
                        c.correction));
}

INSTANTIATE_TEST_SUITE_P(
    Weights, PackedBytes,
    ::testing::Values(
        // f32: a permutation, whole panels or not.
        Case{784, 128, 4, 32, 16, 1, false}, Case{37, 21, 4, 16, 8, 1, false},
        // bf16 in pairs along K (K odd: the last pair padded).
        Case{64, 10, 2, 32, 16, 2, false}, Case{33, 40, 2, 16, 8, 2, false},
        // int8 in fours, with and without the vpdpbusd correction; the
        // columns after the panels padded to whole vectors.
        Case{784, 128, 1, 32, 16, 4, true}, Case{50, 23, 1, 16, 8, 4, true},
        Case{13, 5, 1, 32, 16, 2, false}),
    [](const auto &info) { return ::testing::PrintToString(info.param); });
} // namespace
