#!/usr/bin/env bash
# Installs what mlpc needs on Debian 12 (bookworm): LLVM/MLIR 22, clang and
# lld 22 with their sanitizer and libFuzzer runtimes, Ninja, ccache,
# GoogleTest, a C compiler for apps (`cc`), pkg-config (the test of the
# installed package uses it), ONNX's C++ library, its conformance test
# data and its Python package (the ONNX frontend and its tests), and Python
# with scikit-learn for the examples and matplotlib for mlpc-inspect. Idempotent: does nothing when
# everything is already installed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache git
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
  libclang-rt-22-dev
  libgtest-dev
  python3 python3-numpy python3-sklearn python3-matplotlib
  libonnx-dev libprotobuf-dev libonnx-testdata python3-onnx
  pkgconf
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
