//===- TargetTuningTest.cpp - the tile and row chunks for a target --------===//
#include "mlpc/CPU/TargetTuning.h"

#include <gtest/gtest.h>

using namespace mlir::mlpc;

TEST(TargetTuning, TileFollowsTheVectorRegisters) {
  TargetTuning avx512 = tuningForFeatures("+avx,+avx2,+fma,+avx512f");
  EXPECT_EQ(avx512.tileRows, 6);
  EXPECT_EQ(avx512.tileCols, 32);
  EXPECT_EQ(avx512.vectorWidth, 16);
  EXPECT_TRUE(avx512.hasFma);

  TargetTuning avx2 = tuningForFeatures("+avx,+avx2,+fma");
  EXPECT_EQ(avx2.tileCols, 16);
  EXPECT_EQ(avx2.vectorWidth, 8);

  TargetTuning sse = tuningForFeatures("+sse2");
  EXPECT_EQ(sse.tileRows, 4);
  EXPECT_EQ(sse.tileCols, 8);
  EXPECT_EQ(sse.vectorWidth, 4);
  EXPECT_FALSE(sse.hasFma);
}

TEST(TargetTuning, LaterFeatureEntriesOverrideEarlierOnes) {
  // As LLVM reads the string: the AVX-512 tile is gone with -avx512f.
  TargetTuning t = tuningForFeatures("+avx512f,+fma,+avx,-avx512f,-fma");
  EXPECT_EQ(t.vectorWidth, 8);
  EXPECT_FALSE(t.hasFma);
  // Whole names only: AMD's FMA4 is not FMA3.
  EXPECT_FALSE(tuningForFeatures("+fma4").hasFma);
}

TEST(TargetTuning, RowChunksKeepIntermediatesInL2) {
  TargetTuning t;
  // mnist-like: 400 KB of weights in L2, 2 KiB of scratch per row, 6-row
  // tiles: 128 KiB / 2 KiB = 64 rows, rounded down to whole tiles.
  EXPECT_EQ(chooseRowChunk(t, 2048, 400000, 6), 60);
  // Never less than one tile.
  EXPECT_EQ(chooseRowChunk(t, 1 << 20, 1000, 6), 6);
  // No chunks without scratch, with weights beyond L2, or unknown ones.
  EXPECT_EQ(chooseRowChunk(t, 0, 1000, 6), 0);
  EXPECT_EQ(chooseRowChunk(t, 2048, t.l2WeightBytes + 4, 6), 0);
  EXPECT_EQ(chooseRowChunk(t, 2048, -1, 6), 0);
  EXPECT_EQ(chooseRowChunk(t, 2048, t.l2WeightBytes, 6), 60);
}

TEST(TargetTuning, NarrowProductsFollowTheFeatures) {
  TargetTuning zen4 = tuningForFeatures(
      "+avx,+avx2,+fma,+avx512f,+avx512bw,+avx512vl,+avx512vnni,+avx512bf16");
  EXPECT_EQ(zen4.int8, Int8Product::Vnni);
  EXPECT_TRUE(zen4.hasBf16Dot);
  EXPECT_EQ(zen4.bf16, BF16Product::Dot);
  TargetTuning skx = tuningForFeatures("+avx,+avx2,+fma,+avx512f,+avx512bw");
  EXPECT_EQ(skx.int8, Int8Product::Maddwd);
  EXPECT_FALSE(skx.hasBf16Dot);
  EXPECT_EQ(skx.bf16, BF16Product::Widen);
  EXPECT_EQ(tuningForFeatures("+avx,+avx2,+fma,+avxvnni").int8,
            Int8Product::Vnni);
  EXPECT_EQ(tuningForFeatures("+avx,+avx2,+fma").int8, Int8Product::Maddwd);
  EXPECT_EQ(tuningForFeatures("+avx").int8, Int8Product::Generic);
  EXPECT_EQ(tuningForFeatures("+sse2").int8, Int8Product::Generic);
}
