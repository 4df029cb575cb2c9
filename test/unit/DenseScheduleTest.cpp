//===- DenseScheduleTest.cpp - each dense layer's loop order --------------===//
#include "DenseSchedule.h"

#include <gtest/gtest.h>

using namespace mlir::mlpc;

namespace {
TargetTuning avx512() { return tuningForFeatures("+avx,+fma,+avx512f"); }
TargetTuning avx2() { return tuningForFeatures("+avx,+fma"); }

DenseSchedule choose(int64_t k, int64_t n, const TargetTuning &t,
                     bool head = false) {
  DenseShape shape;
  shape.k = k;
  shape.n = n;
  shape.fusedHead = head;
  return chooseDenseSchedule(shape, t);
}
} // namespace

TEST(DenseSchedule, WeightsInL2RunRowsOuter) {
  // mnist's 784-128 layer: 401 KB.
  DenseSchedule s = choose(784, 128, avx512());
  EXPECT_EQ(s.strategy, DenseStrategy::RowsOuter);
  // Above 256 KiB a batch below one row tile splits its 128 columns in two
  // chunks of 64 lanes on AVX-512 (4 vectors of 16).
  EXPECT_EQ(s.smallBatchChunkCols, 64);
  // On AVX2 a chunk is 8 vectors of 8 lanes, so 128 columns split in two
  // there too; 64 columns do not split.
  EXPECT_EQ(choose(784, 128, avx2()).smallBatchChunkCols, 64);
  EXPECT_EQ(choose(1100, 64, avx2()).smallBatchChunkCols, 0);
  // Under 256 KiB, no split at all.
  EXPECT_EQ(choose(128, 128, avx512()).smallBatchChunkCols, 0);
  // Exactly the L2 budget still fits.
  EXPECT_EQ(choose(1024, 128, avx512()).strategy, DenseStrategy::RowsOuter);
}

TEST(DenseSchedule, MidSizeLayersGoInColumnGroups) {
  // 256 x 1024: 1 MiB. Half of L2 holds 256 columns of K = 256 weights.
  DenseSchedule s = choose(256, 1024, avx512());
  EXPECT_EQ(s.strategy, DenseStrategy::ColumnGroups);
  EXPECT_EQ(s.groupCols, 256);
  EXPECT_EQ(s.smallBatchChunkCols, 64);
  // A deep K leaves room for at most one panel in a group: panels outer.
  DenseSchedule deep = choose(4096, 96, avx512());
  EXPECT_EQ(deep.strategy, DenseStrategy::PanelsOuter);
  EXPECT_EQ(deep.groupCols, 0);
}

TEST(DenseSchedule, LargeLayersSplitTheirColumnsOverThreads) {
  // 1024 x 4096: 16 MiB.
  DenseSchedule s = choose(1024, 4096, avx512());
  EXPECT_EQ(s.strategy, DenseStrategy::ColumnSplit);
  EXPECT_EQ(s.splitChunkCols, 32);       // one panel per task
  EXPECT_EQ(s.smallSplitChunkCols, 192); // one wide tile below a row tile
  EXPECT_EQ(s.smallBatchChunkCols, 0);
  // A layer no wider than one wide tile has nothing to split.
  EXPECT_EQ(choose(8192, 160, avx512()).strategy, DenseStrategy::PanelsOuter);
}

TEST(DenseSchedule, FusedSoftmaxIsNeverSplitByColumns) {
  // A layer whose epilogue normalizes whole rows keeps them in one tile:
  // the same shape without the head splits below a row tile.
  EXPECT_EQ(choose(4096, 100, avx512()).smallBatchChunkCols, 64);
  DenseSchedule s = choose(4096, 100, avx512(), /*head=*/true);
  EXPECT_EQ(s.strategy, DenseStrategy::PanelsOuter);
  EXPECT_EQ(s.smallBatchChunkCols, 0);
}

TEST(DenseSchedule, OneRowTilesNeverSplitSmallBatches) {
  TargetTuning t = avx512();
  t.tileRows = 1;
  EXPECT_EQ(choose(784, 128, t).smallBatchChunkCols, 0);
}

TEST(DenseSchedule, ThresholdsComeFromTheTuning) {
  TargetTuning t = avx512();
  t.l2WeightBytes = 2 * 1024 * 1024;
  EXPECT_EQ(choose(256, 1024, t).strategy, DenseStrategy::RowsOuter);
  t.columnSplitWeightBytes = 512 * 1024;
  t.l2WeightBytes = 256 * 1024;
  EXPECT_EQ(choose(256, 1024, t).strategy, DenseStrategy::ColumnSplit);
}

TEST(DenseSchedule, ForcedStrategiesGetTheirParameters) {
  DenseShape shape;
  shape.k = 64;
  shape.n = 40;
  DenseSchedule g =
      chooseDenseSchedule(shape, avx512(), DenseStrategy::ColumnGroups);
  EXPECT_EQ(g.strategy, DenseStrategy::ColumnGroups);
  EXPECT_GE(g.groupCols, 64); // at least two panels
  EXPECT_EQ(g.groupCols % 32, 0);
  DenseSchedule c =
      chooseDenseSchedule(shape, avx512(), DenseStrategy::ColumnSplit);
  EXPECT_EQ(c.splitChunkCols, 32);
  EXPECT_EQ(c.smallSplitChunkCols, 192);
}

TEST(DenseSchedule, StrategyNamesRoundTrip) {
  for (DenseStrategy s :
       {DenseStrategy::RowsOuter, DenseStrategy::ColumnGroups,
        DenseStrategy::PanelsOuter, DenseStrategy::ColumnSplit})
    EXPECT_EQ(parseStrategy(strategyName(s)), s);
  EXPECT_FALSE(parseStrategy("auto").has_value());
  EXPECT_FALSE(parseStrategy("rows").has_value());
}
