#!/usr/bin/env bash
# First benchmark: the MNIST-shaped model (784-128-64-10) at batch 1 and 256,
# mlpc against OpenBLAS sgemm + C epilogue, interleaved in one process, on 1
# and 2 threads. Installs OpenBLAS (Debian's libopenblas-dev) if needed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/build/bench"
"$root/tools/install-deps.sh"
dpkg-query -W -f='${Status}' libopenblas-dev 2>/dev/null | grep -q "install ok installed" || {
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get install -y -qq --no-install-recommends libopenblas-dev; }
"$root/tools/build.sh"
mkdir -p "$out"
/usr/bin/python3 "$root/examples/mnist/make_model.py" "$out"
"$root/build/bin/mlpc" "$out/mnist.mlir" -o "$out/mnist.o" --header "$out/mnist.h"
cc -std=c11 -O2 -march=native -I"$out" -I"$root/runtime/include" -I/usr/include/x86_64-linux-gnu/openblas-pthread \
  "$root/bench/mnist_bench.c" "$out/mnist.o" -L"$root/build/lib" -lmlpc_runtime \
  -lopenblas -lm -o "$out/mnist_bench"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
"$out/mnist_bench" "$out/mnist_weights.bin" "${1:-2001}"
