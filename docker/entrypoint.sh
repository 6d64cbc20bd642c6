#!/bin/sh
# otel-preload's container entrypoint (POSIX sh; installed as /otel-preload/entrypoint.sh).
#
#   entrypoint.sh <command> [args...]   add `--import <this dir>/register.js` to NODE_OPTIONS,
#                                       then exec the command (it replaces this shell: same
#                                       PID, signals go straight to it; fine under tini/dumb-init)
#   entrypoint.sh copy <dir>            copy the preload into <dir> (a Kubernetes init container
#                                       filling a shared volume) and say which NODE_OPTIONS to use
#   entrypoint.sh -- <command> ...      run a program that is itself called `copy` or `help`
#   entrypoint.sh [help]                this text
#
# NODE_OPTIONS keeps every flag the user set; ours is appended once, and not at all when it
# is already there (an image ENV, a nested entrypoint). Nothing else in the environment changes.
set -eu

# The directory this script is in: /otel-preload in the image, or wherever `copy` put it.
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
register="$here/register.js"

say() { printf 'otel-preload: %s\n' "$*" >&2; }

usage() {
  sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"
}

# node splits NODE_OPTIONS on spaces unless a value is in double quotes.
quoted() {
  case "$1" in
    *' '*) printf '"%s"' "$1" ;;
    *) printf '%s' "$1" ;;
  esac
}

# True when NODE_OPTIONS already preloads our register.js. node allows double quotes around
# any token ("--import" "/path"), so they are ignored here.
has_our_flag() {
  plain=$(printf '%s' "${NODE_OPTIONS:-}" | tr -d '"')
  case " $plain " in
    *" --import $register "* | *" --import=$register "* | *" --require $register "* | *" --require=$register "* | *" -r $register "*) return 0 ;;
  esac
  return 1
}

copy_to() {
  target="$1"
  [ -n "$target" ] || { say "copy: which directory? e.g. copy /otel-preload-volume"; exit 2; }
  mkdir -p -- "$target"
  # Contents only (the volume is the directory), keeping node_modules' relative symlinks.
  cp -R -- "$here/." "$target/"
  say "copied to $target. In the app's container, mount this volume and set NODE_OPTIONS=\"--import <mount path>/register.js\" (at the same path: --import $(quoted "$target/register.js"))"
}

case "${1-help}" in
  help | -h | --help)
    usage
    exit 0
    ;;
  copy)
    [ "$#" -le 2 ] || { say "copy takes one directory"; exit 2; }
    copy_to "${2-}"
    exit 0
    ;;
  --)
    shift
    [ "$#" -gt 0 ] || { usage >&2; exit 2; }
    ;;
esac

if [ ! -f "$register" ]; then
  # A broken copy must not stop the app: run it untraced, and say so.
  say "$register is missing; running the command without tracing"
elif ! has_our_flag; then
  NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--import $(quoted "$register")"
  export NODE_OPTIONS
fi

exec "$@"
