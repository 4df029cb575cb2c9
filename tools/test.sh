#!/usr/bin/env bash
# Installs the dependencies, builds, and runs every test (lit + GoogleTest)
# through ctest. This is what .ci/run calls.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/tools/install-deps.sh"
"$root/tools/build.sh"
ctest --test-dir "${MLPC_BUILD_DIR:-$root/build}" --output-on-failure -j 2
