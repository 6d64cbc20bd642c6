# shellcheck shell=bash
# Shared helpers for scripts/services/*. Source it; do not execute it.
#
#   SERVICE_NAME=kafka; . "$(dirname "$0")/lib.sh"
#
# Environment:
#   OTEL_PRELOAD_CACHE  downloads / builds reused between runs (default ~/.cache/otel-preload)
#   OTEL_PRELOAD_STATE  data dirs, logs, pid files of the running services
#                       (default /tmp/otel-preload-services)

# shellcheck disable=SC2034 # used by the scripts that source this file
SERVICES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_DIR="${OTEL_PRELOAD_CACHE:-$HOME/.cache/otel-preload}"
STATE_DIR="${OTEL_PRELOAD_STATE:-/tmp/otel-preload-services}"
LOG_DIR="$STATE_DIR/logs"
SERVICE_NAME="${SERVICE_NAME:-services}"
# The log whose tail `fail` prints; each service script sets it.
SERVICE_LOG="${SERVICE_LOG:-}"

mkdir -p "$CACHE_DIR" "$STATE_DIR" "$LOG_DIR"

log() {
  printf '[services:%s] %s\n' "$SERVICE_NAME" "$*" >&2
}

# fail <reason...>: names the service, says why, shows the last 40 lines of its log, exits 1.
fail() {
  local log_file="${SERVICE_LOG:-}"
  {
    printf '\n[services:%s] FAILED: %s\n' "$SERVICE_NAME" "$*"
    if [ -n "$log_file" ] && [ -s "$log_file" ]; then
      printf '[services:%s] last 40 lines of %s:\n' "$SERVICE_NAME" "$log_file"
      tail -n 40 "$log_file" | sed "s/^/[services:$SERVICE_NAME]   | /"
    elif [ -n "$log_file" ]; then
      printf '[services:%s] (log %s is empty or missing)\n' "$SERVICE_NAME" "$log_file"
    fi
  } >&2
  exit 1
}

# seconds since the epoch
now() { date +%s; }

# human-readable duration: fmt_duration <seconds>
fmt_duration() {
  local s="$1"
  if [ "$s" -ge 60 ]; then printf '%dm%02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi
}

# wait_for <timeout-seconds> <description> <command...>
# Polls the command (output discarded) once a second until it succeeds, printing a dot
# per attempt on stderr. Returns 1 on timeout. If the variable WAIT_FOR_PID is set and
# that process dies, gives up early (the service crashed; no point waiting).
wait_for() {
  local timeout="$1" what="$2"
  shift 2
  local start elapsed
  start="$(now)"
  printf '[services:%s] waiting for %s (timeout %ss) ' "$SERVICE_NAME" "$what" "$timeout" >&2
  while true; do
    if "$@" >/dev/null 2>&1; then
      elapsed=$(($(now) - start))
      printf ' ok (%s)\n' "$(fmt_duration "$elapsed")" >&2
      return 0
    fi
    elapsed=$(($(now) - start))
    if [ "$elapsed" -ge "$timeout" ]; then
      printf ' timed out after %s\n' "$(fmt_duration "$elapsed")" >&2
      return 1
    fi
    if [ -n "${WAIT_FOR_PID:-}" ] && ! kill -0 "$WAIT_FOR_PID" 2>/dev/null; then
      printf ' process %s exited\n' "$WAIT_FOR_PID" >&2
      return 1
    fi
    printf '.' >&2
    sleep 1
  done
}

# pid_alive <pidfile>: true if the pid file names a live process.
pid_alive() {
  local pidfile="$1" pid
  [ -s "$pidfile" ] || return 1
  pid="$(cat "$pidfile" 2>/dev/null)" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# tcp_open <host> <port>: true if something accepts TCP connections there.
tcp_open() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# require_port_free <port>: fails (with a clear message) if 127.0.0.1:<port> is taken.
require_port_free() {
  local port="$1" who=""
  if tcp_open 127.0.0.1 "$port"; then
    if command -v ss >/dev/null 2>&1; then who="$(ss -Hltnp "sport = :$port" 2>/dev/null | head -n 3)"; fi
    SERVICE_LOG="" fail "port 127.0.0.1:$port is already in use by a process this script did not start${who:+:
$who}"
  fi
}

# rotate_log <file>: keeps the previous run's log as <file>.prev so that a failure shows
# only this run's lines.
rotate_log() {
  if [ -s "$1" ]; then mv -f "$1" "$1.prev"; fi
}

# stop_pid <pidfile> <grace-seconds>: SIGTERM, wait, SIGKILL after the grace period.
stop_pid() {
  local pidfile="$1" grace="${2:-20}" pid i
  if ! pid_alive "$pidfile"; then
    rm -f "$pidfile"
    log "not running"
    return 0
  fi
  pid="$(cat "$pidfile")"
  log "stopping pid $pid (SIGTERM)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 2; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid still alive after ${grace}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 20; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
  fi
  rm -f "$pidfile"
  log "stopped"
}

# usage_and_dispatch "$@": common {install|start|stop|status} entry point. The
# service script defines do_install, do_start, do_stop, do_status.
dispatch() {
  local cmd="${1:-}"
  case "$cmd" in
    install) do_install ;;
    start) do_start ;;
    stop) do_stop ;;
    status) do_status ;;
    restart) do_stop && do_start ;;
    *)
      echo "usage: $0 {install|start|stop|status|restart}" >&2
      exit 2
      ;;
  esac
}
