//===- QuantizeTest.cpp - the arithmetic of --precision -------------------===//
#include "mlpc/Utils/Quantize.h"
#include "Product.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::mlpc;

TEST(Quantize, BF16RoundsToNearestEven) {
  EXPECT_EQ(toBF16(1.0f), 0x3f80);
  // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: ties go to the even 1.
  EXPECT_EQ(toBF16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);
  // 1 + 3 * 2^-8 lies halfway between 1 + 2^-7 (odd) and 1 + 2^-6: up.
  EXPECT_EQ(toBF16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);
  // Just above the tie rounds up.
  EXPECT_EQ(toBF16(1.0f + std::ldexp(1.0f, -8) + std::ldexp(1.0f, -20)),
            0x3f81);
  EXPECT_EQ(toBF16(-2.5f), 0xc020);
  EXPECT_EQ(fromBF16(toBF16(0.15625f)), 0.15625f);
}

TEST(Quantize, BF16KeepsSpecialValues) {
  float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(toBF16(inf), 0x7f80);
  EXPECT_EQ(toBF16(-inf), 0xff80);
  EXPECT_TRUE(std::isnan(fromBF16(toBF16(std::nanf("")))));
  // Past bf16's largest finite value: infinity.
  EXPECT_EQ(toBF16(std::numeric_limits<float>::max()), 0x7f80);
}

TEST(Quantize, Int8ScalesEachOutputColumn) {
  // [K = 2, N = 3]: column 0 spans +-2, column 1 is zero, column 2 +-0.5.
  std::vector<float> w = {2.0f, 0.0f, -0.5f, -1.0f, 0.0f, 0.25f};
  Int8Weights q = quantizeColumns(w, 2, 3, /*transposed=*/false);
  EXPECT_FLOAT_EQ(q.scales[0], 2.0f / 127);
  EXPECT_EQ(q.scales[1], 0.0f);
  EXPECT_FLOAT_EQ(q.scales[2], 0.5f / 127);
  EXPECT_EQ(q.values[0], 127);  // w[0][0]
  EXPECT_EQ(q.values[3], -64);  // w[1][0] = -63.5 -> even
  EXPECT_EQ(q.values[1], 0);    // zero column
  EXPECT_EQ(q.values[2], -127); // w[0][2]
  EXPECT_EQ(q.values[5], 64);   // w[1][2] = 63.5 -> even
  // The same weights stored [N, K] give the same result.
  std::vector<float> t = {2.0f, -1.0f, 0.0f, 0.0f, -0.5f, 0.25f};
  Int8Weights qt = quantizeColumns(t, 2, 3, /*transposed=*/true);
  EXPECT_EQ(qt.values, q.values);
  EXPECT_EQ(qt.scales, q.scales);
}

TEST(Quantize, Int8NeverUsesMinus128) {
  std::vector<float> w = {-1.0f, 1.0f, -0.999f};
  Int8Weights q = quantizeColumns(w, 3, 1, false);
  for (int8_t v : q.values)
    EXPECT_GE(v, -127);
}

TEST(Quantize, KeptLayersByPositionIndexAndName) {
  std::vector<std::string> names = {"fc1", "", "fc3", "head"};
  std::string error;
  auto kept = selectKeptLayers(names, {"first", "last"}, false, error);
  ASSERT_TRUE(kept);
  EXPECT_EQ(*kept, (std::vector<bool>{true, false, false, true}));
  kept = selectKeptLayers(names, {"1", "fc3"}, false, error);
  ASSERT_TRUE(kept);
  EXPECT_EQ(*kept, (std::vector<bool>{false, true, true, false}));
}

TEST(Quantize, KeptLayerThatIsNoneIsAnError) {
  std::vector<std::string> names = {"fc1", "fc2"};
  std::string error;
  EXPECT_FALSE(selectKeptLayers(names, {"fc9"}, false, error));
  EXPECT_NE(error.find("'fc9' names no layer"), std::string::npos) << error;
  EXPECT_NE(error.find("fc1, fc2"), std::string::npos) << error;
  EXPECT_FALSE(selectKeptLayers(names, {"2"}, false, error));
  // In a module of several entries, another entry may hold it.
  EXPECT_TRUE(selectKeptLayers(names, {"fc9"}, true, error));
}

TEST(Product, FollowsTheWeightsAndTheTarget) {
  MLIRContext ctx;
  Builder b(&ctx);
  TargetTuning t = tuningForFeatures("+avx512f,+avx512bw,+avx512vnni,+fma");
  ASSERT_EQ(t.bf16, BF16Product::Widen);
  EXPECT_EQ(chooseProduct(b.getF32Type(), 784, t).kind, ProductKind::F32);
  EXPECT_EQ(chooseProduct(b.getBF16Type(), 784, t).kind,
            ProductKind::BF16Widen);
  Product vnni = chooseProduct(b.getI8Type(), 784, t);
  EXPECT_EQ(vnni.kind, ProductKind::Int8Vnni);
  EXPECT_EQ(vnni.group, 4);
  // Deep enough for 255 * 127 per product to overflow an i32 sum.
  EXPECT_EQ(chooseProduct(b.getI8Type(), 70000, t).kind,
            ProductKind::Int8Maddwd);
  t.bf16 = BF16Product::Dot;
  EXPECT_EQ(chooseProduct(b.getBF16Type(), 784, t).group, 2);
  TargetTuning sse = tuningForFeatures("+sse2");
  EXPECT_EQ(chooseProduct(b.getI8Type(), 784, sse).kind,
            ProductKind::Int8Generic);
}

TEST(Product, DotTakesMoreRowsThanTheFma) {
  MLIRContext ctx;
  Builder b(&ctx);
  TargetTuning t = tuningForFeatures("+avx512f,+avx512bf16,+fma");
  ASSERT_EQ(t.tileRows, 6);
  EXPECT_EQ(productTileRows(chooseProduct(b.getBF16Type(), 784, t), t), 8);
  EXPECT_EQ(productTileRows(chooseProduct(b.getF32Type(), 784, t), t), 6);
  t.bf16 = BF16Product::Widen;
  EXPECT_EQ(productTileRows(chooseProduct(b.getBF16Type(), 784, t), t), 6);
}
