//===- SharedLibTest.cpp - --emit=shared libraries loaded with dlopen -----===//
//
// Two models built by mlpc --trace --emit=shared, loaded at run time as a
// plugin host (or Python) would: the entries, the runtime's API and the
// manifest found by name; results bitwise those of the same model linked
// in; each library with its own runtime.
//
//===----------------------------------------------------------------------===//
#include "Check.h"
#include "mnist_traced.h"

#include <dlfcn.h>

#include <cstring>
#include <string>

using namespace mlpc_test;

namespace {
using Fn = int32_t (*)(const float *, float *, int64_t);
using TracedFn = int32_t (*)(const float *, float *, float *, float *, float *,
                             float *, float *, float *, int64_t);

/// A library opened with RTLD_LOCAL, closed at the end of the test.
struct Library {
  void *handle;
  explicit Library(const char *path)
      : handle(dlopen(path, RTLD_NOW | RTLD_LOCAL)) {}
  ~Library() {
    if (handle)
      dlclose(handle);
  }
  template <typename T> T get(const char *name) const {
    return reinterpret_cast<T>(dlsym(handle, name));
  }
};

TEST(SharedLibrary, LoadsAndMatchesTheLinkedModel) {
  Library lib(MLPC_SHARED_MNIST);
  ASSERT_NE(lib.handle, nullptr) << dlerror();
  auto fn = lib.get<Fn>("mnist_traced");
  auto traced = lib.get<TracedFn>("mnist_traced_trace");
  auto status = lib.get<const char *(*)(int32_t)>("mlpc_status_string");
  auto manifest = lib.get<const char *>("mlpc_manifest");
  ASSERT_TRUE(fn && traced && status && manifest);

  const int64_t batch = 37;
  std::vector<float> x = randomInput(batch * 784, 11);
  std::vector<float> linked(batch * 10), loaded(batch * 10);
  ASSERT_EQ(mnist_traced(x.data(), linked.data(), batch), MLPC_OK);
  ASSERT_EQ(fn(x.data(), loaded.data(), batch), MLPC_OK);
  EXPECT_EQ(0, std::memcmp(linked.data(), loaded.data(), linked.size() * 4));

  std::vector<float> o(batch * (10 + 2 * 128 + 2 * 64 + 2 * 10));
  float *p = o.data();
  int64_t b = batch;
  ASSERT_EQ(traced(x.data(), p, p + 10 * b, p + 138 * b, p + 266 * b,
                   p + 330 * b, p + 394 * b, p + 404 * b, batch),
            MLPC_OK);
  EXPECT_EQ(0, std::memcmp(linked.data(), p, linked.size() * 4));

  EXPECT_EQ(fn(x.data(), loaded.data(), 0), MLPC_ERR_BAD_BATCH);
  EXPECT_STREQ(status(MLPC_ERR_BAD_BATCH), mlpc_status_string(2));

  // The manifest names both entries and the traced outputs.
  std::string m = manifest;
  EXPECT_NE(m.find("\"name\":\"mnist_traced\""), std::string::npos) << m;
  EXPECT_NE(m.find("\"trace_of\":\"mnist_traced\""), std::string::npos) << m;
  EXPECT_NE(m.find("\"name\":\"z1\""), std::string::npos) << m;
  EXPECT_NE(m.find("\"shape\":[-1,784]"), std::string::npos) << m;
}

TEST(SharedLibrary, EachLibraryHasItsOwnRuntime) {
  Library a(MLPC_SHARED_MNIST), b(MLPC_SHARED_LOSSES);
  ASSERT_NE(a.handle, nullptr) << dlerror();
  ASSERT_NE(b.handle, nullptr) << dlerror();
  using Set = void (*)(int32_t);
  using Get = int32_t (*)();
  auto setA = a.get<Set>("mlpc_set_num_threads");
  auto getA = a.get<Get>("mlpc_get_num_threads");
  auto setB = b.get<Set>("mlpc_set_num_threads");
  auto getB = b.get<Get>("mlpc_get_num_threads");
  ASSERT_TRUE(setA && getA && setB && getB);
  EXPECT_NE(reinterpret_cast<void *>(setA), reinterpret_cast<void *>(setB));
  setA(3);
  setB(1);
  EXPECT_EQ(getA(), 3);
  EXPECT_EQ(getB(), 1);
  setA(0);
  setB(0);

  // The loss library takes class indices.
  using Loss = int32_t (*)(const float *, const int32_t *, float *, int64_t);
  auto ce = b.get<Loss>("ce_index");
  ASSERT_TRUE(ce);
  const float x[5] = {0, 0, 0, 0, 0};
  const int32_t t = 3, bad = 5;
  float l = 0;
  ASSERT_EQ(ce(x, &t, &l, 1), MLPC_OK);
  EXPECT_NEAR(l, std::log(5.0), 1e-6);
  EXPECT_EQ(ce(x, &bad, &l, 1), MLPC_ERR_BAD_INDEX);
}

} // namespace
