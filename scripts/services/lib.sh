# shellcheck shell=bash
# Shared helpers for scripts/services/*. Source it; do not execute it.
#
#   SERVICE_NAME=kafka; . "$(dirname "$0")/lib.sh"
#
# Environment (documented once, with the ports, in the README's "Real services" section):
#   OTEL_PRELOAD_CACHE  downloads / builds reused between runs (default ~/.cache/otel-preload)
#   OTEL_PRELOAD_STATE  data dirs, logs, pid files, holds and the lock of the running
#                       services (default /tmp/otel-preload-services)
#   OTEL_PRELOAD_*_PORT where each service listens (defaults below)
#   OTEL_PRELOAD_HOLDER_PID  see "Holds" below
#
# Sharing: every checkout on the machine uses the same services (same state dir, same
# ports). `up` and `down` run one at a time (an flock on $STATE/lock), and each `up`
# records a hold per service for its checkout; `down` drops this checkout's hold and
# stops a service only when no hold on it remains.

# shellcheck disable=SC2034 # used by the scripts that source this file
SERVICES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_DIR="${OTEL_PRELOAD_CACHE:-$HOME/.cache/otel-preload}"
STATE_DIR="${OTEL_PRELOAD_STATE:-/tmp/otel-preload-services}"
LOG_DIR="$STATE_DIR/logs"
SERVICE_NAME="${SERVICE_NAME:-services}"
# The log whose tail `fail` prints; each service script sets it.
SERVICE_LOG="${SERVICE_LOG:-}"

mkdir -p "$CACHE_DIR" "$STATE_DIR" "$LOG_DIR"

# Ports (127.0.0.1). Changing one matters when the service is started; to run a second,
# separate set of services, give it its own OTEL_PRELOAD_STATE as well as other ports.
# Jaeger's, MariaDB's and Redis's are below Linux's ephemeral range (32768-60999): a port in that range can be
# taken, at the moment a service starts, by the local end of some outgoing connection
# (seen here: Jaeger's query port held by a client connection to PostgreSQL).
PG_PORT="${OTEL_PRELOAD_PG_PORT:-55432}"
KAFKA_PORT="${OTEL_PRELOAD_KAFKA_PORT:-59092}"
KAFKA_CONTROLLER_PORT="${OTEL_PRELOAD_KAFKA_CONTROLLER_PORT:-59093}"
PROMETHEUS_PORT="${OTEL_PRELOAD_PROMETHEUS_PORT:-59090}"
JAEGER_OTLP_GRPC_PORT="${OTEL_PRELOAD_JAEGER_OTLP_GRPC_PORT:-24317}"
JAEGER_OTLP_HTTP_PORT="${OTEL_PRELOAD_JAEGER_OTLP_HTTP_PORT:-24318}"
JAEGER_QUERY_PORT="${OTEL_PRELOAD_JAEGER_QUERY_PORT:-26686}"
JAEGER_QUERY_GRPC_PORT="${OTEL_PRELOAD_JAEGER_QUERY_GRPC_PORT:-26685}"
MARIADB_PORT="${OTEL_PRELOAD_MARIADB_PORT:-23306}"
REDIS_PORT="${OTEL_PRELOAD_REDIS_PORT:-26379}"

# The lock `up` and `down` hold on fd 9 for their whole run. The service scripts close
# that descriptor at once: the daemons they start would otherwise inherit it and keep
# the lock held for as long as they run.
LOCK_FILE="$STATE_DIR/lock"
case "$SERVICE_NAME" in
  up | down) ;;
  *) exec 9>&- ;;
esac

# lock_services: waits (saying so) until no other up/down runs on this state dir.
lock_services() {
  exec 9>>"$LOCK_FILE"
  if ! flock -n 9; then
    log "another up/down (of this or another checkout) is running on $STATE_DIR; waiting for it (lock $LOCK_FILE)"
    flock 9
  fi
}

# Holds. Who holds: this checkout (its path), or, with OTEL_PRELOAD_HOLDER_PID set (CI,
# the demo), that process of this checkout, whose hold ends when it exits.
HOLDS_DIR="$STATE_DIR/holds"
CHECKOUT="$(cd "$SERVICES_DIR/../.." && pwd)"
holder() {
  if [ -n "${OTEL_PRELOAD_HOLDER_PID:-}" ]; then echo "$CHECKOUT pid ${OTEL_PRELOAD_HOLDER_PID}"; else echo "$CHECKOUT"; fi
}
hold_file() { echo "$HOLDS_DIR/$1/$(holder | sha256sum | cut -c1-16)"; }

# hold <service>: records this holder's hold on the service.
hold() {
  mkdir -p "$HOLDS_DIR/$1"
  printf 'holder=%s\ncheckout=%s\npid=%s\n' "$(holder)" "$CHECKOUT" "${OTEL_PRELOAD_HOLDER_PID:-}" >"$(hold_file "$1")"
}

# release <service>: drops this holder's hold (if any).
release() { rm -f "$(hold_file "$1")"; }

# holders <service>: prints the live holders, one a line, after deleting stale holds
# (a process that has exited, a checkout that no longer exists).
holders() {
  local file pid checkout
  for file in "$HOLDS_DIR/$1"/*; do
    [ -f "$file" ] || continue
    pid="$(sed -n 's/^pid=//p' "$file")"
    checkout="$(sed -n 's/^checkout=//p' "$file")"
    if { [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; } || [ ! -d "$checkout" ]; then
      rm -f "$file"
      continue
    fi
    sed -n 's/^holder=//p' "$file"
  done
}

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
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi
}

# apt_install <package>: Debian's package, without recommends; the package lists are
# refreshed only when the first try fails (they may be missing or stale). Output goes
# to $LOG_DIR/<package>-install.log, whose tail a failure shows.
apt_install() {
  local package="$1" install_log="$LOG_DIR/$1-install.log"
  command -v apt-get >/dev/null 2>&1 || fail "no $package and no apt-get to install it"
  (as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$package" ||
    { as_root apt-get update -q && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$package"; }) \
    >>"$install_log" 2>&1 || SERVICE_LOG="$install_log" fail "apt-get install $package failed"
}

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
# For a service started in the foreground with its pid in $PIDFILE, listening on $PORT,
# with a `ready` probe of its own: running when the process lives and answers.
pid_service_status() {
  if pid_alive "$PIDFILE" && ready >/dev/null 2>&1; then
    log "running (pid $(cat "$PIDFILE")) on 127.0.0.1:$PORT"
  else
    log "not running"
    return 1
  fi
}

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
