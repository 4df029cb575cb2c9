#!/usr/bin/env bash
# The forward-pass tools on the digits example: mlpc-export with a loss
# entry, mlpc --stats, a traced shared library called from Python, and
# mlpc-inspect's histograms (written to $out/layers.png).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/examples/digits"
out="${MLPC_EXAMPLE_DIR:-$root/build/examples/digits}"
prefix="${MLPC_PREFIX_READY:-$("$root/tools/install-mlpc.sh")}"
export PYTHONPATH="$prefix/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$out"
# Debian's Python, which has numpy, scikit-learn and matplotlib.
python=/usr/bin/python3

# The classifier, and the model with digits_loss(x, labels) beside digits(x).
"$python" "$here/train_export.py" --pickle "$out/digits.pkl"
"$prefix/bin/mlpc-export" sklearn "$out/digits.pkl" --name digits \
  --loss cross_entropy -o "$out/digits_loss.mlir"

# What each layer costs.
"$prefix/bin/mlpc" "$out/digits_loss.mlir" --stats --stats-batch=450 \
  -o "$out/digits_loss.o"

# A shared library with every layer traced, called from Python.
"$prefix/bin/mlpc" "$out/digits_loss.mlir" --trace --emit=shared \
  -o "$out/digits.so"
"$python" - "$here/digits_test.txt" "$out" <<'PY'
import sys
import numpy as np
import mlpc

rows = np.loadtxt(sys.argv[1], skiprows=1)
labels, x = rows[:, 0].astype(np.int32), rows[:, 1:65].astype(np.float32)
np.save(sys.argv[2] + "/inputs.npy", x)
m = mlpc.load(sys.argv[2] + "/digits.so")
print(m)
p = m.digits(x)
_, loss = m.digits_loss(x, labels)
print("accuracy %.4f, mean cross-entropy %.4f" %
      (np.mean(p.argmax(axis=1) == labels), loss[0]))
trace = m.digits_trace(x)
print("digits_trace:", ", ".join("%s %s" % (k, v.shape) for k, v in trace.items()))
try:
    m.digits_loss(x[:2], [3, 10])
except mlpc.Error as e:
    print("label 10:", e)
PY

# Histograms of every layer's z and a.
"$prefix/bin/mlpc-inspect" "$out/digits.so" "$out/inputs.npy" --entry digits \
  -o "$out/layers.png"
