#!/usr/bin/env bash
# Any PyTorch model, through ONNX: the model that train_export.py exported
# with torch.onnx.export (a custom nn.Module with residual blocks,
# LayerNorm and GELU), compiled by mlpc and linked into the digits app.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/examples/onnx"
out="${MLPC_EXAMPLE_DIR:-$root/build/examples/onnx}"

prefix="$("$root/tools/install-mlpc.sh")"

mkdir -p "$out"
# The ONNX file is the input; --name gives the C function the app calls.
"$prefix/bin/mlpc" "$here/digits_resnet.onnx" --name digits \
   -o "$out/digits.o" --header "$out/digits.h"
cc -std=c11 -O2 -I"$out" -I"$prefix/include" "$root/examples/digits/app.c" \
   "$out/digits.o" -L"$prefix/lib" -lmlpc_runtime -lm -o "$out/digits_app"
"$out/digits_app" "$here/digits_test.txt"
