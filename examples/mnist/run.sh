#!/usr/bin/env bash
# Builds mlpc, generates the MNIST-shaped model, compiles it and runs the app.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/examples/mnist"
out="${MLPC_EXAMPLE_DIR:-$root/build/examples/mnist}"

prefix="$("$root/tools/install-mlpc.sh")"

/usr/bin/python3 "$here/make_model.py" "$out"
"$prefix/bin/mlpc" "$out/mnist.mlir" -o "$out/mnist.o" --header "$out/mnist.h"
cc -std=c11 -O2 -I"$out" -I"$prefix/include" "$here/app.c" "$out/mnist.o" \
   -L"$prefix/lib" -lmlpc_runtime -lm -o "$out/mnist_app"
"$out/mnist_app"
