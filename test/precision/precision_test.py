#!/usr/bin/python3
"""mlpc --precision=bf16|int8 against numpy, through the C ABI.

For each model and each way the target multiplies narrow weights, checks
  1. the semantics: the outputs equal a numpy emulation of what mlp.dense
     defines for narrow weights (bf16-rounded weights; int8 rows quantized
     with max|x|/127, exact integer sums, f32 scaling), to f32 rounding;
  2. the accuracy: the error against the float64 forward pass of the f32
     model stays within the bound docs/accuracy.md documents;
  3. the guarantees: a row's outputs are bitwise the same at batch 1 as in a
     batch of 37, and on 1 and 2 threads.
Prints one line per case (the figures of docs/accuracy.md); exits nonzero
on any failure.

  precision_test.py --mlpc BIN --runtime LIBMLPC_RUNTIME.a --work DIR [--wide]
"""
import argparse
import ctypes
import os
import subprocess
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.join(here, "..", "..")
sys.path.insert(0, os.path.join(root, "test", "conformance"))
import mlpc_run  # noqa: E402

# Documented bounds (docs/accuracy.md): max |y - y_f64| / max |y_f64| over
# the test inputs, per model and precision.
BOUNDS = {
    ("mnist", "f32"): 1e-5, ("mnist", "bf16"): 5e-3, ("mnist", "bf16-dot"): 1e-2,
    ("mnist", "int8"): 1.5e-2,
    ("wide", "f32"): 1e-5, ("wide", "bf16"): 5e-3, ("wide", "bf16-dot"): 1e-2,
    ("wide", "int8"): 3e-2,
}
# Semantics: max |y - emulation| / max |emulation|. The emulation sums in
# another order (float64), or, for int8, exactly as the kernel does. With
# vdpbf16ps a hidden layer's f32 sum that differs in its last bit can round
# to another bf16 for the next layer, hence its wider tolerance (a wrong
# pairing of K steps would be off by 1e-1).
SEMANTICS = {"f32": 1e-5, "bf16": 1e-5, "bf16-dot": 2e-3, "int8": 1e-5}


def make_model(work, name, dims, head):
    subprocess.run(["/usr/bin/python3", os.path.join(root, "examples", "mnist", "make_model.py"),
                    work, name, ",".join(map(str, dims)), head], check=True)
    raw = np.fromfile(os.path.join(work, name + "_weights.bin"), dtype=np.float32)
    layers, off = [], 0
    for k, n in zip(dims, dims[1:]):
        w = raw[off:off + n * k].reshape(n, k).T.copy()  # [K, N]
        off += n * k
        b = raw[off:off + n].copy()
        off += n
        layers.append((w, b))
    return os.path.join(work, name + ".mlir"), layers


def to_bf16(a):
    bits = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    r = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) << 16
    return r.astype(np.uint32).view(np.float32)


def quantize_columns(w):
    amax = np.abs(w).max(axis=0).astype(np.float32)
    scale = (amax / np.float32(127)).astype(np.float32)
    safe = np.where(scale > 0, scale, 1).astype(np.float64)
    q = np.clip(np.rint(w.astype(np.float64) / safe), -127, 127)
    q[:, scale == 0] = 0
    return q.astype(np.int64), scale


def int8_layer(x, w, b):
    q, ws = quantize_columns(w)
    amax = np.abs(x).max(axis=1).astype(np.float32)
    s = (amax / np.float32(127)).astype(np.float32)
    inv = np.where(amax > 0, np.float32(127) / np.where(amax > 0, amax, 1), 0).astype(np.float32)
    t = np.clip((x * inv[:, None]).astype(np.float32), -127, 127)
    qx = np.rint(t).astype(np.int64)
    acc = qx @ q
    return (acc.astype(np.float32) * (s[:, None] * ws[None, :]).astype(np.float32)
            ).astype(np.float32) + b


def bf16_dot_layer(x, w, b):
    # vdpbf16ps: activations and weights rounded to bf16, exact products,
    # f32 sums (emulated in float64, within the tolerance).
    return (to_bf16(x).astype(np.float64) @ to_bf16(w).astype(np.float64)).astype(np.float32) + b


def forward(x, layers, head, layer_fn):
    h = x
    for i, (w, b) in enumerate(layers):
        h = layer_fn(h, w, b)
        if i + 1 < len(layers):
            h = np.maximum(h, 0)
    if head == "softmax":
        e = np.exp(h - h.max(axis=1, keepdims=True))
        h = e / e.sum(axis=1, keepdims=True)
    return h


def emulate(x, layers, head, precision):
    fns = {
        "f32": lambda h, w, b: (h.astype(np.float64) @ w + b).astype(np.float32),
        "bf16": lambda h, w, b: (h.astype(np.float64) @ to_bf16(w) + b).astype(np.float32),
        "bf16-dot": bf16_dot_layer,
        "int8": int8_layer,
    }
    return forward(x.astype(np.float32), layers, head, fns[precision])


def reference(x, layers, head):
    l64 = [(w.astype(np.float64), b.astype(np.float64)) for w, b in layers]
    return forward(x.astype(np.float64), l64, head, lambda h, w, b: h @ w + b)


def compile_model(args, path, work, flags):
    """mlpc PATH FLAGS -o WORK/m.o, linked with the runtime into m.so."""
    os.makedirs(work, exist_ok=True)
    obj, lib = os.path.join(work, "m.o"), os.path.join(work, "m.so")
    subprocess.run([args.mlpc, path, "-o", obj, *flags], check=True)
    subprocess.run(["cc", "-shared", "-o", lib, obj, args.runtime, "-lm",
                    "-lpthread", "-ldl"], check=True)
    return ctypes.CDLL(lib)


def run_case(args, name, path, layers, head, precision, flags, x, ref, failures):
    work = os.path.join(args.work, name + "_" + "_".join(f.strip("-").replace("=", "-") for f in flags))
    lib = compile_model(args, path, work, flags)
    fn = getattr(lib, name)
    fn.restype = ctypes.c_int32
    n_out = layers[-1][0].shape[1]
    lib.mlpc_set_num_threads(1)
    status, (y,) = mlpc_run.call(fn, [x], [(len(x), n_out)])
    lib.mlpc_set_num_threads(2)
    status2, (y2,) = mlpc_run.call(fn, [x], [(len(x), n_out)])
    rows1 = [mlpc_run.call(fn, [x[i:i + 1]], [(1, n_out)])[1][0] for i in (0, 5, len(x) - 1)]
    emu = emulate(x, layers, head, precision)
    semantics = np.abs(y - emu).max() / np.abs(emu).max()
    error = np.abs(y - ref).max() / np.abs(ref).max()
    invariant = (status == 0 and status2 == 0 and np.array_equal(y, y2) and
                 all(np.array_equal(r[0], y[i]) for r, i in zip(rows1, (0, 5, len(x) - 1))))
    bound = BOUNDS[(name, precision)]
    ok = semantics <= SEMANTICS[precision] and error <= bound and invariant
    print("%-6s %-9s %-44s error %.2e (bound %.1e)  vs emulation %.1e  batch/threads %s  %s" % (
        name, precision, " ".join(flags) or "(default)", error, bound, semantics,
        "bitwise" if invariant else "DIFFER", "ok" if ok else "FAIL"))
    if not ok:
        failures.append((name, precision, flags))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mlpc", required=True)
    ap.add_argument("--runtime", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--wide", action="store_true",
                    help="also the 1024-4096-4096-1024 model (100 MB of weights)")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    rng = np.random.default_rng(7)
    failures = []
    # Each product this machine runs, on each target's tile: the native
    # choice, and the ones it would make elsewhere.
    cpu = open("/proc/cpuinfo").read()
    mnist_cases = [
        ("f32", []),
        ("bf16", ["--precision=bf16", "--bf16-product=widen"]),
        ("bf16", ["--precision=bf16", "--bf16-product=widen", "-O0"]),
        ("int8", ["--precision=int8"]),
        ("int8", ["--precision=int8", "--int8-product=generic"]),
        ("int8", ["--precision=int8", "--mcpu=x86-64"]),
        ("int8", ["--precision=int8", "-O0"]),
        ("int8", ["--precision=int8", "--dense-strategy=column-split"]),
        ("int8", ["--precision=int8", "--dense-strategy=panels-outer"]),
    ]
    if "avx2" in cpu:
        mnist_cases += [
            ("bf16", ["--precision=bf16", "--mcpu=haswell"]),
            ("int8", ["--precision=int8", "--mcpu=haswell"]),
            ("int8", ["--precision=int8", "--mcpu=haswell", "--kernel-tile=6x32x16"]),
        ]
    if "avx512bw" in cpu:
        mnist_cases.append(("int8", ["--precision=int8", "--int8-product=maddwd"]))
    if "avx512_bf16" in cpu:
        mnist_cases += [("bf16-dot", ["--precision=bf16"]),
                        ("bf16-dot", ["--precision=bf16", "--bf16-product=dot", "-O0"])]
    if "avx512_vnni" in cpu or "avx_vnni" in cpu:
        mnist_cases.append(("int8", ["--precision=int8", "--int8-product=vnni"]))
    if "avx_vnni" in cpu:
        mnist_cases.append(("int8", ["--precision=int8", "--mcpu=alderlake"]))
    models = [("mnist", [784, 128, 64, 10], "softmax", mnist_cases)]
    if args.wide:
        wide_cases = [("f32", []), ("bf16", ["--precision=bf16", "--bf16-product=widen"]),
                      ("int8", ["--precision=int8"])]
        if "avx512_bf16" in cpu:
            wide_cases.append(("bf16-dot", ["--precision=bf16", "--bf16-product=dot"]))
        models.append(("wide", [1024, 4096, 4096, 1024], "none", wide_cases))
    for name, dims, head, cases in models:
        path, layers = make_model(args.work, name, dims, head)
        x = rng.random((37, dims[0]), dtype=np.float32)
        ref = reference(x, layers, head)
        for precision, flags in cases:
            run_case(args, name, path, layers, head, precision, flags, x, ref, failures)
    if failures:
        print("FAILED:", failures)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
