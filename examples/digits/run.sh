#!/usr/bin/env bash
# The main job, end to end: install dependencies, build and install mlpc,
# compile the exported digits model, link it into a C app and run it.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/examples/digits"
out="${MLPC_EXAMPLE_DIR:-$root/build/examples/digits}"

prefix="$("$root/tools/install-mlpc.sh")"

mkdir -p "$out"
# What a user does: compile the model, then link it with the runtime.
"$prefix/bin/mlpc" "$here/digits.mlir" -o "$out/digits.o" --header "$out/digits.h"
cc -std=c11 -O2 -I"$out" -I"$prefix/include" "$here/app.c" "$out/digits.o" \
   -L"$prefix/lib" -lmlpc_runtime -lm -o "$out/digits_app"
"$out/digits_app" "$here/digits_test.txt"
