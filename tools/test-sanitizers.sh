#!/usr/bin/env bash
# Runs the runtime's tests and the end-to-end and thread tests against it
# under AddressSanitizer + UndefinedBehaviorSanitizer, then under
# ThreadSanitizer: the runtime and the test programs are instrumented, and
# the models are compiled by the plain build's mlpc (tools/build.sh first).
# Any report fails its test. tools/test.sh runs this after the plain suite.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mlpc="${MLPC_BUILD_DIR:-$root/build}/bin/mlpc"
if [ ! -x "$mlpc" ]; then
  echo "test-sanitizers: no $mlpc; run tools/build.sh first" >&2
  exit 1
fi
for mode in address,undefined thread; do
  dir="$root/build-${mode%%,*}"
  echo "test-sanitizers: -fsanitize=$mode in $dir"
  MLPC_BUILD_DIR="$dir" MLPC_SANITIZE="$mode" MLPC_EXTERNAL_MLPC="$mlpc" \
    "$root/tools/build.sh"
  ctest --test-dir "$dir" --output-on-failure -j 2
done
