#!/usr/bin/python3
"""Compiles each torch.onnx.export fixture (make_fixtures.py) with mlpc and
compares its output with PyTorch's float64 output, at batch 7 and batch 1,
at -O3 and -O0: run_fixtures.py MLPC RUNTIME WORKDIR."""
import glob
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "conformance"))
import mlpc_run  # noqa: E402

# float32 against float64 through up to ten layers and mlpc's polynomial
# activations (docs/accuracy.md): a few ulps per layer.
RTOL, ATOL = 2e-5, 2e-6


def main():
    mlpc, runtime, work = sys.argv[1:4]
    failed = 0
    for path in sorted(glob.glob(os.path.join(HERE, "*_opset*.onnx"))):
        base = os.path.basename(path)[:-5]
        ref = np.load(os.path.join(HERE, base.rsplit("_opset", 1)[0] + ".npz"))
        x, y = ref["x"], ref["y"]
        for flags in ((), ("-O0",)):
            tag = "%s %s" % (base, " ".join(flags) or "-O3")
            try:
                fn = mlpc_run.compile_model(mlpc, runtime, path,
                                            os.path.join(work, base + "".join(flags)),
                                            flags)
            except mlpc_run.CompileError as e:
                print("FAIL %s: %s" % (tag, e))
                failed += 1
                continue
            for rows in (len(x), 1):
                status, (got,) = mlpc_run.call(fn, [x[:rows]], [y[:rows].shape])
                err = np.max(np.abs(got - y[:rows]) / (ATOL + RTOL * np.abs(y[:rows])))
                ok = status == 0 and err <= 1
                failed += not ok
                print("%s %s batch %d: status %d, max error %.2g (%.2f of the bound)"
                      % ("ok  " if ok else "FAIL", tag, rows, status,
                         np.max(np.abs(got - y[:rows])), err))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
