#!/bin/sh
# ptxas_check.sh MLPC TEST_SOURCE_DIR WORK_DIR
#
# Compiles every test model with `mlpc --target=nvptx --emit=ptx` for
# sm_70, sm_80 and sm_90 and assembles each PTX with ptxas for its
# architecture, printing each kernel's registers and spills. Exit 77 (a
# skip, for ctest) when there is no ptxas; 1 when ptxas rejects any PTX.
set -eu
mlpc=$1
src=$2
work=$3

ptxas=""
for candidate in "${CUDA_PATH:-/nonexistent}/bin/ptxas" /usr/local/cuda/bin/ptxas; do
  if [ -x "$candidate" ]; then ptxas=$candidate; break; fi
done
if [ -z "$ptxas" ]; then ptxas=$(command -v ptxas || true); fi
if [ -z "$ptxas" ]; then
  echo "SKIPPED: no ptxas here (install the CUDA toolkit or set CUDA_PATH);"
  echo "the generated PTX was not assembled."
  exit 77
fi
echo "ptxas: $ptxas ($("$ptxas" --version | tail -1))"

mkdir -p "$work"
models="$src/e2e/gpu/models/mlp.mlir $src/e2e/gpu/models/tiny.mlir
  $src/e2e/models/seeds.mlir $src/e2e/models/softmax.mlir
  $src/e2e/models/elementwise.mlir $src/e2e/models/residual.mlir
  $src/../examples/digits/digits.mlir $src/e2e/gpu/models/shapes.mlir
  $src/Frontend/ONNX/torch/activations_opset9.onnx
  $src/Frontend/ONNX/torch/norms_opset13.onnx
  $src/Frontend/ONNX/torch/residual_opset17.onnx"
status=0
printf '%-6s %-7s %-12s %-28s %5s %6s %6s\n' arch ptxas model kernel regs spillS spillL
for arch in sm_70 sm_80 sm_90; do
  for model in $models; do
    name=$(basename "$model"); name=${name%.*}
    ptx="$work/$name.$arch.ptx"
    "$mlpc" "$model" --target=nvptx --gpu-arch=$arch --emit=ptx -o "$ptx"
    target=$arch
    if ! "$ptxas" -v -arch=$target "$ptx" -o "$work/$name.$arch.cubin" \
        >"$work/log" 2>&1; then
      if grep -q "is not defined for option" "$work/log"; then
        # CUDA 13's ptxas dropped Volta; sm_70 PTX still assembles for the
        # next architecture, which checks its syntax and semantics.
        target=sm_75
        if ! "$ptxas" -v -arch=$target "$ptx" -o "$work/$name.$arch.cubin" \
            >"$work/log" 2>&1; then
          cat "$work/log"; status=1; continue
        fi
      else
        echo "FAIL: ptxas -arch=$arch rejects the PTX of $name:"
        cat "$work/log"; status=1; continue
      fi
    fi
    awk -v arch=$arch -v asm=$target -v model=$name '
      /Compiling entry function/ { split($0, q, "'"'"'"); kernel = q[2] }
      /spill stores/ { stores = $5; loads = $9 }
      /Used [0-9]+ registers/ {
        for (i = 1; i <= NF; ++i) if ($i == "Used") regs = $(i + 1)
        printf "%-6s %-7s %-12s %-28s %5s %6s %6s\n", arch, asm, model, kernel, regs, stores, loads
      }' "$work/log"
  done
done
[ $status -eq 0 ] && echo "all PTX assembled"
exit $status
