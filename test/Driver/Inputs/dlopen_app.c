/* Loads a model built with mlpc --emit=shared at run time, as a plugin host
   or Python would: the entry point and the runtime's API by name. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>

typedef int32_t (*Entry)(const float *, float *, int64_t);

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    printf("dlopen: %s\n", dlerror());
    return 1;
  }
  Entry tiny = (Entry)dlsym(lib, "tiny");
  const char *(*statusString)(int32_t) =
      (const char *(*)(int32_t))dlsym(lib, "mlpc_status_string");
  void (*setThreads)(int) = (void (*)(int))dlsym(lib, "mlpc_set_num_threads");
  if (!tiny || !statusString || !setThreads) {
    printf("dlsym: a symbol is missing\n");
    return 1;
  }
  setThreads(2);
  float x[4] = {0.5f, 0.8f, 1.0f, -1.0f}, y[2];
  int32_t s = tiny(x, y, 2);
  printf("status %d (%s): y = %.6f %.6f\n", s, statusString(s), y[0], y[1]);
  s = tiny(x, y, 0);
  printf("batch 0: %s\n", statusString(s));
  return dlclose(lib);
}
