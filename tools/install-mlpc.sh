#!/usr/bin/env bash
# Installs the dependencies, builds mlpc and installs it into $MLPC_PREFIX
# (default: ./install). Prints the prefix. Used by the examples.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="${MLPC_PREFIX:-$root/install}"
"$root/tools/install-deps.sh" >&2
MLPC_PREFIX="$prefix" "$root/tools/build.sh" >&2
cmake --install "${MLPC_BUILD_DIR:-$root/build}" --prefix "$prefix" >/dev/null
echo "$prefix"
