#!/usr/bin/python3
"""The forward-pass tools' cost, from Python, side by side in one run: the
MNIST-shaped model (784-128-64-10, softmax) called through the mlpc package
plain, traced (NAME_trace: every z and a) and with its loss
(cross-entropy of class labels), against numpy and PyTorch computing the
same (PyTorch as the seed texts' TrackedMLP(return_intermediates=True)). The
traced call is timed twice: with new output arrays on every call, like the
peers, and writing into the same ones (out=).

  tools_bench.py MODEL.so WEIGHTS.bin [BATCHES]   (bench/run.sh tools)

Prints a markdown table of median microseconds per call and the ratios.
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "runtime", "python"))
import mlpc  # noqa: E402

DIMS = [784, 128, 64, 10]


def weights(path):
    raw = np.fromfile(path, dtype=np.float32)
    layers, at = [], 0
    for k, n in zip(DIMS, DIMS[1:]):
        w = raw[at:at + n * k].reshape(n, k)
        at += n * k
        b = raw[at:at + n]
        at += n
        layers.append((w, b))
    return layers


def median_us(fn, reps):
    fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1e6 * sorted(times)[len(times) // 2]


def numpy_forward(layers, x, keep):
    cache, a = {}, x
    for i, (w, b) in enumerate(layers):
        z = a @ w.T + b
        a = np.maximum(z, 0) if i + 1 < len(layers) else z
        if keep:
            cache["z%d" % (i + 1)], cache["a%d" % (i + 1)] = z, a
    e = np.exp(a - a.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return (p, cache) if keep else p


def numpy_loss(layers, x, t):
    a = x
    for i, (w, b) in enumerate(layers):
        a = a @ w.T + b
        if i + 1 < len(layers):
            a = np.maximum(a, 0)
    m = a.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(a - m).sum(axis=1))
    return (lse - a[np.arange(len(t)), t]).mean()


def main():
    so, wpath = sys.argv[1], sys.argv[2]
    batches = [int(b) for b in (sys.argv[3] if len(sys.argv) > 3
                                else "1,64,1024").split(",")]
    m = mlpc.load(so)
    layers = weights(wpath)
    try:
        import torch
        torch.set_num_threads(os.cpu_count())
        tl = [(torch.from_numpy(w.copy()), torch.from_numpy(b.copy()))
              for w, b in layers]
    except ImportError:
        torch = None

    def torch_tracked(x):  # TrackedMLP(return_intermediates=True)
        cache, a = {"a0": x}, x
        for i, (w, b) in enumerate(tl):
            z = torch.nn.functional.linear(a, w, b)
            cache["z%d" % (i + 1)] = z
            a = torch.relu(z) if i + 1 < len(tl) else z
            cache["a%d" % (i + 1)] = a
        return torch.softmax(a, dim=1), cache

    print("| batch | mlpc plain | mlpc trace | trace/plain | mlpc trace, out= | "
          "numpy trace | PyTorch trace | best peer/mlpc trace out= | mlpc loss | "
          "numpy loss | PyTorch loss | best peer/mlpc loss |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    for batch in batches:
        x = rng.random((batch, DIMS[0]), dtype=np.float32)
        t = rng.integers(0, DIMS[-1], batch).astype(np.int32)
        reps = max(20, min(2000, 200000 // batch))
        plain = median_us(lambda: m.mnist(x), reps)
        trace = median_us(lambda: m.mnist_trace(x), reps)
        kept = m.mnist_trace(x)
        trace_out = median_us(lambda: m.mnist_trace(x, out=kept), reps)
        loss = median_us(lambda: m.mnist_loss(x, t), reps)
        np_trace = median_us(lambda: numpy_forward(layers, x, True), reps)
        np_loss = median_us(lambda: numpy_loss(layers, x, t), reps)
        if torch is not None:
            xt, tt = torch.from_numpy(x), torch.from_numpy(t.astype(np.int64))
            with torch.no_grad():
                pt_trace = median_us(lambda: torch_tracked(xt), reps)
                pt_loss = median_us(lambda: torch.nn.functional.cross_entropy(
                    torch_tracked(xt)[1]["z3"], tt), reps)
        else:
            pt_trace = pt_loss = float("nan")
        # The values agree: the trace's output is the plain call's, and the
        # loss is numpy's to float32 rounding.
        assert np.array_equal(m.mnist_trace(x)["out0"], m.mnist(x))
        got = float(m.mnist_loss(x, t)[1][0])
        assert abs(got - numpy_loss(layers, x, t)) < 1e-4 * max(1, abs(got))
        print("| %d | %.1f | %.1f | %.2f | %.1f | %.1f | %.1f | %.2f | %.1f | "
              "%.1f | %.1f | %.2f |" % (
                  batch, plain, trace, trace / plain, trace_out, np_trace,
                  pt_trace,
                  np.nanmin([np_trace, pt_trace]) / trace_out, loss, np_loss,
                  pt_loss, np.nanmin([np_loss, pt_loss]) / loss))


if __name__ == "__main__":
    main()
