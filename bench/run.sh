#!/usr/bin/env bash
# Benchmark: mlpc against OpenBLAS and oneDNN (sgemm per layer + C
# epilogue), ONNX Runtime (C API), PyTorch and numpy on the tiny model of
# the seed texts (2-3-1, relu, sigmoid), the MNIST-shaped one
# (784-128-64-10, softmax), a classifier head (256-1000, a softmax over 1000
# classes, too wide for the dense kernel's epilogue), a transformer-style
# feed-forward block with gelu (256-1024(gelu)-256) and a wide one
# (1024-4096-4096-1024), on 1 and 2
# threads, in one run; prints a markdown table with the machine's measured
# FMA peak and the best library sgemm's share of it; then the MNIST-shaped
# and wide models at --precision=bf16 and int8 against ONNX Runtime's,
# oneDNN's and PyTorch's int8 and bf16 paths (precision_bench.c). Installs Debian's
# libopenblas-dev, libdnnl-dev and python3-torch, and ONNX Runtime from the
# npm package onnxruntime-node (its libonnxruntime.so), if needed.
#   bench/run.sh [quick|precision|tools]   quick: fewer batch sizes;
#                                    precision: only the precision table;
#                                    tools: only the Python table of plain,
#                                    traced and loss calls (tools_bench.py)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/build/bench"
"$root/tools/install-deps.sh" >&2
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
for p in libopenblas-dev libdnnl-dev; do
  dpkg-query -W -f='${Status}' $p 2>/dev/null | grep -q "install ok installed" ||
    $SUDO apt-get install -y -qq --no-install-recommends $p >&2
done
# PyTorch (Debian's python3-torch) and npm (for ONNX Runtime), unless some
# other install already provides them.
/usr/bin/python3 -c "import torch" 2>/dev/null ||
  $SUDO apt-get install -y -qq --no-install-recommends python3-torch >&2
command -v npm >/dev/null ||
  $SUDO apt-get install -y -qq --no-install-recommends npm >&2
"$root/tools/build.sh" >&2
mkdir -p "$out"
blas_inc=/usr/include/x86_64-linux-gnu/openblas-pthread
ort_version=1.30.0
ort_lib="$out/ort/package/bin/napi-v6/linux/x64/libonnxruntime.so.1"
if [ ! -f "$ort_lib" ]; then
  mkdir -p "$out/ort"
  (cd "$out/ort" && npm pack --silent "onnxruntime-node@$ort_version" >/dev/null &&
   tar xzf "onnxruntime-node-$ort_version.tgz" package/bin/napi-v6/linux/x64/libonnxruntime.so.1 &&
   rm "onnxruntime-node-$ort_version.tgz") >&2
fi

cc -O2 "$root/bench/peak.c" -lpthread -o "$out/peak"
read -r peak1 peak2 lanes < <("$out/peak")
cc -O2 "$root/bench/l2floor.c" -o "$out/l2floor"
# Batch 1 on one thread reads every weight once from L2 (they stay there
# between calls): the time to read that many bytes is its floor.
mnist_bytes=$(( (784*128 + 128*64 + 64*10 + 128 + 64 + 10) * 4 ))
l2floor=$("$out/l2floor" $mnist_bytes)
cc -O2 -I"$blas_inc" "$root/bench/sgemm_ceiling.c" -fopenmp -lopenblas -ldnnl -o "$out/sgemm_ceiling"
# OpenBLAS's idle threads spin for 2^28 cycles by default after each call,
# which takes the second core from the block that follows; let them sleep
# after 2^4 cycles instead.
export OPENBLAS_THREAD_TIMEOUT=4
# The same for oneDNN's OpenMP threads.
export OMP_WAIT_POLICY=passive
# What a tuned library kernel reaches here: the fairer bar for the large
# batches' % of peak.
read -r blas1 blas2 dnnl1 dnnl2 < <("$out/sgemm_ceiling")

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores;" \
     "FMA peak ($lanes-lane vectors) at the start $peak1 GFLOP/s (1 thread), $peak2 (2); load: $(cut -d' ' -f1-3 /proc/loadavg)"
pct() { awk -v a="$1" -v p="$2" 'BEGIN { printf "%.0f%%", 100 * a / p }'; }
echo "best library sgemm (2048^3, best of 5 calls): OpenBLAS $blas1 GFLOP/s" \
     "($(pct "$blas1" "$peak1") of peak) on 1 thread, $blas2 ($(pct "$blas2" "$peak2")) on 2;" \
     "oneDNN $dnnl1 ($(pct "$dnnl1" "$peak1")), $dnnl2 ($(pct "$dnnl2" "$peak2"))"
echo "reading mnist's $mnist_bytes bytes of weights and biases from L2 (the floor" \
     "of its batch-1 call on one thread): $l2floor us"
echo
if [ "${1:-}" = tools ]; then
  # The MNIST-shaped model from Python: plain, --trace, and with a loss.
  /usr/bin/python3 "$root/examples/mnist/make_model.py" "$out" mnist >/dev/null
  # The same weights again, with mnist_loss (mlpc-export --loss).
  /usr/bin/python3 -c "
import sys, numpy as np
sys.path.insert(0, '$root/tools/mlpc-export')
import mlpc_export
raw = np.fromfile('$out/mnist_weights.bin', dtype=np.float32)
dims, at, sd = [784, 128, 64, 10], 0, {}
for i, (k, n) in enumerate(zip(dims, dims[1:])):
    sd['%d.weight' % (2 * i)] = raw[at:at + n * k].reshape(n, k); at += n * k
    sd['%d.bias' % (2 * i)] = raw[at:at + n]; at += n
open('$out/mnist_tools.mlir', 'w').write(mlpc_export.from_state_dict(
    sd, ['relu', 'relu', 'none'], head='softmax', name='mnist', loss='cross_entropy'))"
  "$root/build/bin/mlpc" "$out/mnist_tools.mlir" --trace --emit=shared -o "$out/mnist_tools.so"
  /usr/bin/python3 "$root/bench/tools_bench.py" "$out/mnist_tools.so" "$out/mnist_weights.bin"
  exit 0
fi
if [ "${1:-}" != precision ]; then
  echo "| model | threads | batch | mlpc us/call | OpenBLAS+C | oneDNN+C | ONNX Runtime | PyTorch | numpy | mlpc samples/s | mlpc GFLOP/s | % of peak | best peer/mlpc | max rel diff |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
fi
run() { # name dims head(0 none, 1 softmax, 2 sigmoid) batches [hidden]
  local hidden="${5:-relu}"
  /usr/bin/python3 "$root/examples/mnist/make_model.py" "$out" "$1" "$2" \
    "$(case "$3" in 1) echo softmax ;; 2) echo sigmoid ;; *) echo none ;; esac)" "$hidden"
  "$root/build/bin/mlpc" "$out/$1.mlir" -o "$out/$1.o" --header "$out/$1.h"
  cc -std=c11 -O2 -D_POSIX_C_SOURCE=199309L -DENTRY="$1" -include "$out/$1.h" -I"$root/runtime/include" \
    -I"$blas_inc" "$root/bench/mlp_bench.c" "$root/bench/ort_peer.c" "$out/$1.o" -L"$root/build/lib" \
    -fopenmp -lmlpc_runtime -lopenblas -ldnnl -lm -lpthread -ldl -o "$out/bench_$1"
  /usr/bin/python3 "$root/bench/make_onnx.py" "$out/$1_weights.bin" "$2" "$3" "$out/$1.onnx" "$hidden"
  ORT_LIB="$ort_lib" ORT_MODEL="$out/$1.onnx" PY_PEERS="$root/bench/py_peers.py" \
    "$out/bench_$1" "$out/$1_weights.bin" "$2" "$3" "$4" "$peak1" "$peak2" "$hidden"
}
# CPU time the hypervisor took from this machine (steal, /proc/stat), to
# tell a slow run on a shared VM from slow code.
cpu_times() { awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9, $9}' /proc/stat; }
read -r total0 steal0 < <(cpu_times)
if [ "${1:-}" = precision ]; then
  : # only the precision table below
elif [ "${1:-}" = quick ]; then
  run mnist 784,128,64,10 1 1,256
else
  run tiny 2,3,1 2 1
  run mnist 784,128,64,10 1 1,32,256,4096
  run classifier 256,1000 1 1,64
  run ffn 256,1024,256 0 1,64,512 gelu
  run wide 1024,4096,4096,1024 0 1,64,512
fi
# --precision: mlpc's f32, bf16 and int8 objects of the same model against
# the same-precision peers (precision_bench.c), in one more table.
run_precision() { # name dims head(0 none, 1 softmax) batches
  local m="$1" objs=()
  /usr/bin/python3 "$root/examples/mnist/make_model.py" "$out" "$m" "$2" \
    "$(case "$3" in 1) echo softmax ;; *) echo none ;; esac)"
  for v in f32:f32: bf16:bf16: int8:int8: bf16w:bf16:--bf16-product=widen; do
    IFS=: read -r tag precision extra <<<"$v"
    sed "s/@$m(/@${m}_$tag(/" "$out/$m.mlir" >"$out/${m}_$tag.mlir"
    "$root/build/bin/mlpc" "$out/${m}_$tag.mlir" --precision="$precision" $extra -o "$out/${m}_$tag.o"
    objs+=("$out/${m}_$tag.o")
  done
  /usr/bin/python3 "$root/bench/make_onnx.py" "$out/${m}_weights.bin" "$2" "$3" "$out/${m}_int8.onnx" relu --int8
  cc -std=c11 -O2 -DENTRY="$m" -I"$root/runtime/include" "$root/bench/precision_bench.c" \
    "$root/bench/ort_peer.c" "${objs[@]}" -L"$root/build/lib" -fopenmp -lmlpc_runtime -ldnnl \
    -lm -lpthread -ldl -o "$out/precision_$m"
  ORT_LIB="$ort_lib" ORT_MODEL="$out/${m}_int8.onnx" PY_PEERS="$root/bench/py_peers.py" \
    "$out/precision_$m" "$out/${m}_weights.bin" "$2" "$3" "$4"
}
echo
echo "Precisions (mlpc --precision; us per call, medians; peers at the same precision):"
echo
if [ "${1:-}" = quick ]; then
  run_precision mnist 784,128,64,10 1 1,256
else
  run_precision mnist 784,128,64,10 1 1,256,4096
  run_precision wide 1024,4096,4096,1024 0 1,64,512 | tail -n +3
fi
read -r total1 steal1 < <(cpu_times)
# The peak again: a lower figure than at the start means something else ran
# on the machine during the run (a stray program of one's own once took the
# second core's peak from 195 to 105-133 GFLOP/s), and the 2-thread cells
# are not comparable with other runs'.
read -r end1 end2 _ < <("$out/peak")
echo
echo "FMA peak at the end: $end1 GFLOP/s (1 thread), $end2 (2)"
echo "steal time during the run (CPU time the hypervisor took):" \
     "$(awk -v s=$((steal1 - steal0)) -v t=$((total1 - total0)) 'BEGIN { printf "%.1f%%", t ? 100 * s / t : 0 }')"
