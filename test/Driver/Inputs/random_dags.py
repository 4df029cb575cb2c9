#!/usr/bin/python3
"""Random DAG models against a float64 reference.

  random_dags.py MLPC CC INCLUDE LIBDIR WORKDIR FIRST_SEED COUNT [MLPC_FLAG...]

Each seed gives a model of 1-5 dense layers (weights [N,K] with
transpose_b or [K,N]), each reading the input or any earlier value, with
residual adds of earlier values of its width (or of an activation of one),
second bias adds, activations, softmax or log_softmax, and one or two
results. mlpc compiles
it; a C harness runs it at several batches (leftover rows included) on 1,
2 and 3 threads. Every result must be bit-identical across thread counts
and match numpy in float64. Two branches alive together once shared a
buffer (3 models in 60 wrong); this keeps that class of bug found.
Prints one line per failure and "N passed, M failed".
"""
import os
import random
import subprocess
import sys
from math import erf

import numpy as np

ACTS = ["relu", "sigmoid", "tanh", "gelu", "leaky_relu"]


def hexdense(a):
    return 'dense<"0x' + a.astype("<f4").tobytes().hex().upper() + '">'


def generate(seed):
    rng = random.Random(seed)
    nr = np.random.default_rng(seed)
    d = rng.choice([1, 3, 8, 16, 17, 33, 64, 70])
    lines, ops, vals = [], [], [("%x", d)]
    for n in range(1, rng.randint(1, 5) + 1):
        src, k = rng.choice(vals) if rng.random() < 0.4 else vals[-1]
        width = rng.choice([d, k, rng.choice([2, 8, 10, 16, 24, 40, 96])])
        w = (nr.standard_normal((width, k)) / np.sqrt(k)).astype(np.float32)
        b = (nr.standard_normal(width) * 0.1).astype(np.float32)
        t = f"tensor<?x{width}xf32>"
        transposed = rng.random() < 0.5
        stored = w if transposed else np.ascontiguousarray(w.T)
        wt = "tensor<%sxf32>" % "x".join(map(str, stored.shape))
        lines.append(f"  %w{n} = arith.constant {hexdense(stored)} : {wt}")
        lines.append(f"  %b{n} = arith.constant {hexdense(b)} : tensor<{width}xf32>")
        attr = " {transpose_b = true}" if transposed else ""
        lines.append(f"  %m{n} = mlp.matmul {src}, %w{n}{attr} : "
                     f"tensor<?x{k}xf32>, {wt} -> {t}")
        lines.append(f"  %z{n} = mlp.add %m{n}, %b{n} : {t}, "
                     f"tensor<{width}xf32> -> {t}")
        ops += [("matmul", f"%m{n}", src, w), ("add", f"%z{n}", f"%m{n}", b)]
        cur = f"%z{n}"
        same = [v for v, vw in vals if vw == width]
        if same and rng.random() < 0.6:
            r = rng.choice(same)
            if rng.random() < 0.3:  # an elementwise branch of its own
                name = rng.choice(ACTS)
                lines.append(f"  %e{n} = mlp.{name} {r} : {t} -> {t}")
                ops.append((name, f"%e{n}", r))
                r = f"%e{n}"
            a, c = (cur, r) if rng.random() < 0.5 else (r, cur)
            lines.append(f"  %s{n} = mlp.add {a}, {c} : {t}, {t} -> {t}")
            ops.append(("add", f"%s{n}", a, c))
            cur = f"%s{n}"
        if rng.random() < 0.2:
            lines.append(f"  %q{n} = mlp.add {cur}, %b{n} : {t}, "
                         f"tensor<{width}xf32> -> {t}")
            ops.append(("add", f"%q{n}", cur, b))
            cur = f"%q{n}"
        u = rng.random()
        if u < 0.75:
            name = rng.choice(ACTS) if u < 0.55 else rng.choice(
                ["softmax", "log_softmax"])
            lines.append(f"  %a{n} = mlp.{name} {cur} : {t} -> {t}")
            ops.append((name, f"%a{n}", cur))
            cur = f"%a{n}"
        vals.append((cur, width))
    outs = [vals[-1]]
    if len(vals) > 2 and rng.random() < 0.5:
        outs.append(rng.choice(vals[1:-1]))
    types = ", ".join(f"tensor<?x{w}xf32>" for _, w in outs)
    text = (f"func.func @m(%x: tensor<?x{d}xf32>) -> ({types}) {{\n" +
            "\n".join(lines) +
            f"\n  return {', '.join(v for v, _ in outs)} : {types}\n}}\n")
    return d, outs, ops, text


def reference(x, ops, outs):
    env = {"%x": x}

    def value(v):
        return env[v] if isinstance(v, str) else v.astype(np.float64)

    for op in ops:
        kind, res, a = op[0], op[1], op[2]
        v = env[a]
        if kind == "matmul":
            env[res] = v @ op[3].astype(np.float64).T
        elif kind == "add":
            env[res] = v + value(op[3])
        elif kind == "relu":
            env[res] = np.maximum(v, 0)
        elif kind == "sigmoid":
            env[res] = 1 / (1 + np.exp(-v))
        elif kind == "tanh":
            env[res] = np.tanh(v)
        elif kind == "gelu":
            env[res] = 0.5 * v * (1 + np.vectorize(erf)(v / np.sqrt(2)))
        elif kind == "leaky_relu":
            env[res] = np.where(v > 0, v, 0.01 * v)
        else:
            s = v - v.max(axis=1, keepdims=True)
            lse = np.log(np.exp(s).sum(axis=1, keepdims=True))
            env[res] = np.exp(s - lse) if kind == "softmax" else s - lse
    return [env[v] for v, _ in outs]


HARNESS = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mlpc/runtime.h"
int32_t m(const float *, %(outs)s int64_t);
int main(int argc, char **argv) {
  long b = atol(argv[1]), in = b * %(d)d, out = b * %(total)d;
  float *x = malloc(4 * in), *y = malloc(4 * out), *y2 = malloc(4 * out);
  int rc = 0;
  FILE *f = fopen(argv[2], "rb");
  if (!f || fread(x, 4, in, f) != (size_t)in) rc = 4;
  if (f) fclose(f);
  if (rc) goto done;
  for (int t = 1; t <= 3 && !rc; ++t) {
    mlpc_set_num_threads(t);
    float *o = t == 1 ? y : y2;
    int32_t s = m(x, %(ptrs)s b);
    if (s) { printf("status %%d\n", s); rc = 3; }
    else if (t > 1 && memcmp(y, y2, 4 * out)) { printf("%%d threads differ\n", t); rc = 2; }
  }
  if (!rc) {
    f = fopen(argv[3], "wb");
    fwrite(y, 4, out, f);
    fclose(f);
  }
done:
  /* Every buffer freed: the harness runs clean under LeakSanitizer. */
  free(x);
  free(y);
  free(y2);
  return rc;
}
"""


def main():
    mlpc, cc, include, libdir, work = sys.argv[1:6]
    first, count = int(sys.argv[6]), int(sys.argv[7])
    flags = sys.argv[8:]
    os.makedirs(work, exist_ok=True)
    failed = 0
    for seed in range(first, first + count):
        d, outs, ops, text = generate(seed)
        base = os.path.join(work, "m%d" % seed)
        with open(base + ".mlir", "w") as f:
            f.write(text)
        offsets, total = [], 0
        for _, w in outs:
            offsets.append(total)
            total += w
        ptrs = " ".join("o + b * %d," % off for off in offsets)
        with open(base + ".c", "w") as f:
            f.write(HARNESS % {"d": d, "total": total, "ptrs": ptrs,
                               "outs": "float *, " * len(outs)})
        try:
            subprocess.run([mlpc, base + ".mlir", "-o", base + ".o"] + flags,
                           check=True)
            subprocess.run([cc, "-std=c11", "-O1", "-I" + include,
                            base + ".c", base + ".o", "-L" + libdir,
                            "-lmlpc_runtime", "-lm", "-lpthread", "-o",
                            base], check=True)
        except subprocess.CalledProcessError as e:
            print("seed %d: build failed: %s" % (seed, e))
            failed += 1
            continue
        rng = np.random.default_rng(seed)
        for batch in (1, 5, 7, 40):
            x = rng.uniform(-1, 1, (batch, d)).astype(np.float32)
            x.tofile(base + ".in")
            r = subprocess.run([base, str(batch), base + ".in", base + ".out"],
                               capture_output=True, text=True)
            if r.returncode:
                print("seed %d batch %d: %s (exit %d)" %
                      (seed, batch, r.stdout.strip(), r.returncode))
                failed += 1
                break
            got = np.fromfile(base + ".out", dtype=np.float32)
            err = 0.0
            for (_, w), off, want in zip(outs, offsets,
                                         reference(x.astype(np.float64), ops,
                                                   outs)):
                # Results are stored one after the other, each [batch, w].
                y = got[off * batch:(off + w) * batch].reshape(batch, w)
                err = max(err, np.abs(y - want).max() /
                          max(1.0, np.abs(want).max()))
            if err > 1e-4:
                print("seed %d batch %d: relative error %.3g" %
                      (seed, batch, err))
                failed += 1
                break
    print("%d passed, %d failed" % (count - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
