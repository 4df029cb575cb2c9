//===- EntryABITest.cpp - the largest batch an entry accepts --------------===//
#include "mlpc/CAbi/EntryABI.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::mlpc;

namespace {
constexpr int64_t kDyn = ShapedType::kDynamic;
} // namespace

TEST(EntryABI, LargestBatchKeepsEveryBufferWithin2To56Bytes) {
  SmallVector<int64_t> in{kDyn, 784}, out{kDyn, 10};
  SmallVector<ArrayRef<int64_t>> shapes{in, out};
  int64_t largest = largestBatch(shapes);
  EXPECT_EQ(largest, kMaxBufferBytes / (784 * 4));
  EXPECT_LE(largest * 784 * 4, kMaxBufferBytes);
  EXPECT_GT((largest + 1) * 784 * 4, kMaxBufferBytes);
  // Scratch larger per row than any buffer bounds the batch instead.
  EXPECT_EQ(largestBatch(shapes, 10000), kMaxBufferBytes / 10000);
  EXPECT_EQ(largestBatch(shapes, 100), largest);
}

TEST(EntryABI, RowBytesCountEveryDimensionAfterTheBatch) {
  SmallVector<int64_t> rank3{kDyn, 3, 5};
  EXPECT_EQ(rowBytes(rank3), 60);
  SmallVector<ArrayRef<int64_t>> shapes{rank3};
  EXPECT_EQ(largestBatch(shapes), kMaxBufferBytes / 60);
}

TEST(EntryABI, StaticEntriesHaveNoBatchBound) {
  SmallVector<int64_t> in{4, 784}, out{4, 10};
  SmallVector<ArrayRef<int64_t>> shapes{in, out};
  EXPECT_EQ(largestBatch(shapes), std::numeric_limits<int64_t>::max());
}
