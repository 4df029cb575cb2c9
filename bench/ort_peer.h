/* ONNX Runtime as a benchmark peer, through its C API in the
 * libonnxruntime.so that the npm package onnxruntime-node ships. That
 * package has no C header, so ort_peer.c reaches the API's function table
 * by index (see there). */
#ifndef MLPC_BENCH_ORT_PEER_H
#define MLPC_BENCH_ORT_PEER_H

/* 0 when the library and the model loaded; otherwise prints why. */
int ortLoad(const char *library, const char *model);
/* A session with `threads` intra-op threads (no spinning between runs). */
int ortSetThreads(int threads);
/* Binds x [batch, inWidth] and y [batch, outWidth] for ortRun. */
int ortBind(const float *x, float *y, int batch, int inWidth, int outWidth);
int ortRun(void);
/* "1.30.0" */
const char *ortVersion(void);

#endif
