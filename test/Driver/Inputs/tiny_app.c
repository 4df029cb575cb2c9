#include "tiny.h"
#include <stdio.h>

int main(void) {
  const float x[2] = {0.5f, 0.8f};
  float y[1] = {0};
  int32_t status = tiny(x, y, 1);
  printf("status=%d y=%.6f\n", status, y[0]);
  printf("null=%d (%s)\n", tiny(NULL, y, 1), mlpc_status_string(tiny(NULL, y, 1)));
  printf("batch0=%d\n", tiny(x, y, 0));
  return status;
}
