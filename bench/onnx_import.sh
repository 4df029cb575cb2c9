#!/usr/bin/env bash
# The ONNX frontend against hand-written models: each benchmark model is
# written in the mlp dialect (examples/mnist/make_model.py, through
# mlpc-export) and as ONNX with the same weights (bench/make_onnx.py: Gemm
# with transB and the activation nodes, as exporters write them); both are
# compiled and their objects compared. Then the compile time and peak
# memory of the wide model (1024-4096-4096-1024, 100 MB of weights) from
# its ONNX file, its MLIR bytecode and its MLIR text, median of 3 runs.
#   bench/onnx_import.sh
set -euo pipefail
command -v /usr/bin/time >/dev/null ||
  { echo "bench/onnx_import.sh needs /usr/bin/time (Debian's time package)" >&2; exit 1; }
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/build/bench/onnx"
mlpc="$root/build/bin/mlpc"
mkdir -p "$out"

echo "| model | objects from ONNX and from the mlp dialect |"
echo "|---|---|"
model() { # name dims head(0 none, 1 softmax, 2 sigmoid) [hidden]
  local hidden="${4:-relu}"
  /usr/bin/python3 "$root/examples/mnist/make_model.py" "$out" "$1" "$2" \
    "$(case "$3" in 1) echo softmax ;; 2) echo sigmoid ;; *) echo none ;; esac)" "$hidden"
  /usr/bin/python3 "$root/bench/make_onnx.py" "$out/$1_weights.bin" "$2" "$3" "$out/$1.onnx" "$hidden"
  "$mlpc" "$out/$1.mlir" -o "$out/$1_mlir.o"
  "$mlpc" "$out/$1.onnx" --name "$1" -o "$out/$1_onnx.o"
  if cmp -s "$out/$1_mlir.o" "$out/$1_onnx.o"; then
    echo "| $1 ($2, $hidden) | identical ($(stat -c %s "$out/$1_onnx.o") bytes) |"
  else
    echo "| $1 ($2, $hidden) | DIFFERENT |"
  fi
}
model tiny 2,3,1 2
model mnist 784,128,64,10 1
model classifier 256,1000 1
model ffn 256,1024,256 0 gelu
model wide 1024,4096,4096,1024 0

"$root/build/bin/mlpc-opt" "$out/wide.mlir" --emit-bytecode -o "$out/wide.mlirbc"
echo
echo "wide model, mlpc -O3 to an object, median of 5 interleaved runs:"
echo
echo "| input | size MB | seconds | peak RSS MB | time, memory vs bytecode |"
echo "|---|---|---|---|---|"
# The three inputs in turn, 5 rounds, so that a slow spell of this shared
# machine hits all of them alike; the median of each.
: >"$out/times"
for round in 1 2 3 4 5; do
  for input in "wide.mlirbc" "wide.onnx --name wide" "wide.mlir"; do
    read -r file flags <<<"$input"
    # shellcheck disable=SC2086
    /usr/bin/time -f "$file %e %M" "$mlpc" "$out/$file" $flags -o "$out/wide_t.o" \
      2>>"$out/times" >/dev/null
  done
done
median() { # file -> "seconds kb"
  awk -v f="$1" '$1 == f { print $2, $3 }' "$out/times" | sort -n | sed -n 3p
}
read -r bc_s bc_kb < <(median wide.mlirbc)
read -r onnx_s onnx_kb < <(median wide.onnx)
read -r text_s text_kb < <(median wide.mlir)
row() { # file seconds kb
  awk -v f="$1" -v sz="$(stat -c %s "$out/$1")" -v s="$2" -v kb="$3" -v bs="$bc_s" -v bk="$bc_kb" \
    'BEGIN { printf "| %s | %.0f | %.2f | %.0f | %.2fx, %.2fx |\n", f, sz / 1e6, s, kb / 1024, s / bs, kb / bk }'
}
row wide.mlirbc "$bc_s" "$bc_kb"
row wide.onnx "$onnx_s" "$onnx_kb"
row wide.mlir "$text_s" "$text_kb"
