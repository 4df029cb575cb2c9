//===- emulator.cpp - runs mlpc-gpu-emulate kernels like a GPU would ------===//
//
// The fake driver calls mlpc_test_emulate_launch (found with dlsym in this
// executable) for each cuLaunchKernel. Each block runs as one OS thread per
// GPU thread, so that gpu.barrier is a real barrier across the block and a
// shuffle a real exchange across a warp of 32 consecutive threads.
//
//===----------------------------------------------------------------------===//
#include <cstdint>
#include <cstring>
#include <dlfcn.h>
#include <pthread.h>
#include <string>
#include <thread>
#include <vector>

namespace {
constexpr int kWarp = 32;
constexpr size_t kSharedBytes = 48 * 1024; // CUDA's static shared memory

struct BlockState {
  pthread_barrier_t block;
  std::vector<pthread_barrier_t> warps;
  std::vector<float> exchange;
};

thread_local BlockState *current;
thread_local int linearId;

using Kernel = void (*)(void **, const int64_t *, char *);
} // namespace

extern "C" void __emu_barrier() { pthread_barrier_wait(&current->block); }

extern "C" float __emu_shuffle_xor(float value, int32_t offset) {
  pthread_barrier_t &warp = current->warps[linearId / kWarp];
  current->exchange[linearId] = value;
  pthread_barrier_wait(&warp);
  float other = current->exchange[linearId ^ offset];
  pthread_barrier_wait(&warp);
  return other;
}

/// 0 when the kernel ran, -1 when this executable has no emulation of it.
extern "C" int mlpc_test_emulate_launch(const char *name,
                                        const unsigned grid[3],
                                        const unsigned block[3],
                                        void **params) {
  auto kernel = reinterpret_cast<Kernel>(
      dlsym(RTLD_DEFAULT, ("__emu_" + std::string(name)).c_str()));
  if (!kernel)
    return -1;
  int threads = int(block[0] * block[1] * block[2]);
  std::vector<char> shared(kSharedBytes);
  for (unsigned bz = 0; bz < grid[2]; ++bz)
    for (unsigned by = 0; by < grid[1]; ++by)
      for (unsigned bx = 0; bx < grid[0]; ++bx) {
        BlockState state;
        pthread_barrier_init(&state.block, nullptr, threads);
        int warps = (threads + kWarp - 1) / kWarp;
        state.warps.resize(warps);
        for (int w = 0; w < warps; ++w)
          pthread_barrier_init(&state.warps[w], nullptr,
                               std::min(kWarp, threads - w * kWarp));
        state.exchange.assign(threads, 0.0f);
        std::memset(shared.data(), 0, shared.size());
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t)
          pool.emplace_back([&, t] {
            current = &state;
            linearId = t;
            int64_t ids[9] = {bx,
                              by,
                              bz,
                              t % int(block[0]),
                              (t / int(block[0])) % int(block[1]),
                              t / int(block[0] * block[1]),
                              block[0],
                              block[1],
                              block[2]};
            kernel(params, ids, shared.data());
          });
        for (std::thread &t : pool)
          t.join();
        pthread_barrier_destroy(&state.block);
        for (pthread_barrier_t &w : state.warps)
          pthread_barrier_destroy(&w);
      }
  return 0;
}
