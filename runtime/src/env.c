/*===- env.c - the runtime's environment variables -----------------------===*/
#include "internal.h"

#include <errno.h>
#include <stdlib.h>

int mlpc_env_int64(const char *name, int64_t min, int64_t max, int64_t *value) {
  const char *text = getenv(name);
  if (!text || !*text)
    return 0;
  char *end;
  errno = 0;
  long long v = strtoll(text, &end, 10);
  /* The whole text, and nothing strtoll had to clamp: "1e999x", "4 cores"
     and 99999999999999999999 are not numbers the user meant. */
  if (errno == ERANGE || end == text || *end != '\0' || v < min || v > max)
    return 0;
  *value = (int64_t)v;
  return 1;
}
