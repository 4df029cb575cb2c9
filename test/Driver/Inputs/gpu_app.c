#include "tiny.h"
#include <stdio.h>

/* A GPU build of the seed example: the same call as on the CPU. */
int main(void) {
  const float x[2] = {0.5f, 0.8f};
  float y[1] = {0};
  int32_t status = tiny(x, y, 1);
  printf("status=%d (%s)\n", status, mlpc_status_string(status));
  printf("message: %s\n", mlpc_last_error_message());
  if (status == MLPC_OK)
    printf("y=%.6f\n", y[0]);
  printf("null=%d\n", tiny(NULL, y, 1));
  return 0;
}
