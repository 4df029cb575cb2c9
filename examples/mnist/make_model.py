#!/usr/bin/python3
"""Writes an MNIST-shaped 784-128(relu)-64(relu)-10(softmax) model with
seeded random (He-initialized) weights, as a PyTorch state_dict would hold
them, through mlpc-export.

  make_model.py OUTDIR   ->  OUTDIR/mnist.mlir (entry point @mnist)
                             OUTDIR/mnist_weights.bin (W1 b1 W2 b2 W3 b3,
                             f32, [out][in] layout, for benchmark peers)
"""
import os
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "tools", "mlpc-export"))
import mlpc_export  # noqa: E402

out = sys.argv[1] if len(sys.argv) > 1 else here
rng = np.random.default_rng(2024)
dims = [784, 128, 64, 10]
state_dict = {}
for i, (k, n) in enumerate(zip(dims, dims[1:])):
    state_dict["%d.weight" % (2 * i)] = (rng.standard_normal((n, k)) * np.sqrt(2.0 / k)).astype(np.float32)
    state_dict["%d.bias" % (2 * i)] = (rng.standard_normal(n) * 0.1).astype(np.float32)
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "mnist.mlir"), "w") as f:
    f.write(mlpc_export.from_state_dict(state_dict, ["relu", "relu", "none"],
                                        head="softmax", name="mnist"))
with open(os.path.join(out, "mnist_weights.bin"), "wb") as f:
    for v in state_dict.values():
        f.write(v.tobytes())
