#!/usr/bin/python3
"""PyTorch and numpy as benchmark peers: the same forward pass as mlp_bench
(same weights file, same inputs), timed interleaved in blocks of calls.

  py_peers.py WEIGHTS DIMS SOFTMAX BATCHES THREADS OUT.tsv [OUT.bin]

Appends "threads batch torch_us numpy_us" lines (median per call) to
OUT.tsv; with OUT.bin, also writes PyTorch's output for the largest batch,
which mlp_bench compares with mlpc's. Run once per thread count, with
OPENBLAS_NUM_THREADS / OMP_NUM_THREADS set to it (numpy's BLAS reads them
at start-up); PyTorch gets torch.set_num_threads(THREADS).
"""
import sys
import time

import numpy as np

try:
    import torch
except ImportError:
    torch = None


def inputs(batch, width):
    # The same pseudo-random inputs as mlp_bench.c: a multiplicative hash.
    i = np.arange(batch * width, dtype=np.uint64)
    return (((i * 2654435761) % (1 << 32)).astype(np.float64) / (1 << 32)).astype(np.float32).reshape(batch, width)


def main():
    weights_path, dims_arg, softmax, batches_arg, threads, out_tsv = sys.argv[1:7]
    out_bin = sys.argv[7] if len(sys.argv) > 7 else None
    dims = [int(d) for d in dims_arg.split(",")]
    batches = [int(b) for b in batches_arg.split(",")]
    threads = int(threads)
    data = np.fromfile(weights_path, dtype="<f4")
    layers, pos = [], 0
    for k, n in zip(dims, dims[1:]):
        w = data[pos:pos + n * k].reshape(n, k).copy()
        pos += n * k
        b = data[pos:pos + n].copy()
        pos += n
        layers.append((w, b))
    wts = [(np.ascontiguousarray(w.T), b) for w, b in layers]  # x @ W^T, once

    def numpy_forward(x):
        h = x
        for i, (wt, b) in enumerate(wts):
            h = h @ wt
            h += b
            if i + 1 < len(wts):
                np.maximum(h, 0, out=h)
        if softmax == "1":
            h = h - h.max(axis=1, keepdims=True)
            np.exp(h, out=h)
            h /= h.sum(axis=1, keepdims=True)
        return h

    model = None
    if torch is not None:
        torch.set_num_threads(threads)
        mods = []
        for i, (w, b) in enumerate(layers):
            lin = torch.nn.Linear(w.shape[1], w.shape[0])
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(w))
                lin.bias.copy_(torch.from_numpy(b))
            mods.append(lin)
            if i + 1 < len(layers):
                mods.append(torch.nn.ReLU())
        if softmax == "1":
            mods.append(torch.nn.Softmax(dim=1))
        model = torch.nn.Sequential(*mods).eval()

    flops_per_row = sum(2.0 * w.size for w, _ in layers)
    with open(out_tsv, "a") as out:
        for batch in batches:
            x = inputs(batch, dims[0])
            tx = torch.from_numpy(x) if model is not None else None
            calls = int(0.5 / (flops_per_row * batch / 50e9 + 2e-6))
            calls = max(10, min(calls, 20000))
            block = min(calls, 50)
            times = {"torch": [], "numpy": []}
            for i in range(0, calls, block):
                for name in ("torch", "numpy"):
                    if name == "torch" and model is None:
                        continue
                    for j in range(i - 2, min(i + block, calls)):  # 2 warm-up
                        t0 = time.perf_counter()
                        if name == "torch":
                            with torch.inference_mode():
                                model(tx)
                        else:
                            numpy_forward(x)
                        if j >= i:
                            times[name].append(time.perf_counter() - t0)
            med = {k: (1e6 * float(np.median(v)) if v else float("nan")) for k, v in times.items()}
            out.write("%d %d %.3f %.3f\n" % (threads, batch, med["torch"], med["numpy"]))
        if out_bin:
            x = inputs(max(batches), dims[0])
            if model is not None:
                with torch.inference_mode():
                    y = model(torch.from_numpy(x)).numpy()
            else:
                y = numpy_forward(x)
            y.astype("<f4").tofile(out_bin)


if __name__ == "__main__":
    main()
