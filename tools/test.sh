#!/usr/bin/env bash
# Installs the dependencies, builds, and runs every test (lit + GoogleTest +
# a minute of each fuzzer) through ctest, then the runtime's and the
# end-to-end tests again under ASan+UBSan and TSan
# (tools/test-sanitizers.sh). This is what .ci/run calls.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/tools/install-deps.sh"
"$root/tools/build.sh"
ctest --test-dir "${MLPC_BUILD_DIR:-$root/build}" --output-on-failure -j 2
"$root/tools/test-sanitizers.sh"
