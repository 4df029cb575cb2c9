/*===- internal.h - helpers shared inside the mlpc runtime ---------------===*/
#ifndef MLPC_RUNTIME_INTERNAL_H
#define MLPC_RUNTIME_INTERNAL_H

#include <stdint.h>

/* Sets the calling thread's mlpc_last_error_message() (printf format) and
 * returns `status`, so that a failure path reads
 *   return mlpc_fail(MLPC_ERR_GPU, "...", ...); */
int32_t mlpc_fail(int32_t status, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* MLPC_RUNTIME_INTERNAL_H */
