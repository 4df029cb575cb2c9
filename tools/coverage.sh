#!/usr/bin/env bash
# Line coverage of compiler/ and runtime/ by the test suite: builds
# build-coverage (MLPC_COVERAGE=ON), runs ctest there (the fuzzers left
# out), merges the profiles and prints llvm-cov's report per file and in
# total. Writes build-coverage/coverage.txt; `tools/coverage.sh html`
# also writes build-coverage/coverage-html/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/build-coverage"
llvm=/usr/lib/llvm-22/bin
MLPC_BUILD_DIR="$dir" MLPC_COVERAGE=ON "$root/tools/build.sh"
rm -rf "$dir/profiles"
mkdir -p "$dir/profiles"
# %4m: a pool of 4 files per binary, merged online, for the thousands of
# mlpc runs that lit makes.
LLVM_PROFILE_FILE="$dir/profiles/%4m.profraw" \
  ctest --test-dir "$dir" -j 2 -LE fuzz --output-on-failure || true
"$llvm/llvm-profdata" merge -sparse "$dir"/profiles/*.profraw \
  -o "$dir/coverage.profdata"
binaries=()
for b in mlpc mlpc-opt mlpc-e2e-tests mlpc-runtime-tests mlpc-unit-tests \
  mlpc-gpu-tests mlpc-gpu-emulate; do
  [ -x "$dir/bin/$b" ] && binaries+=(-object "$dir/bin/$b")
done
"$llvm/llvm-cov" report "${binaries[@]:1}" \
  -instr-profile="$dir/coverage.profdata" \
  "$root/compiler" "$root/runtime" | tee "$dir/coverage.txt"
if [ "${1:-}" = html ]; then
  "$llvm/llvm-cov" show "${binaries[@]:1}" -format=html \
    -instr-profile="$dir/coverage.profdata" -output-dir="$dir/coverage-html" \
    "$root/compiler" "$root/runtime"
fi
