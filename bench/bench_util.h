/* What the benchmark drivers (mlp_bench.c, precision_bench.c) share: the
 * clock, the Python peers' process (py_peers.py, driven over a pipe), the
 * sort of samples and the parsing of lists. Included once per driver. */
#ifndef MLPC_BENCH_UTIL_H
#define MLPC_BENCH_UTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The Python peers' process: commands on `pyIn`, replies on `pyOut`. */
static FILE *pyIn, *pyOut;

static int pyStart(const char *script, const char *weights, const char *dims,
                   const char *head, const char *hidden) {
  int toChild[2], fromChild[2];
  if (pipe(toChild) || pipe(fromChild))
    return 1;
  pid_t pid = fork();
  if (pid < 0)
    return 1;
  if (pid == 0) {
    dup2(toChild[0], 0);
    dup2(fromChild[1], 1);
    close(toChild[1]);
    close(fromChild[0]);
    execl("/usr/bin/python3", "python3", script, weights, dims, head, hidden,
          (char *)NULL);
    _exit(127);
  }
  close(toChild[0]);
  close(fromChild[1]);
  pyIn = fdopen(toChild[1], "w");
  pyOut = fdopen(fromChild[0], "r");
  return !pyIn || !pyOut;
}

/* Sends one command; returns its reply line in `reply` (or NULL). */
static char *pyCommand(char *reply, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
static char *pyCommand(char *reply, size_t size, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vfprintf(pyIn, format, args);
  va_end(args);
  fputc('\n', pyIn);
  fflush(pyIn);
  return fgets(reply, (int)size, pyOut);
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int parseList(const char *s, int *out, int max) {
  int n = 0;
  for (char *end; *s && n < max; s = *end ? end + 1 : end)
    out[n++] = (int)strtol(s, &end, 10);
  return n;
}

#endif
