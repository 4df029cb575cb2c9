#!/usr/bin/env bash
# Prints one line per model and target: the SHA-256 of the object (or PTX)
# that the given mlpc makes, or "error". A refactor that claims to change
# no generated code compares this list before and after it:
#
#   tools/dev/object-digests.sh OLD/bin/mlpc OLD/bin/gen-models > before
#   tools/dev/object-digests.sh build/bin/mlpc build/bin/gen-models > after
#   diff before after
set -uo pipefail
mlpc=$(realpath "$1")
gen=$(realpath "$2")
root="$(cd "$(dirname "$0")/../.." && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$gen" "$work" >/dev/null
models=("$work"/*.mlir "$root"/test/e2e/models/*.mlir
  "$root"/test/e2e/gpu/models/*.mlir "$root"/test/Driver/Inputs/*.mlir
  "$root"/examples/digits/digits.mlir)
# Each target's flags; the AVX-512 tile on an AVX2 CPU is what the e2e tests
# run on machines without AVX-512.
targets=("native::" "avx512::--mcpu=skylake-avx512" "avx2::--mcpu=haswell"
  "sse2::--mcpu=x86-64" "avx2-tile16::--mcpu=haswell --kernel-tile=6x32x16"
  "O0::-O0" "nvptx::--target=nvptx --gpu-arch=sm_80 --ptxas=none"
  "ptx::--target=nvptx --gpu-arch=sm_90 --emit=ptx")
for m in "${models[@]}"; do
  [ -f "$m" ] || continue
  for t in "${targets[@]}"; do
    name=${t%%::*}
    read -r -a flags <<<"${t#*::}"
    if "$mlpc" "$m" "${flags[@]}" -o "$work/out" 2>/dev/null; then
      sum=$(sha256sum "$work/out" | cut -c1-16)
    else
      sum=error
    fi
    echo "$(basename "$m") $name $sum"
  done
done
