#!/usr/bin/env bash
# Configures and builds mlpc in ./build (or $MLPC_BUILD_DIR) with clang 22,
# lld, Ninja and ccache. MLPC_MLIR_LINK=static links MLIR's static libraries
# instead of the shared libMLIR; MLPC_ENABLE_GPU=OFF leaves out the NVPTX
# backend; MLPC_SANITIZE=address,undefined or thread instruments every
# target; MLPC_EXTERNAL_MLPC=path/to/mlpc builds only the runtime and its
# tests, compiling the test models with that mlpc. All are read when the
# build directory is first configured.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${MLPC_BUILD_DIR:-$root/build}"
llvm=/usr/lib/llvm-22

if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=$llvm/bin/clang \
    -DCMAKE_CXX_COMPILER=$llvm/bin/clang++ \
    -DLLVM_USE_LINKER=lld \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache \
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DMLIR_DIR=$llvm/lib/cmake/mlir \
    -DLLVM_DIR=$llvm/lib/cmake/llvm \
    -DMLIR_LINK_MLIR_DYLIB="$([ "${MLPC_MLIR_LINK:-shared}" = static ] && echo OFF || echo ON)" \
    -DMLPC_ENABLE_GPU="${MLPC_ENABLE_GPU:-ON}" \
    -DMLPC_SANITIZE="${MLPC_SANITIZE:-}" \
    -DMLPC_COVERAGE="${MLPC_COVERAGE:-OFF}" \
    -DMLPC_EXTERNAL_MLPC="${MLPC_EXTERNAL_MLPC:-}" \
    -DLLVM_EXTERNAL_LIT=$llvm/bin/lit \
    -DCMAKE_INSTALL_PREFIX="${MLPC_PREFIX:-$root/install}"
fi
# 2 cores, 24 GiB: two jobs keep the machine responsive.
cmake --build "$build" -j "${MLPC_JOBS:-2}"
