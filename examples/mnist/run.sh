#!/usr/bin/env bash
# Builds mlpc, generates the MNIST-shaped model, compiles it and runs the app.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/examples/mnist"
prefix="${MLPC_PREFIX:-$root/install}"
out="${MLPC_EXAMPLE_DIR:-$root/build/examples/mnist}"

"$root/tools/install-deps.sh"
MLPC_PREFIX="$prefix" "$root/tools/build.sh"
cmake --install "${MLPC_BUILD_DIR:-$root/build}" --prefix "$prefix" >/dev/null

/usr/bin/python3 "$here/make_model.py" "$out"
"$prefix/bin/mlpc" "$out/mnist.mlir" -o "$out/mnist.o" --header "$out/mnist.h"
cc -std=c11 -O2 -I"$out" -I"$prefix/include" "$here/app.c" "$out/mnist.o" \
   -L"$prefix/lib" -lmlpc_runtime -lm -o "$out/mnist_app"
"$out/mnist_app"
