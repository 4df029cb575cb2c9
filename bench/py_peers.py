#!/usr/bin/python3
"""PyTorch and numpy as benchmark peers, driven by mlp_bench over a pipe so
that their blocks of calls interleave with mlpc's and the other peers' in
one run. Same forward pass, weights file and inputs as mlp_bench.

  py_peers.py WEIGHTS DIMS HEAD [HIDDEN]   (commands on stdin, one per line;
                                       HEAD 1: softmax, 2: sigmoid; HIDDEN:
                                       relu (default) or gelu, which numpy
                                       has no erf for: it answers
                                       "unavailable")

  threads T       PyTorch's and numpy's BLAS threads
  batch B         the input for the next calls: B rows
  time PEER K [W] PEER is torch, numpy, torch-int8 (quantize_dynamic) or
                  torch-bf16: W warm-up calls (default 2), then
                  K timed
                  ones; prints the K times in seconds on one line
  out PATH        writes PyTorch's output for the current batch to PATH
                  (f32), for mlp_bench to compare with mlpc's
Replies end with a newline and are flushed; errors go to stderr.
"""
import copy
import ctypes
import ctypes.util
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


def openblas():
    """numpy's OpenBLAS (already loaded), to set its thread count."""
    for name in ("libopenblas.so.0", ctypes.util.find_library("openblas")):
        try:
            lib = ctypes.CDLL(name)
            lib.openblas_set_num_threads
            return lib
        except (OSError, AttributeError, TypeError):
            pass
    return None


def main():
    weights_path, dims_arg, head = sys.argv[1:4]
    hidden = sys.argv[4] if len(sys.argv) > 4 else "relu"
    dims = [int(d) for d in dims_arg.split(",")]
    data = np.fromfile(weights_path, dtype="<f4")
    layers, pos = [], 0
    for k, n in zip(dims, dims[1:]):
        w = data[pos:pos + n * k].reshape(n, k).copy()
        pos += n * k
        b = data[pos:pos + n].copy()
        pos += n
        layers.append((w, b))
    wts = [(np.ascontiguousarray(w.T), b) for w, b in layers]  # x @ W^T

    def numpy_forward(x):
        h = x
        for i, (wt, b) in enumerate(wts):
            h = h @ wt
            h += b
            if i + 1 < len(wts):
                np.maximum(h, 0, out=h)
        if head == "1":
            h = h - h.max(axis=1, keepdims=True)
            np.exp(h, out=h)
            h /= h.sum(axis=1, keepdims=True)
        elif head == "2":
            h = 1 / (1 + np.exp(-h))
        return h

    model = None
    if torch is not None:
        mods = []
        for i, (w, b) in enumerate(layers):
            lin = torch.nn.Linear(w.shape[1], w.shape[0])
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(w))
                lin.bias.copy_(torch.from_numpy(b))
            mods.append(lin)
            if i + 1 < len(layers):
                mods.append(torch.nn.GELU() if hidden == "gelu" else torch.nn.ReLU())
        if head == "1":
            mods.append(torch.nn.Softmax(dim=1))
        elif head == "2":
            mods.append(torch.nn.Sigmoid())
        model = torch.nn.Sequential(*mods).eval()

    def torch_forward(tx):
        with torch.inference_mode():
            return model(tx)

    # The same-precision peers of mlpc --precision: quantize_dynamic's qint8
    # Linear layers (activations quantized per call), and bf16 weights and
    # activations.
    model_int8 = model_bf16 = None
    if model is not None:
        engines = torch.backends.quantized.supported_engines
        for engine in ("x86", "fbgemm", "onednn"):
            if engine in engines:
                torch.backends.quantized.engine = engine
                break
        try:
            model_int8 = torch.ao.quantization.quantize_dynamic(
                copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8)
        except (RuntimeError, AttributeError) as e:
            print("py_peers: no quantize_dynamic: %s" % e, file=sys.stderr)
        model_bf16 = copy.deepcopy(model).to(torch.bfloat16)

    def torch_int8(tx):
        with torch.inference_mode():
            return model_int8(tx)

    def torch_bf16(tx):
        with torch.inference_mode():
            return model_bf16(tx.to(torch.bfloat16)).float()

    blas = openblas()
    x = tx = None
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "threads":
            if torch is not None:
                torch.set_num_threads(int(cmd[1]))
            if blas is not None:
                blas.openblas_set_num_threads(int(cmd[1]))
            reply = "ok"
        elif cmd[0] == "batch":
            x = inputs(int(cmd[1]), dims[0])
            tx = torch.from_numpy(x) if torch is not None else None
            reply = "ok"
        elif cmd[0] == "time":
            if ((cmd[1].startswith("torch") and torch is None) or (cmd[1] == "numpy" and hidden != "relu")
                    or (cmd[1] == "torch-int8" and model_int8 is None)):
                reply = "unavailable"
            else:
                fn, arg = {"torch": (torch_forward, tx), "numpy": (numpy_forward, x),
                           "torch-int8": (torch_int8, tx),
                           "torch-bf16": (torch_bf16, tx)}[cmd[1]]
                warm = int(cmd[3]) if len(cmd) > 3 else 2
                times = []
                for j in range(int(cmd[2]) + warm):
                    t0 = time.perf_counter()
                    fn(arg)
                    if j >= warm:
                        times.append(time.perf_counter() - t0)
                reply = " ".join("%.9f" % t for t in times)
        elif cmd[0] == "out":
            if torch is None and hidden != "relu":
                reply = "unavailable"
            else:
                y = torch_forward(tx).numpy() if torch is not None else numpy_forward(x)
                y.astype("<f4").tofile(cmd[1])
                reply = "ok"
        else:
            print("py_peers: unknown command " + line.strip(), file=sys.stderr)
            reply = "error"
        sys.stdout.write(reply + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
