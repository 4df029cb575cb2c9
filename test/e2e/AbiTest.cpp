//===- AbiTest.cpp - the generated C ABI ----------------------------------===//
//
// Status codes, header macros, unaligned buffers, concurrent calls and an
// allocation that fails.
//
//===----------------------------------------------------------------------===//
#include "Check.h"
#include "Models.h"

#include "branches.h"
#include "large_dense.h"
#include "large_fused.h"
#include "mnist_fused.h"
#include "residual.h"
#include "softmax.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <limits>
#include <set>
#include <string>
#include <thread>

using namespace mlpc_test;

namespace {

TEST(Abi, StatusCodes) {
  std::vector<float> x(784 * 2), y(10 * 2);
  EXPECT_EQ(mnist_fused(nullptr, y.data(), 1), MLPC_ERR_NULL_POINTER);
  EXPECT_EQ(mnist_fused(x.data(), nullptr, 1), MLPC_ERR_NULL_POINTER);
  EXPECT_EQ(mnist_fused(x.data(), y.data(), 0), MLPC_ERR_BAD_BATCH);
  EXPECT_EQ(mnist_fused(x.data(), y.data(), -5), MLPC_ERR_BAD_BATCH);
  EXPECT_EQ(
      mnist_fused(x.data(), y.data(), std::numeric_limits<int64_t>::max()),
      MLPC_ERR_BAD_BATCH);
  EXPECT_STREQ(mlpc_status_string(MLPC_OK), "success");
  EXPECT_NE(std::string(mlpc_status_string(MLPC_ERR_BAD_BATCH)).find("batch"),
            std::string::npos);
  EXPECT_STREQ(mlpc_status_string(12345), "unknown mlpc status code");
  // Every status has its own string.
  std::set<std::string> seen;
  for (int32_t s = MLPC_OK; s <= MLPC_ERR_BAD_INDEX; ++s) {
    std::string text = mlpc_status_string(s);
    EXPECT_NE(text, "unknown mlpc status code") << s;
    EXPECT_TRUE(seen.insert(text).second) << s;
  }
  EXPECT_TRUE(std::isdigit(mlpc_runtime_version()[0]))
      << mlpc_runtime_version();
}

/// The largest batch at which a buffer of `rowFloats` floats per row still
/// fits in 2^56 bytes, the largest virtual address space.
int64_t largestBatch(int64_t rowFloats) {
  return (int64_t(1) << 56) / (rowFloats * 4);
}

/// Beyond the largest batch, or for a buffer that would end past the
/// address space, an entry refuses the call before any other check: the
/// byte sizes it would compute no longer fit the address space.
void checkBatchBound(int32_t (*entry)(const float *, float *, int64_t),
                     int64_t inFloats, int64_t outFloats, const char *name) {
  SCOPED_TRACE(name);
  auto [in, out] = unreachableBuffers();
  int64_t largest = largestBatch(std::max(inFloats, outFloats));
  EXPECT_EQ(entry(in, out, largest + 1), MLPC_ERR_BAD_BATCH);
  for (int shift = 33; shift < 63; ++shift)
    if ((int64_t(1) << shift) > largest)
      EXPECT_EQ(entry(in, out, int64_t(1) << shift), MLPC_ERR_BAD_BATCH)
          << "batch 2^" << shift;
  // At the bound the batch itself is valid, and the overlap check, whose
  // byte sizes then cannot wrap, sees the output on the input (a scratch
  // buffer larger per row than the buffers may refuse it first).
  std::vector<float> x(std::max(inFloats, outFloats));
  int32_t atBound = entry(x.data(), x.data(), largest);
  EXPECT_TRUE(atBound == MLPC_ERR_OVERLAP || atBound == MLPC_ERR_BAD_BATCH)
      << mlpc_status_string(atBound);
  // A buffer that would end past the top of the address space: its last
  // four bytes hold less than any buffer.
  const float *top = reinterpret_cast<const float *>(UINTPTR_MAX - 3);
  EXPECT_EQ(entry(top, x.data(), 1), MLPC_ERR_BAD_BATCH);
  EXPECT_EQ(entry(x.data(), const_cast<float *>(top), 1), MLPC_ERR_BAD_BATCH);
}

TEST(Abi, BatchesWhoseBuffersCannotExistAreRefused) {
  checkBatchBound(mnist_fused, 784, 10, "mnist_fused");
  checkBatchBound(large_fused, 600, 37, "large_fused");
  checkBatchBound(large_dense, 600, 37, "large_dense");
  checkBatchBound(softmax_rows, 10, 10, "softmax_rows");
  // mnist's intermediates take less per row than its input: the batch at
  // the bound passes and the overlap is what is refused.
  std::vector<float> x(784);
  EXPECT_EQ(mnist_fused(x.data(), x.data(), largestBatch(784)),
            MLPC_ERR_OVERLAP);
}

TEST(Abi, HeaderShapeMacros) {
  static_assert(mnist_fused_IN0_DIM1 == 784, "input width");
  static_assert(mnist_fused_OUT0_DIM1 == 10, "output width");
  static_assert(softmax_axis0_IN0_DIM0 == 4, "static leading dimension");
  static_assert(log_softmax_mid_IN0_ROW_SIZE == 15, "row size");
  static_assert(residual_NUM_INPUTS == 2 && residual_NUM_OUTPUTS == 2, "");
  SUCCEED();
}

/// An output that shares memory with an input or another output (for the
/// call's batch) is refused before anything is read or written; inputs may
/// share memory, and buffers that only touch are fine.
TEST(Abi, OverlappingBuffersAreRefused) {
  const int64_t batch = 4;
  std::vector<float> x = randomInput(batch * 784, 9);
  std::vector<float> before = x;
  // The output over the input's first floats, in place, or over its last.
  EXPECT_EQ(mnist_fused(x.data(), x.data(), batch), MLPC_ERR_OVERLAP);
  EXPECT_EQ(mnist_fused(x.data(), x.data() + batch * 784 - 1, batch),
            MLPC_ERR_OVERLAP);
  EXPECT_EQ(0, std::memcmp(x.data(), before.data(), x.size() * 4))
      << "a refused call wrote its output";
  // Right after the input: no overlap. At batch 1 the same output pointer
  // is past the input's one row.
  std::vector<float> both(batch * 784 + batch * 10);
  std::copy(x.begin(), x.end(), both.begin());
  EXPECT_EQ(mnist_fused(both.data(), both.data() + batch * 784, batch),
            MLPC_OK);
  EXPECT_EQ(mnist_fused(x.data(), x.data() + 784, 1), MLPC_OK);
  EXPECT_EQ(mnist_fused(x.data(), x.data() + 784, 2), MLPC_ERR_OVERLAP);
  EXPECT_STREQ(mlpc_status_string(MLPC_ERR_OVERLAP),
               "an output buffer overlaps an input or another output; give "
               "each output its own memory");

  // Two outputs over each other; two inputs that are one buffer.
  std::vector<float> in(batch * 4, 0.5f), h(batch * 4), y(batch * 4);
  const float bias[4] = {0, 0, 0, 0};
  EXPECT_EQ(branches(in.data(), h.data(), h.data() + 1, batch),
            MLPC_ERR_OVERLAP);
  EXPECT_EQ(residual(in.data(), in.data(), h.data(), y.data(), 1), MLPC_OK);
  EXPECT_EQ(residual(in.data(), bias, h.data(), in.data(), batch),
            MLPC_ERR_OVERLAP);
}

TEST(Abi, UnalignedBuffers) {
  const int64_t batch = 3;
  std::vector<float> xs(batch * 784 + 1), ys(batch * 10 + 1);
  std::vector<float> x = randomInput(batch * 784, 5);
  std::memcpy(xs.data() + 1, x.data(), x.size() * sizeof(float));
  ASSERT_EQ(mnist_fused(xs.data() + 1, ys.data() + 1, batch), MLPC_OK);
  expectClose(std::vector<float>(ys.begin() + 1, ys.end()),
              reference(mnistModel(), x.data(), batch), 2e-5, 1e-4,
              "unaligned");
}

TEST(Abi, ConcurrentCallsAreIdentical) {
  const int64_t batch = 64;
  std::vector<float> x = randomInput(batch * 784, 21);
  std::vector<float> want(batch * 10);
  ASSERT_EQ(mnist_fused(x.data(), want.data(), batch), MLPC_OK);
  std::vector<std::vector<float>> got(4, std::vector<float>(batch * 10));
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 50; ++rep) {
        if (mnist_fused(x.data(), got[t].data(), batch) != MLPC_OK ||
            std::memcmp(got[t].data(), want.data(),
                        want.size() * sizeof(float)) != 0)
          ++failures[t];
      }
    });
  for (auto &th : threads)
    th.join();
  for (int t = 0; t < 4; ++t)
    EXPECT_EQ(failures[t], 0) << "thread " << t;
}

TEST(Abi, OutOfMemoryIsAStatusNotACrash) {
  // A batch whose intermediates cannot be allocated: the wrapper's single
  // scratch allocation fails before the kernel touches any buffer.
  // (mnist is no use here: its row ranges run in chunks with a scratch
  // buffer of one chunk, whatever the batch; the large model's weights
  // exceed L2, so its ranges are not chunked.)
  auto [in, out] = unreachableBuffers();
  EXPECT_EQ(large_fused(in, out, int64_t(1) << 40), MLPC_ERR_OUT_OF_MEMORY);
  EXPECT_EQ(large_dense(in, out, int64_t(1) << 40), MLPC_ERR_OUT_OF_MEMORY);
  // And the next call works normally.
  std::vector<float> x(600), y(37);
  EXPECT_EQ(large_fused(x.data(), y.data(), 1), MLPC_OK);
}

} // namespace
