/*===- internal.h - helpers shared inside the mlpc runtime ---------------===*/
#ifndef MLPC_RUNTIME_INTERNAL_H
#define MLPC_RUNTIME_INTERNAL_H

#include <stdint.h>

/* Sets the calling thread's mlpc_last_error_message() (printf format) and
 * returns `status`, so that a failure path reads
 *   return mlpc_fail(MLPC_ERR_GPU, "...", ...); */
int32_t mlpc_fail(int32_t status, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Reads environment variable `name` as a decimal integer in [min, max]
 * into *value and returns 1; returns 0 and leaves *value alone when it is
 * unset, empty, or anything else (trailing characters, out of range), so
 * that a variable that does not parse gives the default. */
int mlpc_env_int64(const char *name, int64_t min, int64_t max, int64_t *value);

#endif /* MLPC_RUNTIME_INTERNAL_H */
