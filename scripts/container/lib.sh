# shellcheck shell=bash
# Shared by scripts/container/*: building and running the image without a Docker engine,
# with Debian's buildah (vfs storage, chroot isolation: no daemon, no overlayfs, no
# user namespaces needed). Source it; do not execute it.
#
# Environment:
#   OTEL_PRELOAD_CACHE   cache root (default ~/.cache/otel-preload); ours is <cache>/container:
#                          base-<key>.tar   the local base image's root file system
#                          storage/         buildah's image store (images, layer cache)
#                          logs/            the last run's logs (debootstrap, build)
#   BUILDAH              the buildah binary (default: buildah on PATH, apt-get installed if missing)

set -euo pipefail

CONTAINER_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$CONTAINER_SCRIPTS/../.." && pwd)"
CONTAINER_CACHE="${OTEL_PRELOAD_CACHE:-$HOME/.cache/otel-preload}/container"
CONTAINER_LOGS="$CONTAINER_CACHE/logs"
mkdir -p "$CONTAINER_CACHE" "$CONTAINER_LOGS"

# A private image store, so that cleaning it up never touches anybody else's images.
export BUILDAH_ISOLATION=chroot
BUILDAH_STORAGE=(--storage-driver vfs --root "$CONTAINER_CACHE/storage" --runroot "$CONTAINER_CACHE/runroot")
bh() { "${BUILDAH:-buildah}" "${BUILDAH_STORAGE[@]}" "$@"; }

clog() { printf '[container] %s\n' "$*" >&2; }

# cfail <reason> [log file]: says why, shows the log's last 40 lines, exits 1.
cfail() {
  printf '[container] FAILED: %s\n' "$1" >&2
  if [ -n "${2:-}" ] && [ -s "$2" ]; then
    printf '[container] last 40 lines of %s:\n' "$2" >&2
    tail -n 40 "$2" | sed 's/^/[container]   | /' >&2
  fi
  exit 1
}

# require_tools <command:debian-package>...: installs what is missing with apt-get (as root).
require_tools() {
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair##*:}")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || cfail "need ${missing[*]} (apt-get install ${missing[*]}); not root, so not installing them"
  clog "installing ${missing[*]} with apt-get"
  local log="$CONTAINER_LOGS/apt-get.log"
  {
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" ||
      { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"; }
  } </dev/null >"$log" 2>&1 || cfail "apt-get install ${missing[*]}" "$log"
}

# The default base image of the Dockerfile (its `ARG NODE_IMAGE=` line), e.g. node:24.21.0-bookworm-slim.
dockerfile_default_base() {
  sed -n 's/^ARG NODE_IMAGE=\(.*\)$/\1/p' "$REPO_ROOT/Dockerfile" | head -n 1
}
