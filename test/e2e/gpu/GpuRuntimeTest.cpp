//===- GpuRuntimeTest.cpp - GPU entry points against a fake CUDA driver ---===//
//
// The objects under test are compiled by mlpc --target=nvptx at build time.
// The runtime dlopens the fake driver (MLPC_CUDA_LIBRARY, set by ctest);
// this file opens the same library to read its log and inject failures.
// Kernels do not run, so these tests check the host side: load once,
// weights uploaded once and byte-exact, buffers wired from launch to launch,
// copies in and out, in-bounds descriptors, and every failure as a status.
//
//===----------------------------------------------------------------------===//
#include "mlp.h"
#include "tiny.h"
#include "tiny_cubin.h"
#include "tiny_retry.h"
#include "tiny_threads.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

/// The fake driver's controls (fake_cuda.c).
struct Fake {
  const char *(*log)();
  void (*clearLog)();
  void (*fail)(const char *, int);
  int (*liveAllocations)();
  int (*memAlloc)(unsigned long long *, size_t);

  static Fake &get() {
    static Fake fake = [] {
      Fake f{};
      const char *path = std::getenv("MLPC_CUDA_LIBRARY");
      void *lib = path ? dlopen(path, RTLD_NOW) : nullptr;
      if (!lib)
        return f;
      f.log = (const char *(*)())dlsym(lib, "fake_cuda_log");
      f.clearLog = (void (*)())dlsym(lib, "fake_cuda_clear_log");
      f.fail = (void (*)(const char *, int))dlsym(lib, "fake_cuda_fail");
      f.liveAllocations = (int (*)())dlsym(lib, "fake_cuda_live_allocations");
      f.memAlloc =
          (int (*)(unsigned long long *, size_t))dlsym(lib, "cuMemAlloc_v2");
      return f;
    }();
    return fake;
  }
  bool loaded() const { return log != nullptr; }
};

std::vector<std::string> logLines() {
  std::vector<std::string> lines;
  std::istringstream in(Fake::get().log());
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

std::vector<std::string> linesStartingWith(const std::string &prefix) {
  std::vector<std::string> out;
  for (const std::string &l : logLines())
    if (l.rfind(prefix, 0) == 0)
      out.push_back(l);
  return out;
}

/// The numeric fields of "launch ... params=a,b,c".
std::vector<uint64_t> launchParams(const std::string &line) {
  std::vector<uint64_t> values;
  std::string list = line.substr(line.find("params=") + 7);
  std::istringstream in(list);
  for (std::string v; std::getline(in, v, ',');)
    values.push_back(std::strtoull(v.c_str(), nullptr, 0));
  return values;
}

/// The address field of "htod 0xADDR N ..." and friends.
uint64_t address(const std::string &line) {
  return std::strtoull(line.substr(line.find(' ') + 1).c_str(), nullptr, 0);
}

class FakeDriver : public ::testing::Test {
protected:
  void SetUp() override {
    if (!Fake::get().loaded())
      GTEST_SKIP() << "MLPC_CUDA_LIBRARY does not name the fake driver";
    // The fake device is sm_75: the sm_80 cubins do not fit, PTX is loaded.
    Fake::get().clearLog();
  }
};

const float kX[5][2] = {{0.5f, 0.8f}, {0, 0}, {1, -1}, {2, 3}, {-4, 5}};

TEST_F(FakeDriver, FirstCallLoadsUploadsLaunchesAndCopies) {
  float y[5] = {};
  ASSERT_EQ(tiny(&kX[0][0], y, 5), MLPC_OK) << mlpc_last_error_message();

  EXPECT_EQ(linesStartingWith("cuInit").size(), 1u);
  ASSERT_EQ(linesStartingWith("load ").size(), 1u);
  EXPECT_EQ(linesStartingWith("load ")[0], "load ptx");
  auto gets = linesStartingWith("get ");
  ASSERT_EQ(gets.size(), 2u);
  EXPECT_EQ(gets[0], "get tiny_dense0");
  EXPECT_EQ(gets[1], "get tiny_dense1");

  // The four weights, uploaded byte for byte in the order of the model.
  auto uploads = linesStartingWith("htod ");
  ASSERT_EQ(uploads.size(), 4u);
  const std::vector<std::vector<float>> weights = {
      {0.2f, -0.3f, 0.4f, 0.1f, -0.5f, 0.6f},
      {0.1f, -0.2f, 0.0f},
      {0.7f, -0.4f, 0.3f},
      {-0.1f}};
  for (size_t i = 0; i < weights.size(); ++i) {
    const float *device = reinterpret_cast<const float *>(address(uploads[i]));
    for (size_t j = 0; j < weights[i].size(); ++j)
      EXPECT_EQ(device[j], weights[i][j]) << "weight " << i << "[" << j << "]";
  }

  // Input in, two launches chained through the intermediate, output out.
  auto in = linesStartingWith("htodasync ");
  ASSERT_EQ(in.size(), 1u);
  EXPECT_NE(in[0].find(" 40 stream=0x2"), std::string::npos) << in[0];
  auto launches = linesStartingWith("launch ");
  ASSERT_EQ(launches.size(), 2u);
  EXPECT_NE(launches[0].find("launch tiny_dense0 grid=1,1,1 block=16,16,1"),
            std::string::npos)
      << launches[0];
  std::vector<uint64_t> first = launchParams(launches[0]);
  std::vector<uint64_t> second = launchParams(launches[1]);
  // x, w (7 fields each), b (5), y (7), batch.
  ASSERT_EQ(first.size(), 27u);
  ASSERT_EQ(second.size(), 27u);
  EXPECT_EQ(first[1], address(in[0]));      // x: the uploaded input
  EXPECT_EQ(first[3], 5u);                  // x's rows: the batch
  EXPECT_EQ(first[26], 5u);                 // the batch argument
  EXPECT_EQ(second[1], first[20]);          // layer 2 reads layer 1's y
  EXPECT_EQ(first[8], address(uploads[0])); // w1, resident
  auto out = linesStartingWith("dtohasync ");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(address(out[0]), second[20]); // the result comes back
  EXPECT_NE(out[0].find(" 20 stream="), std::string::npos) << out[0];
  EXPECT_EQ(linesStartingWith("sync ").size(), 1u);
  EXPECT_TRUE(linesStartingWith("launch tiny_dense0: parameter").empty());
  // Only the resident weights remain allocated.
  EXPECT_EQ(Fake::get().liveAllocations(), 4);
}

TEST_F(FakeDriver, LaterCallsReuseModuleAndWeights) {
  float y[5];
  ASSERT_EQ(tiny(&kX[0][0], y, 5), MLPC_OK) << mlpc_last_error_message();
  Fake::get().clearLog();
  ASSERT_EQ(tiny(&kX[0][0], y, 3), MLPC_OK) << mlpc_last_error_message();
  EXPECT_TRUE(linesStartingWith("load ").empty());
  EXPECT_TRUE(linesStartingWith("htod ").empty());
  EXPECT_TRUE(linesStartingWith("alloc ").empty());
  EXPECT_EQ(linesStartingWith("launch ").size(), 2u);
}

TEST_F(FakeDriver, DeviceEntryUsesCallerBuffersAndStream) {
  float y[1];
  ASSERT_EQ(tiny(&kX[0][0], y, 1), MLPC_OK); // loaded
  unsigned long long in = 0, out = 0;
  ASSERT_EQ(Fake::get().memAlloc(&in, 7 * 2 * 4), 0);
  ASSERT_EQ(Fake::get().memAlloc(&out, 7 * 1 * 4), 0);
  Fake::get().clearLog();
  void *stream = reinterpret_cast<void *>(0x77);
  ASSERT_EQ(tiny_device(reinterpret_cast<const float *>(in),
                        reinterpret_cast<float *>(out), 7, stream),
            MLPC_OK)
      << mlpc_last_error_message();
  EXPECT_TRUE(linesStartingWith("htodasync").empty());
  EXPECT_TRUE(linesStartingWith("dtohasync").empty());
  EXPECT_TRUE(linesStartingWith("sync").empty()) << "the device entry is async";
  auto launches = linesStartingWith("launch ");
  ASSERT_EQ(launches.size(), 2u);
  EXPECT_NE(launches[0].find("stream=0x77"), std::string::npos);
  EXPECT_EQ(launchParams(launches[0])[1], in);
  EXPECT_EQ(launchParams(launches[1])[20], out);
  // The intermediate was allocated and freed on the caller's stream.
  EXPECT_EQ(linesStartingWith("allocasync ").size(), 1u);
  EXPECT_NE(linesStartingWith("freeasync ")[0].find("stream=0x77"),
            std::string::npos);
}

TEST_F(FakeDriver, LaunchFailureIsAStatusWithTheDriverMessage) {
  float y[5];
  ASSERT_EQ(tiny(&kX[0][0], y, 5), MLPC_OK);
  int live = Fake::get().liveAllocations();
  Fake::get().fail("cuLaunchKernel", 701);
  EXPECT_EQ(tiny(&kX[0][0], y, 5), MLPC_ERR_GPU);
  std::string message = mlpc_last_error_message();
  EXPECT_NE(message.find("cuLaunchKernel"), std::string::npos) << message;
  EXPECT_NE(message.find("CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES"),
            std::string::npos)
      << message;
  EXPECT_EQ(Fake::get().liveAllocations(), live) << "a buffer leaked";
  EXPECT_EQ(tiny(&kX[0][0], y, 5), MLPC_OK) << "the next call works again";
}

TEST_F(FakeDriver, DeviceOutOfMemoryIsOutOfMemory) {
  float y[5];
  ASSERT_EQ(tiny(&kX[0][0], y, 5), MLPC_OK);
  Fake::get().fail("cuMemAllocAsync", 2);
  EXPECT_EQ(tiny(&kX[0][0], y, 5), MLPC_ERR_OUT_OF_MEMORY);
  EXPECT_NE(std::string(mlpc_last_error_message()).find("cuMemAllocAsync"),
            std::string::npos);
}

TEST_F(FakeDriver, FaultReportedAtSynchronization) {
  float y[5];
  ASSERT_EQ(tiny(&kX[0][0], y, 5), MLPC_OK);
  Fake::get().fail("cuStreamSynchronize", 700);
  EXPECT_EQ(tiny(&kX[0][0], y, 5), MLPC_ERR_GPU);
  EXPECT_NE(std::string(mlpc_last_error_message())
                .find("cuStreamSynchronize: CUDA_ERROR_ILLEGAL_ADDRESS"),
            std::string::npos)
      << mlpc_last_error_message();
}

TEST_F(FakeDriver, BadArgumentsNeverReachTheDriver) {
  float y[5];
  EXPECT_EQ(tiny(nullptr, y, 5), MLPC_ERR_NULL_POINTER);
  EXPECT_EQ(tiny(&kX[0][0], nullptr, 5), MLPC_ERR_NULL_POINTER);
  EXPECT_EQ(tiny(&kX[0][0], y, 0), MLPC_ERR_BAD_BATCH);
  EXPECT_EQ(tiny(&kX[0][0], y, -3), MLPC_ERR_BAD_BATCH);
  EXPECT_EQ(tiny_device(&kX[0][0], y, INT64_MAX, nullptr), MLPC_ERR_BAD_BATCH);
  // The output over the input (tiny: 2 floats in, 1 out per row), on the
  // host entry and on the device one.
  float xy[10] = {0.5f, 0.8f, 0, 0, 1, -1, 2, 3, -4, 5};
  EXPECT_EQ(tiny(xy, xy + 9, 5), MLPC_ERR_OVERLAP);
  EXPECT_EQ(tiny_device(xy, xy, 5, nullptr), MLPC_ERR_OVERLAP);
  EXPECT_STREQ(Fake::get().log(), "");
}

TEST_F(FakeDriver, FailedLoadIsRetriedOnTheNextCall) {
  float y[1];
  Fake::get().fail("cuModuleLoadDataEx", 218);
  EXPECT_EQ(tiny_retry(&kX[0][0], y, 1), MLPC_ERR_GPU);
  std::string message = mlpc_last_error_message();
  EXPECT_NE(message.find("CUDA_ERROR_INVALID_PTX"), std::string::npos)
      << message;
  EXPECT_NE(message.find("PTX JIT log: ptxas fatal: injected JIT failure"),
            std::string::npos)
      << message;
  EXPECT_EQ(tiny_retry(&kX[0][0], y, 1), MLPC_OK) << mlpc_last_error_message();
  EXPECT_EQ(linesStartingWith("load ").size(), 2u);
}

TEST_F(FakeDriver, ConcurrentFirstCallsLoadOnce) {
  std::vector<std::thread> threads;
  std::vector<int32_t> status(8, -1);
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      float y[5];
      status[t] = tiny_threads(&kX[0][0], y, 5);
    });
  for (std::thread &t : threads)
    t.join();
  for (int32_t s : status)
    EXPECT_EQ(s, MLPC_OK);
  EXPECT_EQ(linesStartingWith("load ").size(), 1u);
  EXPECT_EQ(linesStartingWith("htod ").size(), 4u) << "weights uploaded once";
  EXPECT_EQ(linesStartingWith("launch ").size(), 16u);
}

/// Run by ctest on a fake sm_86 device: the sm_80 cubin runs there.
TEST(FakeSm86, CubinPreferredWhenTheArchitectureFits) {
  if (!Fake::get().loaded() || !std::getenv("FAKE_CUDA_COMPUTE_CAPABILITY"))
    GTEST_SKIP() << "needs the fake driver and FAKE_CUDA_COMPUTE_CAPABILITY";
  if (!TINY_CUBIN_HAS_CUBIN)
    GTEST_SKIP() << "no ptxas when the tests were built: PTX only";
  float y[1];
  ASSERT_EQ(tiny_cubin(&kX[0][0], y, 1), MLPC_OK) << mlpc_last_error_message();
  ASSERT_EQ(linesStartingWith("load ").size(), 1u);
  EXPECT_EQ(linesStartingWith("load ")[0], "load cubin");
}

TEST_F(FakeDriver, EveryKernelKindGetsInBoundsBuffers) {
  const int64_t batch = 37;
  std::vector<float> x(batch * 5, 0.5f), p(batch * 3), l(batch * 3),
      copy(batch * 5);
  ASSERT_EQ(mlp(x.data(), p.data(), l.data(), copy.data(), batch), MLPC_OK)
      << mlpc_last_error_message() << "\n"
      << Fake::get().log();
  std::vector<std::string> names;
  for (const std::string &line : linesStartingWith("launch ")) {
    std::string name = line.substr(7, line.find(' ', 7) - 7);
    names.push_back(name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"mlp_dense0", "mlp_matmul1",
                                             "mlp_elementwise2", "mlp_softmax3",
                                             "mlp_log_softmax4", "mlp_copy5"}));
  auto launches = linesStartingWith("launch ");
  // Dense: ceil(37 / 64) row tiles; softmax: a warp per row, 4 per block;
  // log_softmax over the batch axis: one row per feature; elementwise and
  // copy: one thread per element.
  EXPECT_NE(launches[0].find("grid=1,1,1 block=16,16,1"), std::string::npos);
  EXPECT_NE(launches[2].find("grid=1,1,1 block=256,1,1"), std::string::npos);
  EXPECT_NE(launches[3].find("grid=10,1,1 block=32,4,1"), std::string::npos);
  EXPECT_NE(launches[4].find("grid=1,1,1 block=32,4,1"), std::string::npos);
  EXPECT_EQ(linesStartingWith("dtohasync ").size(), 3u);
}

/// Run by ctest with FAKE_CUDA_INIT_ERROR=100: a driver but no device.
TEST(NoDevice, EntryReturnsNoGpu) {
  if (!std::getenv("FAKE_CUDA_INIT_ERROR"))
    GTEST_SKIP() << "needs FAKE_CUDA_INIT_ERROR";
  float y[1];
  EXPECT_EQ(tiny(&kX[0][0], y, 1), MLPC_ERR_NO_GPU);
  std::string message = mlpc_last_error_message();
  EXPECT_NE(message.find("cuInit: CUDA_ERROR_NO_DEVICE"), std::string::npos)
      << message;
  // Known from now on, on every thread, without asking the driver again.
  std::thread([] {
    float z[1];
    EXPECT_EQ(tiny(&kX[0][0], z, 1), MLPC_ERR_NO_GPU);
    EXPECT_NE(std::string(mlpc_last_error_message()).find("NO_DEVICE"),
              std::string::npos);
  }).join();
}

/// Run by ctest with MLPC_CUDA_LIBRARY naming a file that does not exist,
/// or CUDA's link-time stub library: no usable driver.
TEST(NoDriver, EntryReturnsNoGpu) {
  if (!std::getenv("EXPECT_NO_DRIVER"))
    GTEST_SKIP() << "needs EXPECT_NO_DRIVER";
  float y[1];
  EXPECT_EQ(tiny(&kX[0][0], y, 1), MLPC_ERR_NO_GPU);
  std::string message = mlpc_last_error_message();
  EXPECT_NE(message.find(std::getenv("EXPECT_NO_DRIVER")), std::string::npos)
      << message;
  EXPECT_STREQ(mlpc_status_string(MLPC_ERR_NO_GPU),
               "no usable NVIDIA GPU or CUDA driver on this machine");
}

} // namespace
