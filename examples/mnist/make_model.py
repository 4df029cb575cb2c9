#!/usr/bin/python3
"""Writes an MLP with seeded random (He-initialized) weights, as a PyTorch
state_dict would hold them, through mlpc-export. By default the
MNIST-shaped 784-128(relu)-64(relu)-10(softmax) model.

  make_model.py OUTDIR [NAME DIMS HEAD [HIDDEN]]
    e.g. make_model.py out wide 1024,4096,4096,1024 none
  HEAD: softmax, log_softmax, none, or sigmoid (on the last layer)
  HIDDEN: the hidden layers' activation, relu (default) or any other that
  mlpc-export accepts, e.g. gelu
  ->  OUTDIR/NAME.mlir (entry point @NAME)
      OUTDIR/NAME_weights.bin (W1 b1 W2 b2 ..., f32, [out][in] layout, for
      benchmark peers)
"""
import os
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "tools", "mlpc-export"))
import mlpc_export  # noqa: E402

out = sys.argv[1] if len(sys.argv) > 1 else here
name = sys.argv[2] if len(sys.argv) > 2 else "mnist"
dims = [int(d) for d in sys.argv[3].split(",")] if len(sys.argv) > 3 else [784, 128, 64, 10]
head = sys.argv[4] if len(sys.argv) > 4 else "softmax"
hidden = sys.argv[5] if len(sys.argv) > 5 else "relu"
rng = np.random.default_rng(2024)
state_dict = {}
for i, (k, n) in enumerate(zip(dims, dims[1:])):
    state_dict["%d.weight" % (2 * i)] = (rng.standard_normal((n, k)) * np.sqrt(2.0 / k)).astype(np.float32)
    state_dict["%d.bias" % (2 * i)] = (rng.standard_normal(n) * 0.1).astype(np.float32)
os.makedirs(out, exist_ok=True)
acts = [hidden] * (len(dims) - 2) + ["none"]
if head == "sigmoid":  # an activation of the last layer, not a head op
    acts[-1], head = "sigmoid", "none"
with open(os.path.join(out, name + ".mlir"), "w") as f:
    f.write(mlpc_export.from_state_dict(state_dict, acts, head=head, name=name))
with open(os.path.join(out, name + "_weights.bin"), "wb") as f:
    for v in state_dict.values():
        f.write(v.tobytes())
